/**
 * Message search semantics shared by E1 (query string) and bulk-job `search_params` (E12 JSON):
 * one normalised filter, one matcher. Validation follows E1 / E12, contract#search; where the contract is
 * silent, the choice is noted inline.
 */
import { attachmentDigests, contentOf, isNonBenign } from './content.js';
import { badRequest } from './envelope.js';
import type { StoredMessage } from './messages.js';
import type { DeliveryStatus, Disposition, PostDeliveryOp } from './wire-types.js';
import { DELIVERY_STATUSES, DISPOSITIONS, DISPOSITIONS_6, MESSAGE_ACTIONS } from './wire-types.js';

const DAY = 86_400_000;

export interface SearchFilter {
  start: number;
  end: number;
  alertId?: string;
  deliveryStatus?: DeliveryStatus;
  detectionsOnly?: boolean;
  domain?: string;
  finalDisposition?: Disposition;
  messageAction?: PostDeliveryOp;
  messageId?: string;
  query?: string;
  recipient?: string;
  sender?: string;
  subject?: string;
  exactSubject?: string;
  smtpHeloIp?: string;
  submissions?: boolean;
}

/** Raw (string or JSON) inputs, before validation. */
/** E1's query parameters (and E12's `search_params`), the names Cloudflare uses. */
export const SEARCH_KEYS = [
  'action_log',
  'alert_id',
  'delivery_status',
  'detections_only',
  'domain',
  'end',
  'exact_subject',
  'final_disposition',
  'message_action',
  'message_id',
  'metric',
  'query',
  'recipient',
  'sender',
  'smtp_helo_ip',
  'start',
  'subject',
  'submissions',
] as const;

export type RawSearch = Partial<Record<(typeof SEARCH_KEYS)[number], unknown>>;

export function parseDate(name: string, value: unknown): number {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`${name}: expected an RFC 3339 date-time`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badRequest(`${name}: '${value}' is not a valid date-time`);
  return ms;
}

export function parseBool(name: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw badRequest(`${name}: expected true or false`);
}

function str(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`${name}: expected a string`);
  return value;
}

/**
 * @param allDispositions E12's search_params accept all 10 dispositions; E1's filter only 6 (contract#enums).
 * @param now the simulator clock (defaults: start = now − 30 days, end = now).
 */
export function parseSearch(raw: RawSearch, now: number, allDispositions: boolean): SearchFilter {
  const start = raw.start === undefined || raw.start === null ? now - 30 * DAY : parseDate('start', raw.start);
  const end = raw.end === undefined || raw.end === null ? now : parseDate('end', raw.end);
  // SDK: start "Must not be in the future." A second of slack absorbs client/server clock skew.
  if (start > now + 1000) throw badRequest('start: must not be in the future');
  if (end < start) throw badRequest('end: must not be before start');
  const filter: SearchFilter = { start, end };

  const disposition = str('final_disposition', raw.final_disposition);
  if (disposition !== undefined) {
    const allowed: readonly string[] = allDispositions ? DISPOSITIONS : DISPOSITIONS_6;
    if (!allowed.includes(disposition)) throw badRequest(`final_disposition: must be one of ${allowed.join(', ')}`);
    filter.finalDisposition = disposition as Disposition;
  }
  const deliveryStatus = str('delivery_status', raw.delivery_status);
  if (deliveryStatus !== undefined) {
    if (!(DELIVERY_STATUSES as readonly string[]).includes(deliveryStatus))
      throw badRequest(`delivery_status: must be one of ${DELIVERY_STATUSES.join(', ')}`);
    filter.deliveryStatus = deliveryStatus as DeliveryStatus;
  }
  const action = str('message_action', raw.message_action);
  if (action !== undefined) {
    const op = MESSAGE_ACTIONS[action];
    if (!op) throw badRequest(`message_action: must be one of ${Object.keys(MESSAGE_ACTIONS).join(', ')}`);
    filter.messageAction = op;
  }
  const assign = <K extends keyof SearchFilter>(key: K, value: SearchFilter[K] | undefined) => {
    if (value !== undefined) filter[key] = value;
  };
  assign('alertId', str('alert_id', raw.alert_id));
  assign('detectionsOnly', parseBool('detections_only', raw.detections_only));
  assign('domain', str('domain', raw.domain)?.toLowerCase());
  assign('messageId', str('message_id', raw.message_id));
  assign('query', str('query', raw.query)?.toLowerCase());
  assign('recipient', str('recipient', raw.recipient)?.toLowerCase());
  assign('sender', str('sender', raw.sender)?.toLowerCase());
  assign('subject', str('subject', raw.subject)?.toLowerCase());
  assign('exactSubject', str('exact_subject', raw.exact_subject));
  assign('smtpHeloIp', str('smtp_helo_ip', raw.smtp_helo_ip));
  assign('submissions', parseBool('submissions', raw.submissions));
  // `metric` has no description in either source and `action_log` only toggled output in the old
  // spec: both are accepted and ignored (validated for type only).
  str('metric', raw.metric);
  parseBool('action_log', raw.action_log);
  return filter;
}

