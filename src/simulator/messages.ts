/**
 * Seed data for Email Security Investigate: Message records (contract#message). Everything is drawn from a
 * seeded PRNG and laid out against a given `now`, so the same seed + now gives identical messages.
 */
import { type Rng, alnum, chance, hex, int, pick, sample, weighted } from './prng.js';
import type {
  ActionLogEntry,
  AuthResult,
  DeliveryMode,
  DeliveryStatus,
  Disposition,
  Message,
  MessageFinding,
  PostDeliveryOp,
} from './wire-types.js';
import { AUTH_RESULTS, DELIVERY_MODES, DISPOSITIONS, NON_BENIGN, PATTERN_TYPES } from './wire-types.js';
import {
  BAD_DOMAINS,
  BULK_SENDERS,
  DETECTION_REASONS,
  FIRST_NAMES,
  FREEMAIL_DOMAINS,
  LAST_NAMES,
  PARTNER_DOMAINS,
  SPAM_DOMAINS,
  SUBJECTS,
  THREAT_CATEGORIES,
} from './vocabulary.js';

export interface AccountProfile {
  id: string;
  orgDomain: string;
  employees: { name: string; email: string }[];
}

export interface StoredMessage {
  accountId: string;
  msg: Message;
  /** Lives only in the "submissions datastore" (E2 `submission=true`, E1/bulk `submissions=true`). */
  submission: boolean;
  /** Insertion sequence; breaks ties between equal scanned_at (newest inserted first). */
  seq: number;
}

const DAY = 86_400_000;

/** `2024-01-05T10:00:00` — the timestamp style used inside ids and the deprecated `ts` (contract#ids, contract#message). */
export function plainTs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
/** RFC 3339 UTC with second precision. */
export function isoZ(ms: number): string {
  return `${plainTs(ms)}Z`;
}

export function makeProfile(rng: Rng, id: string, orgDomain: string, employeeCount: number): AccountProfile {
  const employees = sample(rng, FIRST_NAMES, Math.min(employeeCount, FIRST_NAMES.length)).map((first) => {
    const last = pick(rng, LAST_NAMES);
    return { name: `${first} ${last}`, email: `${first.toLowerCase()}.${last.toLowerCase()}@${orgDomain}` };
  });
  return { id, orgDomain, employees };
}

const QUARANTINED: ReadonlySet<string> = new Set(['MALICIOUS', 'MALICIOUS-BEC', 'SPOOF']);

function randomIp(rng: Rng): string {
  return `${int(rng, 11, 223)}.${int(rng, 0, 255)}.${int(rng, 0, 255)}.${int(rng, 1, 254)}`;
}

function authResult(rng: Rng, good: boolean): AuthResult | null {
  if (chance(rng, 0.06)) return null; // contract#versions: validation.* may be null
  return good
    ? weighted(rng, [
        ['pass', 90],
        ['none', 5],
        ['neutral', 5],
      ])
    : pick(rng, AUTH_RESULTS);
}

function fillTemplate(rng: Rng, template: string, name: string): string {
  return template
    .replace('{n}', String(int(rng, 1000, 98000)))
    .replace('{q}', String(int(rng, 1, 4)))
    .replace('{name}', name);
}

export interface MessageSeedInput {
  profile: AccountProfile;
  scannedAt: number;
  /** `undefined` → the key is absent; `null` → explicit null (both allowed by contract#message / contract#versions). */
  disposition: Disposition | null | undefined;
  deliveryMode: DeliveryMode | null;
  submission: boolean;
  /** History entries (action_log) are never later than this. */
  now: number;
}

