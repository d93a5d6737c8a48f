import type { GatewayContext } from '../../context.js';
import type { InvestigateListParams } from '../../upstream/client.js';
import type { CfMessage, CfPageResultInfo } from '../../upstream/schemas.js';
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { builder } from '../builder.js';
import {
  ActionLogOperation,
  DeliveryMode,
  DeliveryStatus,
  Disposition,
  MessageAction,
  PatternType,
  PostDeliveryOperation,
  SearchDisposition,
} from '../enums.js';
import { badUserInput, nullOn404 } from '../errors.js';
import {
  type CursorPage,
  filterDigest,
  type PagingPlan,
  pageConnection,
  planAnyPaging,
  upstreamCursorConnection,
} from '../pagination.js';
import { investigateIdSchema, parseArgument } from '../validation.js';
import { DetectionRef, FindingRef } from './detection.js';
import { PreviewRef } from './preview.js';
import { TraceRef } from './trace.js';
import { ValidationRef } from './validation.js';

/** A Message as resolvers pass it around: the wire object plus the account it belongs to. */
export type MessageShape = CfMessage & { accountId: string };

/** The largest page a client may ask for; each item can fan out to per-message calls. */
export const MESSAGES_PAGE_CAP = 100;
const MESSAGES_DEFAULT_PAGE = 25;
const SEARCH_WINDOW_DAYS = 30;

/**
 * Federation 2.9 demand control (`@cost`): each per-message field is one Cloudflare call, so a router
 * (Hive Gateway, Apollo Router) can estimate and refuse an operation before it reaches this subgraph.
 */
const ONE_CLOUDFLARE_CALL = { cost: { weight: 1 } };

