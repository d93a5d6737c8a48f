import { type GraphQLResolveInfo, Kind, type SelectionNode } from 'graphql';
import type { GatewayContext } from '../../context.js';
import type { PreviewKey } from '../../loaders.js';
import type { CfMessage } from '../../upstream/schemas.js';
import { resolveAccountId } from '../account.js';
import { builder, cloudflareCalls } from '../builder.js';
import {
  ActionLogOperation,
  DeliveryMode,
  DeliveryStatus,
  Disposition,
  PatternType,
  PostDeliveryOperation,
} from '../enums.js';
import { DetectionRef, FindingRef } from './detection.js';
import { PreviewRef } from './preview.js';
import { TraceRef } from './trace.js';
import { ValidationRef } from './sender-authentication.js';

/** A Message as resolvers pass it around: the wire object plus the account it belongs to. */
export type MessageShape = CfMessage & { accountId: string };

/** "Non-benign" dispositions: E4 previews and E6 raw EML exist for these (contract#endpoints (E4), E6). */
const DETECTED = new Set(['MALICIOUS', 'MALICIOUS-BEC', 'SUSPICIOUS', 'SPOOF', 'SPAM', 'BULK']);
export const isDetection = (message: CfMessage) =>
  message.final_disposition != null && DETECTED.has(message.final_disposition);

const ActionLogEntryRef = builder.objectRef<CfMessage['action_log'][number]>('ActionLogEntry').implement({
  description: 'One post-delivery action recorded on a message.',
  fields: (t) => ({
    operation: t.field({
      type: ActionLogOperation.ref,
      description: 'What was done.',
      resolve: (entry, _args, context) => ActionLogOperation.known(entry.operation, context.logger),
    }),
    completedAt: t.field({
      type: 'DateTime',
      description: 'When it completed.',
      resolve: (entry) => entry.completed_at ?? entry.completed_timestamp ?? null,
    }),
    status: t.exposeString('status', { description: 'Outcome status as Cloudflare reports it.' }),
    folder: t.string({
      description: 'Destination folder, for moves.',
      resolve: (entry) => entry.properties?.folder ?? null,
    }),
    requestedBy: t.string({
      description: 'Who requested it.',
      resolve: (entry) => entry.properties?.requested_by ?? null,
    }),
  }),
});

const MessagePropertiesRef = builder.objectRef<CfMessage['properties']>('MessageProperties').implement({
  description: 'Message processing properties (allow/block-list matches).',
  fields: (t) => ({
    allowlistedPattern: t.exposeString('allowlisted_pattern', { description: 'Allow-list pattern that matched.' }),
    allowlistedPatternType: t.field({
      type: PatternType.ref,
      description: 'Kind of allow-list pattern that matched.',
      resolve: (p, _a, c) => PatternType.known(p.allowlisted_pattern_type, c.logger),
    }),
    blocklistedMessage: t.exposeBoolean('blocklisted_message', { description: 'Whether a block-list matched.' }),
    blocklistedPattern: t.exposeString('blocklisted_pattern', { description: 'Block-list pattern that matched.' }),
    whitelistedPatternType: t.field({
      type: PatternType.ref,
      description: 'Legacy name of the allow-list pattern type.',
      deprecationReason: 'Cloudflare keeps this legacy field; use `allowlistedPatternType`.',
      resolve: (p, _a, c) => PatternType.known(p.whitelisted_pattern_type, c.logger),
    }),
  }),
});

export const MessageRef = builder.objectRef<MessageShape>('Message');

