import type { CfDetection } from '../../upstream/schemas.js';
import { builder } from '../builder.js';
import { Disposition } from '../enums.js';
import { ValidationRef } from './sender-authentication.js';

type Attachment = CfDetection['attachments'][number];
type Finding = NonNullable<CfDetection['findings']>[number];

export const FindingRef = builder.objectRef<Finding>('Finding').implement({
  description: 'One finding of the detection engine.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name of the finding.' }),
    value: t.exposeString('value', { description: 'Value that triggered it.' }),
    detail: t.exposeString('detail', { description: 'Detail text.' }),
    reason: t.exposeString('reason', { description: 'Reason given.' }),
    field: t.exposeString('field', { description: 'Message field it concerns.' }),
    portion: t.exposeString('portion', { description: 'Portion of the message it concerns.' }),
    attachment: t.exposeString('attachment', { description: 'Attachment it concerns, if any.' }),
    score: t.exposeFloat('score', { description: 'Score.' }),
    detection: t.field({
      type: Disposition.ref,
      description: 'Disposition this finding points to.',
      resolve: (finding, _args, context) => Disposition.known(finding.detection, context.logger),
    }),
  }),
});

const AttachmentRef = builder.objectRef<Attachment>('Attachment').implement({
  description: 'An attachment of a detected message, with its hashes for pivoting to threat intel.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name (Cloudflare: "alternative to filename").' }),
    filename: t.exposeString('filename', { description: 'File name.' }),
    size: t.exposeFloat('size', { nullable: false, description: 'Size in bytes.' }),
    contentType: t.exposeString('content_type', { description: 'MIME type.' }),
    encrypted: t.exposeBoolean('encrypted', { description: 'Whether the attachment is encrypted.' }),
    detection: t.field({
      type: Disposition.ref,
      description: 'Disposition of the attachment itself.',
      resolve: (attachment, _args, context) => Disposition.known(attachment.detection, context.logger),
    }),
    md5: t.exposeString('md5', { description: 'MD5 of the content (hex).' }),
    sha1: t.exposeString('sha1', { description: 'SHA-1 of the content (hex).' }),
    sha256: t.exposeString('sha256', { description: 'SHA-256 of the content (hex).' }),
  }),
});

const HeaderRef = builder.objectRef<CfDetection['headers'][number]>('MessageHeader').implement({
  description: 'One header line of the message.',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false, description: 'Header name.' }),
    value: t.exposeString('value', { nullable: false, description: 'Header value.' }),
  }),
});

const LinkRef = builder.objectRef<CfDetection['links'][number]>('MessageLink').implement({
  description: 'A link found in the message body.',
  fields: (t) => ({
    href: t.exposeString('href', { nullable: false, description: 'Link target.' }),
    text: t.exposeString('text', { description: 'Link text.' }),
  }),
});

const SenderInfoRef = builder.objectRef<CfDetection['sender_info']>('SenderInfo').implement({
  description: 'Where the sending server sits on the network.',
  fields: (t) => ({
    ip: t.exposeString('ip', { description: 'Sending IP address.' }),
    asName: t.exposeString('as_name', { description: 'Name of the autonomous system.' }),
    asNumber: t.exposeFloat('as_number', { description: 'Number of the autonomous system.' }),
    geo: t.exposeString('geo', { description: 'Geolocation, e.g. `US/-/-`.' }),
    pld: t.exposeString('pld', { description: 'Pay-level domain of the sender.' }),
  }),
});

const ThreatCategoryRef = builder.objectRef<CfDetection['threat_categories'][number]>('ThreatCategory').implement({
  description: 'A threat category the message was put in.',
  fields: (t) => ({
    id: t.exposeFloat('id', { description: 'Category id.' }),
    name: t.exposeString('name', { description: 'Category name.' }),
    description: t.exposeString('description', { description: 'What the category means.' }),
  }),
});

/** E3 — detection details of one message. */
export const DetectionRef = builder.objectRef<CfDetection>('Detection').implement({
  description:
    'Why Email Security judged a message as it did (E3): attachments, links, headers, sender, threat categories.',
  fields: (t) => ({
    action: t.exposeString('action', { nullable: false, description: 'Action taken, e.g. `QUARANTINED`.' }),
    finalDisposition: t.field({
      type: Disposition.ref,
      description: 'Final disposition.',
      resolve: (detection, _args, context) => Disposition.known(detection.final_disposition, context.logger),
    }),
    attachments: t.field({
      type: [AttachmentRef],
      nullable: false,
      description: 'Attachments.',
      resolve: (d) => d.attachments,
    }),
    findings: t.field({
      type: [FindingRef],
      description: 'Findings of the detection engine.',
      resolve: (d) => d.findings,
    }),
    headers: t.field({
      type: [HeaderRef],
      nullable: false,
      description: 'Message headers.',
      resolve: (d) => d.headers,
    }),
    links: t.field({ type: [LinkRef], nullable: false, description: 'Links in the body.', resolve: (d) => d.links }),
    senderInfo: t.field({
      type: SenderInfoRef,
      nullable: false,
      description: 'Sending server.',
      resolve: (d) => d.sender_info,
    }),
    threatCategories: t.field({
      type: [ThreatCategoryRef],
      nullable: false,
      description: 'Threat categories.',
      resolve: (d) => d.threat_categories,
    }),
    validation: t.field({
      type: ValidationRef,
      nullable: false,
      description: 'SPF / DKIM / DMARC results.',
      resolve: (d) => d.validation,
    }),
  }),
});
