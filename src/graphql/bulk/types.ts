/**
 * Bulk jobs (E12–E17): the BulkJob type with its parameters, progress and messages (E17), and the
 * terminal-state rule the progress subscription and the mutations share.
 */
import {
  type CfBulkJob,
  type CfBulkJobMessage,
  type CfPageResultInfo,
  TERMINAL_JOB_STATUSES,
} from '../../upstream/schemas.js';
import { cloudflareCalls, pagedCloudflareCall, builder } from '../builder.js';
import { BulkAction, DeliveryStatus, Destination, Disposition, JobStatus, MessageAction } from '../enums.js';
import { filterDigest } from '../pagination/cursors.js';
import { pageConnection } from '../pagination/page-number-connection.js';
import { loadMessage, MessageRef } from '../message/types.js';

/** A BulkJob as resolvers pass it around: the wire object plus the account it belongs to. */
export type BulkJobShape = CfBulkJob & { accountId: string };
type BulkJobMessageShape = CfBulkJobMessage & { accountId: string };

const JOB_MESSAGES_PAGE_CAP = 100;
const JOB_MESSAGES_DEFAULT_PAGE = 25;

const KNOWN_STATUSES: ReadonlySet<string> = new Set(JobStatus.wires);

/**
 * Terminal = a known terminal status, or a status Cloudflare added after this gateway was written
 * (contract#versions says to expect them) on a job Cloudflare has stamped with `completed_at`. Without the second
 * rule a new terminal status would keep the progress subscription polling until its time limit.
 */
export function isTerminalJob(job: Pick<CfBulkJob, 'status' | 'completed_at'>): boolean {
  if (TERMINAL_JOB_STATUSES.has(job.status)) return true;
  return !KNOWN_STATUSES.has(job.status) && job.completed_at != null;
}

/** Processed share of the discovered messages (0..1). Nothing discovered yet: 0, or 1 once terminal. */
function jobProgress(job: CfBulkJob): number {
  const processed =
    job.messages_successful + job.messages_failed + (job.messages_cancelled ?? 0) + (job.messages_skipped ?? 0);
  if (job.total_messages_discovered <= 0) return isTerminalJob(job) ? 1 : 0;
  return Math.min(1, Math.max(0, processed / job.total_messages_discovered));
}

// ───────────────────────────── paging ─────────────────────────────

/** E13/E17 pages in the shape `pageConnection` reads (V4 page-array, contract#paging: the total is in result_info). */
export const withTotal = <Item>(page: { items: Item[]; resultInfo: CfPageResultInfo }) => ({
  items: page.items,
  total: page.resultInfo?.total_count ?? null,
});

// ───────────────────────────── types ─────────────────────────────

const BulkJobActionParamsRef = builder.objectRef<CfBulkJob['action_params']>('BulkJobActionParams').implement({
  description: 'What the job does to each message (Cloudflare `action_params`, a union on `type`).',
  fields: (t) => ({
    type: t.field({
      type: BulkAction.ref,
      description: 'MOVE or RELEASE (null for a kind this gateway does not know yet).',
      resolve: (p, _a, c) => BulkAction.known(p.type, c.logger),
    }),
    destination: t.field({
      type: Destination.ref,
      description: 'Destination folder (MOVE only).',
      resolve: (p, _a, c) => Destination.known(p.destination, c.logger),
    }),
    expectedDisposition: t.field({
      type: Disposition.ref,
      description: 'Disposition the messages were expected to have (MOVE only, optional).',
      resolve: (p, _a, c) => Disposition.known(p.expected_disposition, c.logger),
    }),
  }),
});

const BulkSearchParamsRef = builder.objectRef<CfBulkJob['search_params']>('BulkSearchParams').implement({
  description:
    'The search that selects the messages of a bulk job (Cloudflare `search_params`, E12). Same meaning as the E1 search parameters.',
  fields: (t) => ({
    query: t.exposeString('query', { description: 'Free text.' }),
    sender: t.exposeString('sender', { description: 'Sender e-mail address or domain.' }),
    recipient: t.exposeString('recipient', { description: 'Recipient e-mail address or domain.' }),
    domain: t.exposeString('domain', { description: 'Sender domain.' }),
    subject: t.exposeString('subject', { description: 'Keywords in the subject.' }),
    exactSubject: t.exposeString('exact_subject', { description: 'Exact subject.' }),
    finalDisposition: t.field({
      type: Disposition.ref,
      description: 'Disposition filter (bulk jobs accept all ten dispositions).',
      resolve: (p, _a, c) => Disposition.known(p.final_disposition, c.logger),
    }),
    messageAction: t.field({
      type: MessageAction.ref,
      description: 'Action filter.',
      resolve: (p, _a, c) => MessageAction.known(p.message_action, c.logger),
    }),
    deliveryStatus: t.field({
      type: DeliveryStatus.ref,
      description: 'Delivery-state filter.',
      resolve: (p, _a, c) => DeliveryStatus.known(p.delivery_status, c.logger),
    }),
    alertId: t.exposeString('alert_id', { description: 'Alert id.' }),
    messageId: t.exposeString('message_id', { description: 'RFC 822 Message-ID.' }),
    smtpHeloIp: t.exposeString('smtp_helo_ip', { description: 'IP given in SMTP HELO (SDK 7.3.0).' }),
    metric: t.exposeString('metric', { description: 'Cloudflare `metric` parameter (undocumented upstream).' }),
    detectionsOnly: t.exposeBoolean('detections_only', { description: 'Only messages with a detection.' }),
    submissions: t.exposeBoolean('submissions', { description: 'Searched submissions instead of original messages.' }),
    actionLog: t.exposeBoolean('action_log', {
      description: 'Legacy flag Cloudflare still echoes.',
      deprecationReason: 'Cloudflare deprecated `search_params.action_log`; it has no effect.',
    }),
    start: t.field({ type: 'DateTime', description: 'Window start.', resolve: (p) => p.start ?? null }),
    end: t.field({ type: 'DateTime', description: 'Window end.', resolve: (p) => p.end ?? null }),
  }),
});

