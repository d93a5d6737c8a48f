/**
 * Per-message content derived deterministically from the Message (a PRNG seeded by its id):
 * attachments with real digests, links, the body, E3 detections, E6 raw EML, E4/E5 PNG previews
 * and E7 traces. Derived lazily and cached, so seeding 240 messages stays cheap.
 */
import { createHash } from 'node:crypto';
import { buildEml } from './eml.js';
import { isoZ, plainTs } from './messages.js';
import { Canvas, type Rgb } from './png.js';
import { type Rng, chance, fnv1a, hex, int, mulberry32, pick } from './prng.js';
import type { Detection, DetectionAttachment, Disposition, Message, Trace, TraceLine } from './wire-types.js';
import { NON_BENIGN } from './wire-types.js';
import { AS_NAMES, BAD_DOMAINS, GEOS, PARTNER_DOMAINS, THREAT_CATEGORY_IDS } from './vocabulary.js';

export interface AttachmentContent {
  filename: string;
  contentType: string;
  data: Buffer;
  detection: Disposition | null;
  encrypted: boolean;
}

export interface MessageContent {
  bodyText: string;
  links: { href: string; text: string | null }[];
  attachments: AttachmentContent[];
  senderIp: string;
}

const cache = new WeakMap<Message, MessageContent>();

function disposition(msg: Message): Disposition {
  return msg.final_disposition ?? 'UNKNOWN';
}

export function isNonBenign(msg: Message): boolean {
  return msg.final_disposition != null && NON_BENIGN.has(msg.final_disposition);
}

function rngFor(msg: Message, salt: string): Rng {
  return mulberry32(fnv1a(`${msg.id}|${salt}`));
}

export function contentOf(msg: Message): MessageContent {
  const cached = cache.get(msg);
  if (cached) return cached;
  const rng = rngFor(msg, 'content');
  const disp = disposition(msg);
  const bad = NON_BENIGN.has(disp) && disp !== 'BULK' && disp !== 'SPAM';
  const linkDomain = bad ? pick(rng, BAD_DOMAINS) : (msg.from?.split('@')[1] ?? pick(rng, PARTNER_DOMAINS));
  const links: MessageContent['links'] = [];
  const linkCount = disp === 'NONE' ? int(rng, 0, 1) : int(rng, 1, 3);
  for (let i = 0; i < linkCount; i++) {
    links.push({
      href: `https://${linkDomain}/${pick(rng, ['login', 'doc', 'invoice', 'track', 'unsubscribe', 'view'])}/${hex(rng, 10)}`,
      text: chance(rng, 0.2)
        ? null
        : pick(rng, ['Click here', 'View document', 'Sign in', 'Track your order', 'Unsubscribe', 'Open']),
    });
  }
  const attachments: AttachmentContent[] = [];
  const attachmentCount = bad ? int(rng, 0, 2) : chance(rng, 0.3) ? 1 : 0;
  for (let i = 0; i < attachmentCount; i++) {
    const [ext, contentType] = pick(rng, [
      ['pdf', 'application/pdf'],
      ['docm', 'application/vnd.ms-word.document.macroEnabled.12'],
      ['html', 'text/html'],
      ['zip', 'application/zip'],
      ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ] as const);
    const name = `${pick(rng, ['invoice', 'statement', 'scan', 'report', 'remittance'])}_${int(rng, 100, 999)}.${ext}`;
    const size = int(rng, 200, 4000);
    const data = Buffer.alloc(size);
    for (let b = 0; b < size; b++) data[b] = Math.floor(rng() * 256);
    attachments.push({
      filename: name,
      contentType,
      data,
      detection: bad && chance(rng, 0.7) ? disp : chance(rng, 0.2) ? null : 'NONE',
      encrypted: disp === 'ENCRYPTED' || (ext === 'zip' && chance(rng, 0.3)),
    });
  }
  const greeting = msg.to_name?.[0]?.split(' ')[0] ?? 'there';
  const bodyText = [
    `Hi ${greeting},`,
    '',
    bad
      ? 'Please review the attached document and confirm your details using the link below.'
      : 'Following up on our conversation, details below.',
    ...links.map((l) => `${l.text ?? 'Link'}: ${l.href}`),
    '',
    'Regards,',
    msg.from_name ?? 'Sender',
  ].join('\r\n');
  const content: MessageContent = { bodyText, links, attachments, senderIp: msg.smtp_helo_server_ip ?? '203.0.113.10' };
  cache.set(msg, content);
  return content;
}