/** Builds one Message. Every optional contract#message field appears on some messages (and is absent/null on others). */
export function makeMessage(rng: Rng, input: MessageSeedInput): Message {
  const { profile, scannedAt, disposition, deliveryMode, submission } = input;
  const disp: Disposition = disposition ?? 'UNKNOWN';
  const postfixId = alnum(rng, chance(rng, 0.2) ? 15 : 16);
  const ts = plainTs(scannedAt);
  const id = `${postfixId}-${ts}-${hex(rng, 8)}`;

  // Sender, by disposition.
  let fromAddress: string;
  let fromName: string;
  let replyTo: string | null = null;
  const someone = `${pick(rng, FIRST_NAMES)} ${pick(rng, LAST_NAMES)}`;
  const localPart = (n: string) => n.toLowerCase().replace(' ', '.');
  switch (disp) {
    case 'MALICIOUS':
    case 'SUSPICIOUS':
      fromAddress = `${pick(rng, ['security', 'billing', 'noreply', 'support', 'admin'])}@${pick(rng, BAD_DOMAINS)}`;
      fromName = pick(rng, ['Microsoft 365', 'DocuSign', 'PayPal Billing', 'IT Helpdesk', 'SharePoint Online']);
      break;
    case 'MALICIOUS-BEC': {
      const boss = pick(rng, profile.employees);
      fromAddress = `${localPart(boss.name)}.office@${pick(rng, FREEMAIL_DOMAINS)}`;
      fromName = boss.name;
      replyTo = `${localPart(boss.name)}@${pick(rng, BAD_DOMAINS)}`;
      break;
    }
    case 'SPOOF': {
      const victim = pick(rng, profile.employees);
      fromAddress = victim.email;
      fromName = victim.name;
      replyTo = chance(rng, 0.6) ? `${localPart(victim.name)}@${pick(rng, BAD_DOMAINS)}` : null;
      break;
    }
    case 'SPAM':
      fromAddress = `${pick(rng, ['offers', 'winner', 'info', 'promo'])}@${pick(rng, SPAM_DOMAINS)}`;
      fromName = pick(rng, ['Special Offers', 'Prize Department', 'Crypto Desk']);
      break;
    case 'BULK': {
      const [address, name] = pick(rng, BULK_SENDERS);
      fromAddress = address;
      fromName = name;
      break;
    }
    default:
      fromAddress = `${localPart(someone)}@${pick(rng, PARTNER_DOMAINS)}`;
      fromName = someone;
  }

  const recipients = sample(rng, profile.employees, int(rng, 1, 3));
  const toAddresses = recipients.map((r) => r.email);
  const subject = fillTemplate(rng, pick(rng, SUBJECTS[disp]), someone);
  const nonBenign = NON_BENIGN.has(disp);
  const quarantined = QUARANTINED.has(disp) || (disp === 'SUSPICIOUS' && chance(rng, 0.5));

  // Post-delivery history: some delivered messages were already moved/previewed/released.
  const actionLog: ActionLogEntry[] = [];
  const ops: PostDeliveryOp[] = [];
  let deliveryStatus: DeliveryStatus[] = quarantined ? ['quarantined'] : ['delivered'];
  const later = (minutes: number) => isoZ(Math.min(scannedAt + minutes * 60_000, input.now));
  if (!quarantined && chance(rng, 0.12)) {
    const folder = pick(rng, ['JunkEmail', 'DeletedItems', 'Inbox']);
    actionLog.push({
      completed_at: later(30),
      completed_timestamp: later(30),
      operation: 'MOVE',
      properties: { folder, requested_by: 'soc@' + profile.orgDomain },
      status: 'completed',
    });
    ops.push('MOVE');
    deliveryStatus = ['moved'];
  } else if (!quarantined && chance(rng, 0.08)) {
    deliveryStatus = [pick(rng, ['rejected', 'deferred', 'bounced', 'queued', 'move_failed'] as const)];
  }
  if (nonBenign && chance(rng, 0.15)) {
    actionLog.push({
      completed_at: later(12),
      operation: 'PREVIEW',
      properties: { requested_by: profile.employees[0]?.email ?? 'soc' },
    });
    ops.push('PREVIEW');
  }
  if (submission || chance(rng, 0.05)) {
    actionLog.push({ completed_at: later(45), operation: 'SUBMISSION', status: null });
    ops.push('SUBMISSION');
  }

  const findings: MessageFinding[] | null | undefined = nonBenign
    ? chance(rng, 0.85)
      ? [
          {
            name: pick(rng, THREAT_CATEGORIES[disp].length > 0 ? THREAT_CATEGORIES[disp] : ['Heuristic']),
            detail: pick(rng, DETECTION_REASONS[disp]),
            detection: chance(rng, 0.1) ? null : disp,
            field: pick(rng, ['body', 'subject', 'from', 'link', 'attachment']),
            portion: chance(rng, 0.5) ? 'header' : null,
            reason: pick(rng, DETECTION_REASONS[disp]),
            score: Math.round(rng() * 100) / 100,
            value: chance(rng, 0.5) ? fromAddress : null,
            attachment: chance(rng, 0.3) ? 'invoice.docm' : null,
          },
        ]
      : null
    : undefined;

  const spfGood = !(disp === 'SPOOF' || disp === 'MALICIOUS-BEC');
  const validation: Message['validation'] = chance(rng, 0.05)
    ? null
    : {
        spf: authResult(rng, spfGood),
        dkim: authResult(rng, spfGood),
        dmarc: disp === 'SPOOF' ? 'fail' : authResult(rng, spfGood),
        comment: chance(rng, 0.2) ? 'DMARC policy: quarantine' : null,
      };

  const properties: Message['properties'] = {};
  const propertyRoll = rng();
  if (propertyRoll < 0.06) {
    const pattern = pick(rng, PATTERN_TYPES);
    properties.allowlisted_pattern = `*@${fromAddress.split('@')[1] ?? ''}`;
    properties.allowlisted_pattern_type = pattern;
    properties.whitelisted_pattern_type = pattern; // legacy mirror (contract#message Properties)
  } else if (propertyRoll < 0.1) {
    properties.blocklisted_message = true;
    properties.blocklisted_pattern = fromAddress;
  } else if (propertyRoll < 0.14) {
    properties.allowlisted_pattern = null;
    properties.blocklisted_message = false;
  }

  const sentAt = scannedAt - int(rng, 2, 600) * 1000;
  const senderDomain = fromAddress.split('@')[1] ?? 'example.com';
  const threatCategories = THREAT_CATEGORIES[disp];

  const msg: Message = {
    id,
    action_log: actionLog,
    client_recipients: toAddresses,
    detection_reasons: nonBenign ? sample(rng, DETECTION_REASONS[disp], int(rng, 1, 2)) : [],
    is_phish_submission: submission || ops.includes('SUBMISSION'),
    is_quarantined: quarantined,
    postfix_id: postfixId,
    properties,
    ts,
    alert_id: nonBenign ? `${postfixId}-${ts}` : chance(rng, 0.5) ? null : undefined,
    delivery_status: chance(rng, 0.03) ? null : deliveryStatus,
    edf_hash: chance(rng, 0.7) ? hex(rng, 40) : null,
    envelope_from: chance(rng, 0.1) ? `bounce-${hex(rng, 6)}@${senderDomain}` : fromAddress,
    envelope_to: toAddresses,
    findings,
    from: fromAddress,
    from_name: fromName,
    htmltext_structure_hash: chance(rng, 0.6) ? hex(rng, 32) : null,
    message_id: `<${hex(rng, 12)}.${hex(rng, 8)}@${senderDomain}>`,
    post_delivery_operations: ops.length > 0 ? ops : chance(rng, 0.5) ? [] : null,
    postfix_id_outbound: chance(rng, 0.15) ? alnum(rng, 15) : null,
    replyto: replyTo,
    scanned_at: isoZ(scannedAt),
    sent_at: isoZ(sentAt),
    sent_date: new Date(sentAt).toUTCString().replace('GMT', '+0000'),
    smtp_helo_server_ip: randomIp(rng),
    smtp_previous_hop_ip: chance(rng, 0.7) ? randomIp(rng) : null,
    subject,
    threat_categories:
      threatCategories.length > 0 ? sample(rng, threatCategories, int(rng, 1, 2)) : chance(rng, 0.5) ? [] : null,
    to: toAddresses,
    to_name: recipients.map((r) => r.name),
    validation,
    x_originating_ip: chance(rng, 0.4) ? randomIp(rng) : null,
  };
  if (disposition !== undefined) msg.final_disposition = disposition;
  if (deliveryMode !== null || chance(rng, 0.5)) msg.delivery_mode = deliveryMode;
  return msg;
}