const BulkJobMessageActionParamsRef = builder
  .objectRef<CfBulkJobMessage['action_params']>('BulkJobMessageActionParams')
  .implement({
    description: 'What the job does to this message, for which recipient (Cloudflare `action_params` of E17).',
    fields: (t) => ({
      type: t.field({
        type: BulkAction.ref,
        description: 'MOVE or RELEASE.',
        resolve: (p, _a, c) => BulkAction.known(p.type, c.logger),
      }),
      clientRecipient: t.exposeString('client_recipient', { description: 'The recipient mailbox this row acts on.' }),
      destination: t.field({
        type: Destination.ref,
        description: 'Destination folder (MOVE only).',
        resolve: (p, _a, c) => Destination.known(p.destination, c.logger),
      }),
      expectedDisposition: t.field({
        type: Disposition.ref,
        description: 'Expected disposition (MOVE only, optional).',
        resolve: (p, _a, c) => Disposition.known(p.expected_disposition, c.logger),
      }),
    }),
  });

const BulkJobMessageRef = builder.objectRef<BulkJobMessageShape>('BulkJobMessage').implement({
  // Bulk jobs describe mail (search criteria, message ids): reading them needs `read`, also through a mutation payload.
  authScopes: { read: true },
  description: 'One message a bulk job found and acts on (E17).',
  fields: (t) => ({
    messageId: t.exposeID('message_id', {
      nullable: false,
      description: 'Investigate id of the message (the key of `message(id:)`).',
    }),
    postfixId: t.exposeString('postfix_id', { nullable: false, description: 'Postfix queue id.' }),
    actionType: t.field({
      type: BulkAction.ref,
      description: 'MOVE or RELEASE.',
      resolve: (m, _a, c) => BulkAction.known(m.action_type, c.logger),
    }),
    actionParams: t.field({
      type: BulkJobMessageActionParamsRef,
      nullable: false,
      description: 'What is done to this message.',
      resolve: (m) => m.action_params,
    }),
    status: t.field({
      type: JobStatus.ref,
      description: 'State of this message in the job; null for a status this gateway does not know (see `statusRaw`).',
      resolve: (m, _a, c) => JobStatus.known(m.status, c.logger),
    }),
    statusRaw: t.exposeString('status', {
      nullable: false,
      description: 'The status exactly as Cloudflare sent it, including values added after this gateway was built.',
    }),
    statusMessage: t.exposeString('status_message', { description: 'Why it failed or was skipped, when it was.' }),
    retryCount: t.exposeInt('retry_count', {
      nullable: false,
      description: 'How many times Cloudflare retried the action.',
    }),
    retryAfter: t.field({
      type: 'DateTime',
      description: 'When Cloudflare retries a failed action.',
      resolve: (m) => m.retry_after ?? null,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the message was added to the job.',
      resolve: (m) => m.created_at,
    }),
    processedAt: t.field({
      type: 'DateTime',
      description: 'When the action was applied (or given up).',
      resolve: (m) => m.processed_at ?? null,
    }),
    alertId: t.exposeString('alert_id', { description: 'Alert id.' }),
    emailMessageId: t.exposeString('email_message_id', { description: 'RFC 822 Message-ID.' }),
    message: t.field({
      type: MessageRef,
      directives: cloudflareCalls(1),
      description:
        'The investigate message (E2), loaded only when selected; one call per message, deduplicated within a request. Null when it no longer exists.',
      resolve: (m, _a, c) => loadMessage(c, { accountId: m.accountId, id: m.message_id }),
    }),
  }),
});

export const BulkJobRef = builder.objectRef<BulkJobShape>('BulkJob');