/** Seed: sender/recipient "matches an email address or a domain". */
function addressMatches(address: string | null | undefined, needle: string): boolean {
  if (!address) return false;
  const lower = address.toLowerCase();
  if (needle.includes('@')) return lower === needle;
  const domain = lower.split('@')[1] ?? '';
  return domain === needle || domain.endsWith(`.${needle}`);
}

function stripBrackets(id: string): string {
  return id.replace(/^<|>$/g, '');
}

/** The text `query` searches (E1, contract#search: alert_id, from, names, disposition, attachment hashes/names, reasons, dates, reply-to, to, message-id, IPs, subject). */
function queryHaystack(stored: StoredMessage): string {
  const m = stored.msg;
  const parts: (string | null | undefined)[] = [
    m.alert_id,
    m.from,
    m.envelope_from,
    m.from_name,
    m.final_disposition,
    m.replyto,
    m.message_id,
    m.smtp_helo_server_ip,
    m.smtp_previous_hop_ip,
    m.x_originating_ip,
    m.subject,
    m.ts,
    m.scanned_at?.slice(0, 19),
    m.sent_at?.slice(0, 19),
    ...(m.to ?? []),
    ...(m.envelope_to ?? []),
    ...(m.to_name ?? []),
    ...m.detection_reasons,
  ];
  for (const att of contentOf(m).attachments) {
    const d = attachmentDigests(att);
    parts.push(att.filename, d.md5, d.sha1, d.sha256);
  }
  return parts
    .filter((p): p is string => typeof p === 'string')
    .join('\n')
    .toLowerCase();
}

export function matchesSearch(stored: StoredMessage, f: SearchFilter): boolean {
  const m = stored.msg;
  // E2 `submission`: "When true, search the submissions datastore only. When false or omitted, search the regular datastore only."
  if ((f.submissions ?? false) !== stored.submission) return false;
  const scanned = Date.parse(m.scanned_at ?? `${m.ts}Z`);
  if (scanned < f.start || scanned > f.end) return false;
  if (f.alertId !== undefined && m.alert_id !== f.alertId) return false;
  if (f.finalDisposition !== undefined && m.final_disposition !== f.finalDisposition) return false;
  if (f.deliveryStatus !== undefined && !(m.delivery_status ?? []).includes(f.deliveryStatus)) return false;
  if (f.detectionsOnly === true && !isNonBenign(m)) return false;
  if (f.messageAction !== undefined && !(m.post_delivery_operations ?? []).includes(f.messageAction)) return false;
  if (f.messageId !== undefined && stripBrackets(m.message_id ?? '') !== stripBrackets(f.messageId)) return false;
  if (f.smtpHeloIp !== undefined && m.smtp_helo_server_ip !== f.smtpHeloIp) return false;
  if (f.exactSubject !== undefined && m.subject !== f.exactSubject) return false;
  if (f.subject !== undefined) {
    const subject = (m.subject ?? '').toLowerCase();
    if (
      !f.subject
        .split(/\s+/)
        .filter(Boolean)
        .every((word) => subject.includes(word))
    )
      return false;
  }
  if (f.sender !== undefined && !addressMatches(m.from, f.sender) && !addressMatches(m.envelope_from, f.sender))
    return false;
  if (f.recipient !== undefined) {
    const all = [...(m.to ?? []), ...(m.envelope_to ?? []), ...m.client_recipients];
    if (!all.some((a) => addressMatches(a, f.recipient as string))) return false;
  }
  if (f.domain !== undefined) {
    // Seed wording (broader than the SDK's "sender domains"): sender, recipient or link domain.
    const domain = f.domain;
    const addresses = [m.from, m.envelope_from, ...(m.to ?? [])];
    const linkHit = contentOf(m).links.some((l) => {
      const host = new URL(l.href).hostname;
      return host === domain || host.endsWith(`.${domain}`);
    });
    if (!linkHit && !addresses.some((a) => addressMatches(a, domain))) return false;
  }
  if (f.query !== undefined) {
    const haystack = queryHaystack(stored);
    // "Space-delimited, case-insensitive": every term must appear.
    if (
      !f.query
        .split(/\s+/)
        .filter(Boolean)
        .every((term) => haystack.includes(term))
    )
      return false;
  }
  return true;
}