const DISPOSITION_WEIGHTS: readonly (readonly [Disposition, number])[] = [
  ['NONE', 40],
  ['BULK', 14],
  ['SPAM', 10],
  ['MALICIOUS', 9],
  ['SUSPICIOUS', 8],
  ['SPOOF', 5],
  ['MALICIOUS-BEC', 4],
  ['EXTERNAL', 5],
  ['ENCRYPTED', 2],
  ['UNKNOWN', 3],
];

/**
 * Seeds `count` regular messages scanned over the 29.5 days before `now` (a little inside the E1
 * default 30-day window so nothing falls out of it mid-test), plus `submissionCount` messages that
 * live only in the submissions datastore.
 */
export function seedMessages(
  rng: Rng,
  profile: AccountProfile,
  now: number,
  count: number,
  submissionCount: number,
): StoredMessage[] {
  const out: StoredMessage[] = [];
  const span = 29.5 * DAY;
  for (let i = 0; i < count + submissionCount; i++) {
    const submission = i >= count;
    // Cover every value deterministically first, then draw by weight.
    let disposition: Disposition | null | undefined =
      i < DISPOSITIONS.length ? DISPOSITIONS[i] : weighted(rng, DISPOSITION_WEIGHTS);
    if (i >= DISPOSITIONS.length && chance(rng, 0.03)) disposition = chance(rng, 0.5) ? null : undefined;
    if (i === DISPOSITIONS.length) disposition = undefined; // at least one without final_disposition
    if (i === DISPOSITIONS.length + 1) disposition = null;
    let deliveryMode: DeliveryMode | null =
      i < DELIVERY_MODES.length
        ? (DELIVERY_MODES[(i + 3) % DELIVERY_MODES.length] as DeliveryMode)
        : weighted(rng, [
            ['DIRECT', 70],
            ['BCC', 12],
            ['JOURNAL', 10],
            ['API', 4],
            ['RETRO_SCAN', 4],
          ] as const);
    if (i >= DELIVERY_MODES.length && chance(rng, 0.02)) deliveryMode = null;
    if (submission)
      deliveryMode = pick(rng, ['REVIEW_SUBMISSION', 'THREAT_INTEL_SUBMISSION', 'SIMULATION_SUBMISSION'] as const);
    const scannedAt = Math.floor((now - rng() * span) / 1000) * 1000;
    const msg = makeMessage(rng, { profile, scannedAt, disposition, deliveryMode, submission, now });
    out.push({ accountId: profile.id, msg, submission, seq: i });
  }
  return out;
}