/** "Non-benign" dispositions: E4 previews and E6 raw EML exist for these (reference §3 E4, E6). */
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
        'Actions taken on the message. Cloudflare marks this field deprecated in favour of GET …/investigate/{id}/action_log, an endpoint that does not exist yet (reference §7.4), so it stays the source until it does.',
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
      directives: ONE_CLOUDFLARE_CALL,
      resolve: (m, _a, c) => c.loaders.detection.load({ accountId: m.accountId, id: m.id }),
    }),
    trace: t.field({
      type: TraceRef,
      description: 'Delivery trace (E7). One Cloudflare call per message.',
      directives: ONE_CLOUDFLARE_CALL,
      resolve: (m, _a, c) => c.loaders.trace.load({ accountId: m.accountId, id: m.id }),
    }),
    preview: t.field({
      type: PreviewRef,
      description:
        'Rendered image of the body. The gateway picks the endpoint: E4 for detected messages, E5 (on-demand preview) for others. Null when Cloudflare has none.',
      directives: ONE_CLOUDFLARE_CALL,
      resolve: (m, _a, c) =>
        c.loaders.preview.load({ accountId: m.accountId, id: m.id, endpoint: isDetection(m) ? 'detection' : 'any' }),
    }),
    raw: t.string({
      description:
        'The raw EML text (E6). Cloudflare serves it for non-benign messages only: null otherwise. Requires the `email-security:raw` scope; never logged.',
      authScopes: { raw: true },
      directives: ONE_CLOUDFLARE_CALL,
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

type MessageFilter = typeof MessageFilterInput.$inferInput;

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
function pinnedWindow(startIso: string, endIso: string): { start: Date; end: Date } {
  const start = new Date(startIso);
  const end = new Date(endIso);
  if (start.getTime() > end.getTime() || start.getTime() > Date.now()) {
    throw badUserInput('The cursor carries an invalid time window; start again without a cursor', ['after']);
  }
  return { start, end };
}

/**
 * Which E1 paging answered (reference §9): the current API sends `next`/`previous` cursors and
 * `page`/`total_count` as "Deprecated: Returns always 0"; older deployments send real numbers and no
 * cursors. No cursors and zeros is a current-API single page.
 */
export function pagingStyle(info: CfPageResultInfo): 'cursor' | 'legacy' {
  if (typeof info?.next === 'string' || typeof info?.previous === 'string') return 'cursor';
  if ((info?.total_count ?? 0) > 0 || (info?.page ?? 0) > 0) return 'legacy';
  return 'cursor';
}

function toCursorPage(result: { items: CfMessage[]; resultInfo: CfPageResultInfo }): CursorPage<CfMessage> {
  return { items: result.items, next: result.resultInfo?.next || null, previous: result.resultInfo?.previous || null };
}

function primeMessages(context: GatewayContext, accountId: string, messages: CfMessage[]): MessageShape[] {
  return messages.map((message) => {
    const shaped = { ...message, accountId };
    context.loaders.message.prime({ accountId, id: message.id }, message);
    return shaped;
  });
}

builder.queryFields((t) => ({
  message: t.field({
    type: MessageRef,
    description: 'One message by its investigate id (E2). Null when Cloudflare says it does not exist.',
    args: {
      id: t.arg.id({ required: true, description: 'Investigate id, as returned by `messages`.' }),
      accountId: t.arg.string(accountIdArgOptions),
      submission: t.arg.boolean({
        description: 'Look in the submissions datastore instead of the regular one (E2 `submission`).',
      }),
    },
    resolve: async (_root, args, context) => {
      const accountId = resolveAccountId(context, args.accountId);
      const id = parseArgument(investigateIdSchema, args.id, 'id');
      if (args.submission) {
        const message = await context.client.emailSecurity.investigate
          .get(accountId, id, { submission: true })
          .catch(nullOn404);
        return message ? { ...message, accountId } : null;
      }
      return loadMessage(context, { accountId, id });
    },
  }),
  messages: t.connection(
    {
      type: MessageRef,
      nullable: false,
      // Demand control for the router: one search call, and a page of `first` / `last` messages.
      directives: {
        cost: { weight: 1 },
        listSize: {
          slicingArguments: ['first', 'last'],
          sizedFields: ['edges', 'nodes'],
          requireOneSlicingArgument: false,
        },
      },
      description: `Search messages (E1) as a Relay connection, newest first. \`first\`/\`last\` are capped at ${MESSAGES_PAGE_CAP} (default ${MESSAGES_DEFAULT_PAGE}). Cursors are opaque, pin the filter and the time window (later pages stay stable while new mail arrives) and are refused with BAD_USER_INPUT under a different filter. Cloudflare pages E1 by cursor (\`next\`/\`previous\`): page forward with \`first\`/\`after\` and back with \`last\`/\`before\` (\`last\` needs \`before\`, since the end of the list is not addressable); \`totalCount\` is null because Cloudflare reports no total any more. Against an older deployment that still answers with page numbers and a real total, the gateway pages by number and \`totalCount\` is that total. Results prime the per-request message cache.`,
      args: {
        filter: t.arg({ type: MessageFilterInput, description: 'Search parameters.' }),
        accountId: t.arg.string(accountIdArgOptions),
      },
      resolve: async (_root, args, context) => {
        const accountId = resolveAccountId(context, args.accountId);
        const [oversized] = oversizedFilterFields(args.filter);
        if (oversized) throw badUserInput(`\`filter.${oversized[0]}\` ${oversized[1]}`, ['filter', oversized[0]]);
        const params = filterToSearchParams(args.filter);
        const digest = filterDigest({ accountId, params, start: args.filter?.start, end: args.filter?.end });
        const plan = planAnyPaging(args, { digest, cap: MESSAGES_PAGE_CAP, defaultSize: MESSAGES_DEFAULT_PAGE });
        // Cloudflare's cursor paging has no addressable end (reference §9), so `last` needs `before`;
        // refused before any call, whichever paging style the deployment answers with.
        if (plan.direction === 'backward' && !plan.before && plan.size > 0) {
          throw badUserInput(
            '`last` needs `before`: Cloudflare pages E1 by cursor and has no addressable end; page forward, then back with `before`',
            ['last'],
          );
        }
        const pinned = plan.after ?? plan.before;
        const window =
          pinned?.s && pinned.e
            ? pinnedWindow(pinned.s, pinned.e)
            : resolveWindow(
                args.filter,
                new Date(),
                context.services.cache ? context.services.config.cache.ttls.searchMs : 1000,
              );
        const pin = { s: window.start.toISOString(), e: window.end.toISOString() };
        const search = (paging: { page?: number; cursor?: string; per_page: number }) => {
          const pending = context.client.emailSecurity.investigate
            .list(accountId, { ...params, start: pin.s, end: pin.e, ...paging })
            .then((result) => {
              primeMessages(context, accountId, result.items);
              return result;
            });
          context.searchesInFlight.add(pending);
          void pending.finally(() => context.searchesInFlight.delete(pending)).catch(() => undefined);
          return pending;
        };
        const map = (message: CfMessage): MessageShape => ({ ...message, accountId });
        const byCursor = (firstPage?: CursorPage<CfMessage>) =>
          upstreamCursorConnection(plan, {
            digest,
            pin,
            perPage: Math.max(1, plan.size),
            ...(firstPage ? { firstPage } : {}),
            fetch: async (cursor, perPage) =>
              toCursorPage(await search({ per_page: perPage, ...(cursor === undefined ? {} : { cursor }) })),
            map,
          });
        const byNumber = (firstPage?: { perPage: number; items: CfMessage[]; total: number | null }) =>
          pageConnection(args, {
            digest,
            cap: MESSAGES_PAGE_CAP,
            defaultSize: MESSAGES_DEFAULT_PAGE,
            plan: plan as PagingPlan,
            pin,
            fetch: async (page, perPage) => {
              if (page === 1 && firstPage?.perPage === perPage) return firstPage;
              // Page 1 goes out without `page` (as the first page of either style does).
              const result = await search({ per_page: perPage, ...(page === 1 ? {} : { page }) });
              return { items: result.items, total: result.resultInfo?.total_count ?? null };
            },
            map,
          });

        // A cursor says which style issued it; without one the first page's result_info tells.
        if (pinned?.v === 2) return byCursor();
        if (pinned?.v === 1) return byNumber();
        if (plan.size === 0) return byCursor();
        const perPage = Math.max(1, plan.size);
        const first = await search({ per_page: perPage });
        if (pagingStyle(first.resultInfo) === 'legacy') {
          return byNumber({ perPage, items: first.items, total: first.resultInfo?.total_count ?? null });
        }
        return byCursor(toCursorPage(first));
      },
    },
    {
      name: 'MessageConnection',
      description:
        'A page of messages from a search. `totalCount` is null when Cloudflare reports no total (its current cursor-paged E1 does not).',
    },
    { name: 'MessageEdge', description: 'A message in a page of search results, with its cursor.' },
  ),
}));

/** Loads one message through the request's loader, after any search in flight had the chance to prime it. */
export async function loadMessage(
  context: GatewayContext,
  key: { accountId: string; id: string },
): Promise<MessageShape | null> {
  if (context.searchesInFlight.size > 0) await Promise.allSettled([...context.searchesInFlight]);
  const message = await context.loaders.message.load(key);
  return message ? { ...message, accountId: key.accountId } : null;
}