BulkJobRef.implement({
  // Bulk jobs describe mail (search criteria, message ids): reading them needs `read`, also through a mutation payload.
  authScopes: { read: true },
  description:
    'A bulk MOVE or RELEASE job (E12–E17). Cloudflare finds the messages matching `searchParams` and acts on them asynchronously; follow it with `bulkJob` or the `bulkJobProgress` subscription.',
  fields: (t) => ({
    id: t.exposeID('job_id', { nullable: false, description: 'Job id (Cloudflare `job_id`, a UUID).' }),
    accountId: t.exposeString('accountId', { nullable: false, description: 'Cloudflare account the job belongs to.' }),
    action: t.field({
      type: BulkAction.ref,
      description: 'MOVE or RELEASE (null for a kind this gateway does not know yet).',
      resolve: (j, _a, c) => BulkAction.known(j.action_type, c.logger),
    }),
    status: t.field({
      type: JobStatus.ref,
      description:
        'Job state; null for a status Cloudflare added after this gateway was built — `statusRaw` still shows it.',
      resolve: (j, _a, c) => JobStatus.known(j.status, c.logger),
    }),
    statusRaw: t.exposeString('status', {
      nullable: false,
      description: 'The status exactly as Cloudflare sent it, including values unknown to `JobStatus`.',
    }),
    statusMessage: t.exposeString('status_message', {
      description: 'Cloudflare’s explanation of the status, e.g. why it failed.',
    }),
    isTerminal: t.boolean({
      nullable: false,
      description:
        'True once the job will not change any more: COMPLETED, FAILED, CANCELLED or SKIPPED, or an unknown status on a job with `completedAt`. Only terminal jobs can be deleted.',
      resolve: (j) => isTerminalJob(j),
    }),
    progress: t.float({
      description:
        'Share of the discovered messages already processed (succeeded, failed, cancelled or skipped), 0..1. 0 while nothing is discovered; 1 for a terminal job that found nothing.',
      resolve: (j) => jobProgress(j),
    }),
    actionParams: t.field({
      type: BulkJobActionParamsRef,
      nullable: false,
      description: 'What the job does to each message.',
      resolve: (j) => j.action_params,
    }),
    searchParams: t.field({
      type: BulkSearchParamsRef,
      nullable: false,
      description: 'The search that selected the messages.',
      resolve: (j) => j.search_params,
    }),
    comment: t.exposeString('comment', { description: 'Free-text comment given at creation.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When the job was created.', resolve: (j) => j.created_at }),
    startedAt: t.field({
      type: 'DateTime',
      description: 'When Cloudflare started it.',
      resolve: (j) => j.started_at ?? null,
    }),
    completedAt: t.field({
      type: 'DateTime',
      description: 'When it reached a terminal state.',
      resolve: (j) => j.completed_at ?? null,
    }),
    totalMessagesDiscovered: t.exposeInt('total_messages_discovered', {
      nullable: false,
      description: 'Messages the search found.',
    }),
    messagesSuccessful: t.exposeInt('messages_successful', {
      nullable: false,
      description: 'Messages the action succeeded on.',
    }),
    messagesFailed: t.exposeInt('messages_failed', { nullable: false, description: 'Messages the action failed on.' }),
    messagesPending: t.exposeInt('messages_pending', { nullable: false, description: 'Messages still waiting.' }),
    messagesCancelled: t.int({
      description:
        'Messages not processed because the job was cancelled (SDK 7.3.0 counter; null when Cloudflare does not send it).',
      resolve: (j) => j.messages_cancelled ?? null,
    }),
    messagesSkipped: t.int({
      description:
        'Messages skipped, e.g. a RELEASE of a message not in quarantine (SDK 7.3.0 counter; null when Cloudflare does not send it).',
      resolve: (j) => j.messages_skipped ?? null,
    }),
    messages: t.connection(
      {
        type: BulkJobMessageRef,
        nullable: false,
        directives: pagedCloudflareCall(JOB_MESSAGES_DEFAULT_PAGE),
        description: `The messages of the job and their state (E17), in discovery order. \`first\`/\`last\` are capped at ${JOB_MESSAGES_PAGE_CAP} (default ${JOB_MESSAGES_DEFAULT_PAGE}).`,
        args: { status: t.arg({ type: JobStatus.ref, description: 'Only messages in this state.' }) },
        resolve: (job, args, context) =>
          pageConnection(args, {
            digest: filterDigest({
              list: 'bulkJobMessages',
              accountId: job.accountId,
              jobId: job.job_id,
              status: args.status,
            }),
            cap: JOB_MESSAGES_PAGE_CAP,
            defaultSize: JOB_MESSAGES_DEFAULT_PAGE,
            fetch: async (page, perPage) =>
              withTotal(
                await context.client.emailSecurity.investigate.bulk.messages.list(job.accountId, job.job_id, {
                  page,
                  per_page: perPage,
                  ...(args.status ? { status: args.status } : {}),
                }),
              ),
            map: (item) => ({ ...item, accountId: job.accountId }),
          }),
      },
      { name: 'BulkJobMessageConnection', description: 'A page of the messages of a bulk job.' },
      { name: 'BulkJobMessageEdge', description: 'A message of a bulk job, with its cursor.' },
    ),
  }),
});