MessageRef.implement({
  // `_entities` and mutation payloads reach this type without a Query field: it needs `read` itself.
  authScopes: { read: true },
  description:
    'An e-mail message as Email Security Investigate sees it (E1/E2). Detection, trace, preview and raw EML are loaded lazily, one Cloudflare call each, only when selected.',
  fields: (t) => ({
    id: t.exposeID('id', {
      nullable: false,
      description: 'Investigate id (postfix id + timestamp + hash); the key for every per-message call.',
    }),
    accountId: t.exposeString('accountId', {
      nullable: false,
      description: 'Cloudflare account the message belongs to.',
    }),
    postfixId: t.exposeString('postfix_id', { nullable: false, description: 'Postfix queue id of the message.' }),
    postfixIdOutbound: t.exposeString('postfix_id_outbound', { description: 'Postfix queue id of the outbound copy.' }),
    subject: t.exposeString('subject', { description: 'Subject line.' }),
    from: t.exposeString('from', { description: 'From address.' }),
    fromName: t.exposeString('from_name', { description: 'From display name.' }),
    to: t.exposeStringList('to', { description: 'To addresses.' }),
    toName: t.exposeStringList('to_name', { description: 'To display names.' }),
    replyTo: t.exposeString('replyto', { description: 'Reply-To address.' }),
    envelopeFrom: t.exposeString('envelope_from', { description: 'SMTP envelope sender.' }),
    envelopeTo: t.exposeStringList('envelope_to', { description: 'SMTP envelope recipients.' }),
    clientRecipients: t.exposeStringList('client_recipients', {
      nullable: false,
      description: 'Recipients in the customer organisation.',
    }),
    messageId: t.exposeString('message_id', { description: 'RFC 822 Message-ID, e.g. `<…@example.com>`.' }),
    alertId: t.exposeString('alert_id', { description: 'Alert id.' }),
    edfHash: t.exposeString('edf_hash', { description: 'EDF hash.' }),
    htmltextStructureHash: t.exposeString('htmltext_structure_hash', { description: 'Hash of the HTML structure.' }),
    sentAt: t.field({
      type: 'DateTime',
      description: 'When the message was sent (UTC).',
      resolve: (m) => m.sent_at ?? null,
    }),
    scannedAt: t.field({
      type: 'DateTime',
      description: 'When Email Security scanned it (UTC).',
      resolve: (m) => m.scanned_at ?? m.ts ?? null,
    }),
    ts: t.field({
      type: 'DateTime',
      description: 'Scan time (legacy field).',
      deprecationReason: 'Cloudflare deprecated `ts`; use `scannedAt`.',
      resolve: (m) => m.ts ?? null,
    }),
    sentDate: t.exposeString('sent_date', {
      description: 'Sent date as the legacy string field.',
      deprecationReason: 'Deprecated in the Cloudflare docs; use `sentAt`.',
    }),
    finalDisposition: t.field({
      type: Disposition.ref,
      description: 'Final verdict.',
      resolve: (m, _a, c) => Disposition.known(m.final_disposition, c.logger),
    }),
    deliveryMode: t.field({
      type: DeliveryMode.ref,
      description: 'How the message reached Email Security.',
      resolve: (m, _a, c) => DeliveryMode.known(m.delivery_mode, c.logger),
    }),
    deliveryStatus: t.field({
      type: [DeliveryStatus.ref],
      description: 'Delivery states.',
      resolve: (m, _a, c) => DeliveryStatus.knownList(m.delivery_status, c.logger),
    }),
    isQuarantined: t.exposeBoolean('is_quarantined', {
      nullable: false,
      description: 'Whether the message is held in quarantine.',
    }),
    isPhishSubmission: t.exposeBoolean('is_phish_submission', {
      nullable: false,
      description: 'Whether it is a phish submission.',
    }),
    detectionReasons: t.exposeStringList('detection_reasons', { nullable: false, description: 'Why it was detected.' }),
    threatCategories: t.exposeStringList('threat_categories', {
      description: 'Threat categories, e.g. `IPReputation`.',
    }),
    validation: t.field({
      type: ValidationRef,
      description: 'SPF / DKIM / DMARC results.',
      resolve: (m) => m.validation ?? null,
    }),
    properties: t.field({
      type: MessagePropertiesRef,
      nullable: false,
      description: 'Processing properties.',
      resolve: (m) => m.properties,
    }),
    postDeliveryOperations: t.field({
      type: [PostDeliveryOperation.ref],
      description: 'Operations performed after delivery.',
      resolve: (m, _a, c) => PostDeliveryOperation.knownList(m.post_delivery_operations, c.logger),
    }),
    actionLog: t.field({
      type: [ActionLogEntryRef],
      nullable: false,
      description:
        'Actions taken on the message. Cloudflare marks this field deprecated in favour of GET …/investigate/{id}/action_log, an endpoint that does not exist yet, so it stays the source until it does.',
      resolve: (m) => m.action_log,
    }),
    smtpHeloServerIp: t.exposeString('smtp_helo_server_ip', { description: 'IP the sending server gave in HELO.' }),
    smtpPreviousHopIp: t.exposeString('smtp_previous_hop_ip', { description: 'IP of the previous SMTP hop.' }),
    xOriginatingIp: t.exposeString('x_originating_ip', { description: 'X-Originating-IP header value.' }),
    findings: t.field({
      type: [FindingRef],
      description: 'Findings (legacy copy on the message).',
      deprecationReason: 'Cloudflare deprecated Message.findings; use `detection { findings }`.',
      resolve: (m) => m.findings ?? null,
    }),
    detection: t.field({
      type: DetectionRef,
      description: 'Detection details (E3). One Cloudflare call per message, deduplicated within a request.',
      directives: cloudflareCalls(1),
      resolve: (m, _a, c) => c.loaders.detection.load({ accountId: m.accountId, id: m.id }),
    }),
    trace: t.field({
      type: TraceRef,
      description: 'Delivery trace (E7). One Cloudflare call per message.',
      directives: cloudflareCalls(1),
      resolve: (m, _a, c) => c.loaders.trace.load({ accountId: m.accountId, id: m.id }),
    }),
    preview: t.field({
      type: PreviewRef,
      description:
        'Rendered image of the body. The gateway picks the endpoint: E4 for detected messages, E5 (on-demand preview) for others. Null when Cloudflare has none.',
      directives: cloudflareCalls(1),
      resolve: (m, _a, c) => c.loaders.preview.load(previewKey(m)),
    }),
    raw: t.string({
      description:
        'The raw EML text (E6). Cloudflare serves it for non-benign messages only: null otherwise. Requires the `email-security:raw` scope; never logged.',
      authScopes: { raw: true },
      directives: cloudflareCalls(1),
      resolve: (m, _a, c) => c.loaders.raw.load({ accountId: m.accountId, id: m.id }),
    }),
  }),
});