function digest(algorithm: 'md5' | 'sha1' | 'sha256', data: Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

export function attachmentDigests(att: AttachmentContent): { md5: string; sha1: string; sha256: string } {
  return { md5: digest('md5', att.data), sha1: digest('sha1', att.data), sha256: digest('sha256', att.data) };
}

/** The RFC 822 headers of the message, shared by E3 `headers` and E6. */
export function headersOf(msg: Message): { name: string; value: string }[] {
  const content = contentOf(msg);
  const headers: { name: string; value: string }[] = [
    {
      name: 'Received',
      value: `from mail.${msg.from?.split('@')[1] ?? 'unknown'} (${content.senderIp}) by mx.cloudflare.net; ${msg.sent_date ?? ''}`,
    },
    { name: 'From', value: msg.from_name ? `"${msg.from_name}" <${msg.from ?? ''}>` : (msg.from ?? '') },
    { name: 'To', value: (msg.to ?? []).join(', ') },
    { name: 'Subject', value: msg.subject ?? '' },
    { name: 'Date', value: msg.sent_date ?? '' },
    { name: 'Message-ID', value: msg.message_id ?? `<${msg.postfix_id}@mx.cloudflare.net>` },
    { name: 'MIME-Version', value: '1.0' },
  ];
  if (msg.replyto) headers.push({ name: 'Reply-To', value: msg.replyto });
  const v = msg.validation;
  if (v)
    headers.push({
      name: 'Authentication-Results',
      value: `mx.cloudflare.net; spf=${v.spf ?? 'none'}; dkim=${v.dkim ?? 'none'}; dmarc=${v.dmarc ?? 'none'}`,
    });
  if (msg.final_disposition === 'BULK')
    headers.push({
      name: 'List-Unsubscribe',
      value: `<${contentOf(msg).links[0]?.href ?? 'mailto:unsubscribe@example.com'}>`,
    });
  return headers;
}

/** E3. For a benign message: the same object with empty arrays. */
export function buildDetection(msg: Message): Detection {
  const content = contentOf(msg);
  const rng = rngFor(msg, 'detection');
  const nonBenign = isNonBenign(msg);
  const [asNumber, asName] = pick(rng, AS_NAMES);
  const attachments: DetectionAttachment[] = content.attachments.map((att) => ({
    size: att.data.length,
    content_type: att.contentType,
    detection: att.detection,
    encrypted: att.encrypted,
    filename: att.filename,
    name: att.filename,
    ...attachmentDigests(att),
  }));
  const action = msg.is_quarantined ? 'QUARANTINED' : msg.delivery_status?.includes('moved') ? 'MOVED' : 'DELIVERED';
  return {
    action,
    attachments: nonBenign ? attachments : [],
    findings: nonBenign ? (msg.findings ?? []) : null,
    headers: nonBenign ? headersOf(msg) : [],
    links: nonBenign ? content.links : [],
    sender_info: {
      as_name: asName,
      as_number: asNumber,
      geo: pick(rng, GEOS),
      ip: content.senderIp,
      pld: msg.from?.split('@')[1] ?? null,
    },
    threat_categories: nonBenign
      ? (msg.threat_categories ?? []).map((name) => ({
          id: THREAT_CATEGORY_IDS[name]?.id ?? 1200,
          name,
          description: THREAT_CATEGORY_IDS[name]?.description ?? null,
        }))
      : [],
    validation: msg.validation ?? { comment: null, dkim: null, dmarc: null, spf: null },
    final_disposition: msg.final_disposition ?? null,
  };
}

/** E6 `raw`. */
export function buildRaw(msg: Message): string {
  return buildEml(headersOf(msg), contentOf(msg));
}

const PALETTES: readonly (readonly [Rgb, Rgb, Rgb])[] = [
  [
    [0, 120, 212],
    [243, 242, 241],
    [96, 94, 92],
  ],
  [
    [246, 130, 31],
    [255, 255, 255],
    [64, 64, 64],
  ],
  [
    [16, 124, 16],
    [250, 250, 250],
    [80, 80, 80],
  ],
  [
    [164, 38, 44],
    [255, 248, 240],
    [70, 60, 60],
  ],
  [
    [92, 45, 145],
    [245, 243, 250],
    [60, 60, 90],
  ],
];

/** E4/E5 `screenshot`: a real 64x40 PNG "email" (header bar, text lines, maybe a button), base64. */
export function buildPreview(msg: Message): string {
  const rng = rngFor(msg, 'preview');
  const [accent, background, text] = pick(rng, PALETTES);
  const canvas = new Canvas(64, 40, background);
  canvas.fillRect(0, 0, 64, 7, accent);
  let y = 10;
  while (y < 34) {
    canvas.fillRect(4, y, int(rng, 24, 56), 2, text);
    y += 4;
  }
  if (contentOf(msg).links.length > 0) canvas.fillRect(4, 33, 18, 5, accent);
  return canvas.toPng().toString('base64');
}

/** E7: inbound + outbound trace lines derived from the message and its action log. */
export function buildTrace(msg: Message): Trace {
  const scanned = Date.parse(msg.scanned_at ?? `${msg.ts}Z`);
  const content = contentOf(msg);
  const inbound: TraceLine[] = [];
  const add = (lines: TraceLine[], offsetMs: number, message: string) => {
    const at = scanned + offsetMs;
    lines.push({ lineno: lines.length + 1, message, logged_at: isoZ(at), ts: plainTs(at) });
  };
  add(inbound, -2000, `connect from mail.${msg.from?.split('@')[1] ?? 'unknown'}[${content.senderIp}]`);
  add(inbound, -1500, `${msg.postfix_id}: client=${content.senderIp}, helo=${msg.smtp_helo_server_ip ?? 'unknown'}`);
  add(inbound, -1000, `${msg.postfix_id}: message-id=${msg.message_id ?? ''}`);
  add(
    inbound,
    -500,
    `${msg.postfix_id}: from=<${msg.envelope_from ?? msg.from ?? ''}>, size=${content.bodyText.length + 900}, nrcpt=${msg.client_recipients.length}`,
  );
  add(
    inbound,
    0,
    `${msg.postfix_id}: scanned disposition=${msg.final_disposition ?? 'none'} reasons=${msg.detection_reasons.length}`,
  );
  const status = msg.delivery_status ?? [];
  const outbound: TraceLine[] = [];
  if (msg.is_quarantined) {
    add(inbound, 500, `${msg.postfix_id}: quarantined (${msg.final_disposition ?? 'UNKNOWN'})`);
  } else {
    for (const rcpt of msg.client_recipients)
      add(
        outbound,
        1500,
        `${msg.postfix_id_outbound ?? msg.postfix_id}: to=<${rcpt}>, status=${status.includes('bounced') ? 'bounced' : status.includes('deferred') ? 'deferred' : 'sent'} (250 2.0.0 OK)`,
      );
  }
  for (const entry of msg.action_log) {
    const at = Date.parse(entry.completed_at) - scanned;
    add(
      outbound,
      at,
      `${msg.postfix_id}: ${entry.operation}${entry.properties?.folder ? ` folder=${entry.properties.folder}` : ''} status=${entry.status ?? 'completed'}`,
    );
  }
  const pending = status.includes('queued') || status.includes('deferred');
  return {
    inbound: { lines: inbound, pending: false },
    outbound: { lines: outbound.length > 0 ? outbound : chance(rngFor(msg, 'trace'), 0.5) ? [] : null, pending },
  };
}
