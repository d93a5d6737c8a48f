/**
 * What a message search (E1) is narrowed by: the MessageFilter input, its mapping to Cloudflare's
 * parameters and the time window, checked before any call. Shared by `messages`, the triage queue
 * and bulk jobs.
 */
import type { InvestigateListParams } from '../../upstream/client.js';
import { builder } from '../builder.js';
import { DeliveryStatus, MessageAction, SearchDisposition } from '../enums.js';
import { badUserInput } from '../errors.js';

const SEARCH_WINDOW_DAYS = 30;

export const MessageFilterInput = builder.inputType('MessageFilter', {
  description: 'Search parameters of E1. Everything is optional; the window defaults to the last 30 days.',
  fields: (t) => ({
    query: t.string({
      description: 'Free text, space-delimited, case-insensitive: subject, addresses, ids, hashes, IPs, …',
    }),
    sender: t.string({ description: 'Sender e-mail address or domain.' }),
    recipient: t.string({ description: 'Recipient e-mail address or domain.' }),
    domain: t.string({ description: 'Sender domain.' }),
    subject: t.string({ description: 'Keywords in the subject, any order.' }),
    exactSubject: t.string({
      description: 'Exact subject (seed docs parameter; the current SDK dropped it from search).',
    }),
    finalDisposition: t.field({ type: SearchDisposition.ref, description: 'Only messages with this disposition.' }),
    messageAction: t.field({ type: MessageAction.ref, description: 'Only messages on which this action was taken.' }),
    deliveryStatus: t.field({ type: DeliveryStatus.ref, description: 'Only messages in this delivery state.' }),
    alertId: t.string({ description: 'Alert id.' }),
    messageId: t.string({ description: 'RFC 822 Message-ID.' }),
    smtpHeloIp: t.string({ description: 'IP given in SMTP HELO.' }),
    metric: t.string({ description: 'Cloudflare `metric` parameter (undocumented upstream; passed through).' }),
    detectionsOnly: t.boolean({ description: 'Only messages with a detection.' }),
    submissions: t.boolean({ description: 'Search submissions instead of original messages (seed docs parameter).' }),
    start: t.field({
      type: 'DateTime',
      description: 'Window start (default: 30 days before the first page). Must not be in the future.',
    }),
    end: t.field({ type: 'DateTime', description: 'Window end (default: the time of the first page).' }),
  }),
});

export type MessageFilter = typeof MessageFilterInput.$inferInput;

/** Longest free-text search value the gateway forwards; longer is not a search, it is a payload. */
export const MAX_FILTER_TEXT = 1024;

/** The filter's free-text fields that are too long, as [field, message] pairs. */
export function oversizedFilterFields(filter: MessageFilter | null | undefined): [string, string][] {
  return Object.entries(filter ?? {})
    .filter(([, value]) => typeof value === 'string' && value.length > MAX_FILTER_TEXT)
    .map(([key]) => [key, `must be at most ${MAX_FILTER_TEXT} characters`]);
}

/** Turns the GraphQL filter into E1 query params (window excluded). */
export function filterToSearchParams(filter: MessageFilter | null | undefined): InvestigateListParams {
  const f = filter ?? {};
  return {
    query: f.query ?? undefined,
    sender: f.sender ?? undefined,
    recipient: f.recipient ?? undefined,
    domain: f.domain ?? undefined,
    subject: f.subject ?? undefined,
    exact_subject: f.exactSubject ?? undefined,
    final_disposition: f.finalDisposition ?? undefined,
    message_action: f.messageAction ?? undefined,
    delivery_status: f.deliveryStatus ?? undefined,
    alert_id: f.alertId ?? undefined,
    message_id: f.messageId ?? undefined,
    smtp_helo_ip: f.smtpHeloIp ?? undefined,
    metric: f.metric ?? undefined,
    detections_only: f.detectionsOnly ?? undefined,
    submissions: f.submissions ?? undefined,
  };
}

/** Resolves and checks the time window before any upstream call. */
export function resolveWindow(
  filter: MessageFilter | null | undefined,
  now = new Date(),
  granularityMs = 1000,
): { start: Date; end: Date } {
  // Cloudflare timestamps have whole seconds: a window ending mid-second would let mail scanned later
  // in that same second slip into later pages. Ending just before the current step keeps pages stable;
  // with the read cache on, the step is the search TTL, so a repeated page has the same request (a hit).
  const step = Math.max(1000, granularityMs);
  const end = filter?.end ?? new Date(Math.floor(now.getTime() / step) * step - 1);
  const start = filter?.start ?? new Date(end.getTime() - SEARCH_WINDOW_DAYS * 86_400_000);
  if (start.getTime() > now.getTime())
    throw badUserInput('`filter.start` must not be in the future', ['filter', 'start']);
  if (start.getTime() > end.getTime())
    throw badUserInput('`filter.start` must be before `filter.end`', ['filter', 'start']);
  return { start, end };
}

/** A window carried by a cursor: it was valid when issued, but a forged one must not reach Cloudflare. */
export function pinnedWindow(startIso: string, endIso: string): { start: Date; end: Date } {
  const start = new Date(startIso);
  const end = new Date(endIso);
  if (start.getTime() > end.getTime() || start.getTime() > Date.now()) {
    throw badUserInput('The cursor carries an invalid time window; start again without a cursor', ['after']);
  }
  return { start, end };
}