/**
 * Federation entity: other subgraphs reference a Message by its investigate id. `_entities` resolves
 * through the same per-request loader as `message(id:)`, so N representations cost the same
 * deduplicated, concurrency-capped calls as N lookups. The account is the gateway's configured one.
 */
builder.asEntity(MessageRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (reference, context) => {
    const accountId = resolveAccountId(context, null);
    return loadMessage(context, { accountId, id: String(reference.id) });
  },
});

/** The field names selected directly on a field's result, through inline fragments and fragment spreads. */
function selectedFieldNames(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  const visit = (selections: readonly SelectionNode[] | undefined) => {
    for (const selection of selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet.selections);
      else visit(info.fragments[selection.name.value]?.selectionSet.selections);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet?.selections);
  return names;
}

/**
 * No waterfall on a message's page: its detection and trace need only the id, so they go out with
 * the message itself instead of after it (the page costs one upstream round trip, not two). The
 * preview starts the moment the message is there (E4 or E5 depends on its disposition), not after
 * the rest of the message's fields; the raw EML waits for its scope check. The field resolvers then
 * get these same loads from the request's loaders.
 */
export function prefetchDependents(
  context: GatewayContext,
  key: { accountId: string; id: string },
  info: GraphQLResolveInfo,
) {
  const selected = selectedFieldNames(info);
  // Caught here so a message that turns out not to exist leaves no unhandled rejection; the field
  // resolvers still see each load's own error.
  if (selected.has('detection')) context.loaders.detection.load(key).catch(() => undefined);
  if (selected.has('trace')) context.loaders.trace.load(key).catch(() => undefined);
  if (selected.has('preview'))
    context.loaders.message
      .load(key)
      .then((message) => message && context.loaders.preview.load(previewKey({ ...message, accountId: key.accountId })))
      .catch(() => undefined);
}

/** Which preview a message has: E4 for detected messages, E5 (rendered on demand) for the others. */
const previewKey = (message: MessageShape): PreviewKey => ({
  accountId: message.accountId,
  id: message.id,
  endpoint: isDetection(message) ? 'detection' : 'any',
});

/** Loads one message through the request's loader, after any search in flight had the chance to prime it. */
export async function loadMessage(
  context: GatewayContext,
  key: { accountId: string; id: string },
): Promise<MessageShape | null> {
  if (context.searchesInFlight.size > 0) await Promise.allSettled([...context.searchesInFlight]);
  const message = await context.loaders.message.load(key);
  return message ? { ...message, accountId: key.accountId } : null;
}
