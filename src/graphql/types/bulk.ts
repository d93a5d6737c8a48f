/**
 * Bulk jobs (E12–E17): type, queries, mutations and the progress subscription.
 *
 * Wire facts this file relies on (reference §2.3, §3 E12–E17, §8):
 * - a job is created once (E12, POST) and then progresses on Cloudflare's side
 *   PENDING → DISCOVERING → PROCESSING → COMPLETED (or FAILED / CANCELLED / SKIPPED);
 * - only terminal jobs can be deleted (E15); cancelling (E16) keeps the record;
 * - SDK 7.3.0 adds the counters `messages_cancelled` / `messages_skipped` and no longer lists
 *   SKIPPED as a job status, so a status we do not know must pass through, never crash.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLError } from 'graphql';
import { writeAudit } from '../../audit.js';
import type { GatewayContext } from '../../context.js';
import { encodePathParam } from '../../upstream/http.js';
import type { CfBulkJob, CfBulkJobMessage, CfPageResultInfo } from '../../upstream/schemas.js';
import { ConflictError, OutcomeUnknownError, ValidationError, type ValidationIssue } from '../action-errors.js';
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { builder } from '../builder.js';
import { BulkAction, DeliveryStatus, Destination, Disposition, JobStatus, MessageAction } from '../enums.js';
import { badUserInput, gatewayError, isNotFound } from '../errors.js';
import { idempotencyKeyField, runIdempotent } from '../idempotent.js';
import { filterDigest, pageConnection } from '../pagination.js';
import { actionErrorTypes, asAction, toActionError } from '../results.js';
import { resolveAccountIdForAction } from './actions.js';
import { filterToSearchParams, loadMessage, MessageFilterInput, MessageRef, oversizedFilterFields } from './message.js';

/** A BulkJob as resolvers pass it around: the wire object plus the account it belongs to. */
export type BulkJobShape = CfBulkJob & { accountId: string };
type BulkJobMessageShape = CfBulkJobMessage & { accountId: string };

const JOBS_PAGE_CAP = 100;
const JOBS_DEFAULT_PAGE = 20;
const JOB_MESSAGES_PAGE_CAP = 100;
const JOB_MESSAGES_DEFAULT_PAGE = 25;

/** §3 E15: the states Cloudflare lets you delete; also the states after which a job never changes again. */
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED']);
const KNOWN_STATUSES: ReadonlySet<string> = new Set(JobStatus.wires);

/**
 * Terminal = a known terminal status, or a status Cloudflare added after this gateway was written
 * (§8 says to expect them) on a job Cloudflare has stamped with `completed_at`. Without the second
 * rule a new terminal status would keep the progress subscription polling until its time limit.
 */
export function isTerminalJob(job: Pick<CfBulkJob, 'status' | 'completed_at'>): boolean {
  if (TERMINAL_STATUSES.has(job.status)) return true;
  return !KNOWN_STATUSES.has(job.status) && job.completed_at != null;
}

/** Processed share of the discovered messages (0..1). Nothing discovered yet: 0, or 1 once terminal. */
function jobProgress(job: CfBulkJob): number {
  const processed = job.messages_successful + job.messages_failed + (job.messages_cancelled ?? 0) + (job.messages_skipped ?? 0);
  if (job.total_messages_discovered <= 0) return isTerminalJob(job) ? 1 : 0;
  return Math.min(1, Math.max(0, processed / job.total_messages_discovered));
}

/** Job ids go into the URL path (E14–E17): refuse what could escape the path before any call. */
function jobIdIssue(id: string): string | null {
  if (id.length > 256) return 'is longer than 256 characters';
  try {
    encodePathParam(null, 'id', id);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}


// ───────────────────────────── paging ─────────────────────────────

/** E13/E17 pages in the shape `pageConnection` reads (V4 page-array, §1.3: the total is in result_info). */
const withTotal = <Item>(page: { items: Item[]; resultInfo: CfPageResultInfo }) => ({ items: page.items, total: page.resultInfo?.total_count ?? null });

// ───────────────────────────── types ─────────────────────────────

const BulkJobActionParamsRef = builder.objectRef<CfBulkJob['action_params']>('BulkJobActionParams').implement({
  description: 'What the job does to each message (Cloudflare `action_params`, a union on `type`).',
  fields: (t) => ({
    type: t.field({ type: BulkAction.ref, description: 'MOVE or RELEASE (null for a kind this gateway does not know yet).', resolve: (p, _a, c) => BulkAction.known(p.type, c.logger) }),
    destination: t.field({ type: Destination.ref, description: 'Destination folder (MOVE only).', resolve: (p, _a, c) => Destination.known(p.destination, c.logger) }),
    expectedDisposition: t.field({
      type: Disposition.ref,
      description: 'Disposition the messages were expected to have (MOVE only, optional).',
      resolve: (p, _a, c) => Disposition.known(p.expected_disposition, c.logger),
    }),
  }),
});

const BulkSearchParamsRef = builder.objectRef<CfBulkJob['search_params']>('BulkSearchParams').implement({
  description: 'The search that selects the messages of a bulk job (Cloudflare `search_params`, E12). Same meaning as the E1 search parameters.',
  fields: (t) => ({
    query: t.exposeString('query', { description: 'Free text.' }),
    sender: t.exposeString('sender', { description: 'Sender e-mail address or domain.' }),
    recipient: t.exposeString('recipient', { description: 'Recipient e-mail address or domain.' }),
    domain: t.exposeString('domain', { description: 'Sender domain.' }),
    subject: t.exposeString('subject', { description: 'Keywords in the subject.' }),
    exactSubject: t.exposeString('exact_subject', { description: 'Exact subject.' }),
    finalDisposition: t.field({
      type: Disposition.ref,
      description: 'Disposition filter (bulk jobs accept all ten dispositions, reference §7.5).',
      resolve: (p, _a, c) => Disposition.known(p.final_disposition, c.logger),
    }),
    messageAction: t.field({ type: MessageAction.ref, description: 'Action filter.', resolve: (p, _a, c) => MessageAction.known(p.message_action, c.logger) }),
    deliveryStatus: t.field({ type: DeliveryStatus.ref, description: 'Delivery-state filter.', resolve: (p, _a, c) => DeliveryStatus.known(p.delivery_status, c.logger) }),
    alertId: t.exposeString('alert_id', { description: 'Alert id.' }),
    messageId: t.exposeString('message_id', { description: 'RFC 822 Message-ID.' }),
    smtpHeloIp: t.exposeString('smtp_helo_ip', { description: 'IP given in SMTP HELO (SDK 7.3.0).' }),
    metric: t.exposeString('metric', { description: 'Cloudflare `metric` parameter (undocumented upstream).' }),
    detectionsOnly: t.exposeBoolean('detections_only', { description: 'Only messages with a detection.' }),
    submissions: t.exposeBoolean('submissions', { description: 'Searched submissions instead of original messages.' }),
    actionLog: t.exposeBoolean('action_log', {
      description: 'Legacy flag Cloudflare still echoes.',
      deprecationReason: 'Cloudflare deprecated `search_params.action_log` (reference §3 E12); it has no effect.',
    }),
    start: t.field({ type: 'DateTime', description: 'Window start.', resolve: (p) => p.start ?? null }),
    end: t.field({ type: 'DateTime', description: 'Window end.', resolve: (p) => p.end ?? null }),
  }),
});

const BulkJobMessageActionParamsRef = builder.objectRef<CfBulkJobMessage['action_params']>('BulkJobMessageActionParams').implement({
  description: 'What the job does to this message, for which recipient (Cloudflare `action_params` of E17).',
  fields: (t) => ({
    type: t.field({ type: BulkAction.ref, description: 'MOVE or RELEASE.', resolve: (p, _a, c) => BulkAction.known(p.type, c.logger) }),
    clientRecipient: t.exposeString('client_recipient', { description: 'The recipient mailbox this row acts on.' }),
    destination: t.field({ type: Destination.ref, description: 'Destination folder (MOVE only).', resolve: (p, _a, c) => Destination.known(p.destination, c.logger) }),
    expectedDisposition: t.field({
      type: Disposition.ref,
      description: 'Expected disposition (MOVE only, optional).',
      resolve: (p, _a, c) => Disposition.known(p.expected_disposition, c.logger),
    }),
  }),
});

const BulkJobMessageRef = builder.objectRef<BulkJobMessageShape>('BulkJobMessage').implement({
  description: 'One message a bulk job found and acts on (E17).',
  fields: (t) => ({
    messageId: t.exposeID('message_id', { nullable: false, description: 'Investigate id of the message (the key of `message(id:)`).' }),
    postfixId: t.exposeString('postfix_id', { nullable: false, description: 'Postfix queue id.' }),
    actionType: t.field({ type: BulkAction.ref, description: 'MOVE or RELEASE.', resolve: (m, _a, c) => BulkAction.known(m.action_type, c.logger) }),
    actionParams: t.field({ type: BulkJobMessageActionParamsRef, nullable: false, description: 'What is done to this message.', resolve: (m) => m.action_params }),
    status: t.field({
      type: JobStatus.ref,
      description: 'State of this message in the job; null for a status this gateway does not know (see `statusRaw`).',
      resolve: (m, _a, c) => JobStatus.known(m.status, c.logger),
    }),
    statusRaw: t.exposeString('status', { nullable: false, description: 'The status exactly as Cloudflare sent it, including values added after this gateway was built.' }),
    statusMessage: t.exposeString('status_message', { description: 'Why it failed or was skipped, when it was.' }),
    retryCount: t.exposeInt('retry_count', { nullable: false, description: 'How many times Cloudflare retried the action.' }),
    retryAfter: t.field({ type: 'DateTime', description: 'When Cloudflare retries a failed action.', resolve: (m) => m.retry_after ?? null }),
    createdAt: t.field({ type: 'DateTime', description: 'When the message was added to the job.', resolve: (m) => m.created_at }),
    processedAt: t.field({ type: 'DateTime', description: 'When the action was applied (or given up).', resolve: (m) => m.processed_at ?? null }),
    alertId: t.exposeString('alert_id', { description: 'Alert id.' }),
    emailMessageId: t.exposeString('email_message_id', { description: 'RFC 822 Message-ID.' }),
    message: t.field({
      type: MessageRef,
      description: 'The investigate message (E2), loaded only when selected; one call per message, deduplicated within a request. Null when it no longer exists.',
      resolve: (m, _a, c) => loadMessage(c, { accountId: m.accountId, id: m.message_id }),
    }),
  }),
});

export const BulkJobRef = builder.objectRef<BulkJobShape>('BulkJob');

BulkJobRef.implement({
  description:
    'A bulk MOVE or RELEASE job (E12–E17). Cloudflare finds the messages matching `searchParams` and acts on them asynchronously; follow it with `bulkJob` or the `bulkJobProgress` subscription.',
  fields: (t) => ({
    id: t.exposeID('job_id', { nullable: false, description: 'Job id (Cloudflare `job_id`, a UUID).' }),
    accountId: t.exposeString('accountId', { nullable: false, description: 'Cloudflare account the job belongs to.' }),
    action: t.field({ type: BulkAction.ref, description: 'MOVE or RELEASE (null for a kind this gateway does not know yet).', resolve: (j, _a, c) => BulkAction.known(j.action_type, c.logger) }),
    status: t.field({
      type: JobStatus.ref,
      description: 'Job state; null for a status Cloudflare added after this gateway was built (reference §8) — `statusRaw` still shows it.',
      resolve: (j, _a, c) => JobStatus.known(j.status, c.logger),
    }),
    statusRaw: t.exposeString('status', { nullable: false, description: 'The status exactly as Cloudflare sent it, including values unknown to `JobStatus`.' }),
    statusMessage: t.exposeString('status_message', { description: 'Cloudflare’s explanation of the status, e.g. why it failed.' }),
    isTerminal: t.boolean({
      nullable: false,
      description: 'True once the job will not change any more: COMPLETED, FAILED, CANCELLED or SKIPPED, or an unknown status on a job with `completedAt`. Only terminal jobs can be deleted.',
      resolve: (j) => isTerminalJob(j),
    }),
    progress: t.float({
      description: 'Share of the discovered messages already processed (succeeded, failed, cancelled or skipped), 0..1. 0 while nothing is discovered; 1 for a terminal job that found nothing.',
      resolve: (j) => jobProgress(j),
    }),
    actionParams: t.field({ type: BulkJobActionParamsRef, nullable: false, description: 'What the job does to each message.', resolve: (j) => j.action_params }),
    searchParams: t.field({ type: BulkSearchParamsRef, nullable: false, description: 'The search that selected the messages.', resolve: (j) => j.search_params }),
    comment: t.exposeString('comment', { description: 'Free-text comment given at creation.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When the job was created.', resolve: (j) => j.created_at }),
    startedAt: t.field({ type: 'DateTime', description: 'When Cloudflare started it.', resolve: (j) => j.started_at ?? null }),
    completedAt: t.field({ type: 'DateTime', description: 'When it reached a terminal state.', resolve: (j) => j.completed_at ?? null }),
    totalMessagesDiscovered: t.exposeInt('total_messages_discovered', { nullable: false, description: 'Messages the search found.' }),
    messagesSuccessful: t.exposeInt('messages_successful', { nullable: false, description: 'Messages the action succeeded on.' }),
    messagesFailed: t.exposeInt('messages_failed', { nullable: false, description: 'Messages the action failed on.' }),
    messagesPending: t.exposeInt('messages_pending', { nullable: false, description: 'Messages still waiting.' }),
    messagesCancelled: t.int({
      description: 'Messages not processed because the job was cancelled (SDK 7.3.0 counter; null when Cloudflare does not send it).',
      resolve: (j) => j.messages_cancelled ?? null,
    }),
    messagesSkipped: t.int({
      description: 'Messages skipped, e.g. a RELEASE of a message not in quarantine (SDK 7.3.0 counter; null when Cloudflare does not send it).',
      resolve: (j) => j.messages_skipped ?? null,
    }),
    messages: t.connection(
      {
        type: BulkJobMessageRef,
        nullable: false,
        description: `The messages of the job and their state (E17), in discovery order. \`first\`/\`last\` are capped at ${JOB_MESSAGES_PAGE_CAP} (default ${JOB_MESSAGES_DEFAULT_PAGE}).`,
        args: { status: t.arg({ type: JobStatus.ref, description: 'Only messages in this state.' }) },
        resolve: (job, args, context) =>
          pageConnection(args, {
            digest: filterDigest({ list: 'bulkJobMessages', accountId: job.accountId, jobId: job.job_id, status: args.status }),
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

const BulkJobFilterInput = builder.inputType('BulkJobFilter', {
  description: 'Filters of the bulk job list (E13).',
  fields: (t) => ({
    action: t.field({ type: BulkAction.ref, description: 'Only jobs of this kind.' }),
    status: t.field({ type: JobStatus.ref, description: 'Only jobs in this state.' }),
  }),
});

// ───────────────────────────── queries ─────────────────────────────

builder.queryFields((t) => ({
  bulkJob: t.field({
    type: BulkJobRef,
    description: 'One bulk job (E14). Null when Cloudflare does not know it (never created, or deleted).',
    args: {
      id: t.arg.id({ required: true, description: 'Job id.' }),
      accountId: t.arg.string(accountIdArgOptions),
    },
    resolve: async (_root, args, context) => {
      const accountId = resolveAccountId(context, args.accountId);
      const id = String(args.id);
      const issue = jobIdIssue(id);
      if (issue) throw badUserInput(`\`id\` ${issue}`, ['id']);
      try {
        return { ...(await context.client.emailSecurity.investigate.bulk.get(accountId, id)), accountId };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
  }),
  bulkJobs: t.connection(
    {
      type: BulkJobRef,
      nullable: false,
      description: `Bulk jobs of the account (E13), newest first. \`first\`/\`last\` are capped at ${JOBS_PAGE_CAP} (default ${JOBS_DEFAULT_PAGE}). Cursors are offsets: a job created while paging shifts later pages by one.`,
      args: {
        filter: t.arg({ type: BulkJobFilterInput, description: 'Filters.' }),
        accountId: t.arg.string(accountIdArgOptions),
      },
      resolve: (_root, args, context) => {
        const accountId = resolveAccountId(context, args.accountId);
        const filter = { action_type: args.filter?.action ?? undefined, status: args.filter?.status ?? undefined };
        return pageConnection(args, {
          digest: filterDigest({ list: 'bulkJobs', accountId, filter }),
          cap: JOBS_PAGE_CAP,
          defaultSize: JOBS_DEFAULT_PAGE,
          fetch: async (page, perPage) => withTotal(await context.client.emailSecurity.investigate.bulk.list(accountId, { ...filter, page, per_page: perPage })),
          map: (job) => ({ ...job, accountId }),
        });
      },
    },
    { name: 'BulkJobConnection', description: 'A page of bulk jobs.' },
    { name: 'BulkJobEdge', description: 'A bulk job in a page, with its cursor.' },
  ),
}));

// ───────────────────────────── mutations ─────────────────────────────


interface BulkJobPayload {
  job: BulkJobShape;
  replayed: boolean;
}

const CreateBulkActionPayloadRef = builder.objectRef<BulkJobPayload>('CreateBulkActionPayload').implement({
  description: 'The job Cloudflare created. It runs asynchronously: follow it with `bulkJob` or `bulkJobProgress`.',
  fields: (t) => ({
    job: t.field({
      type: BulkJobRef,
      nullable: false,
      description: 'The job as Cloudflare returned it at creation (a replay returns that same snapshot; query `bulkJob` for its current state).',
      resolve: (p) => p.job,
    }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

const CancelBulkJobPayloadRef = builder.objectRef<BulkJobPayload>('CancelBulkJobPayload').implement({
  description: 'The cancelled job; its record stays visible (use `deleteBulkJob` to remove it).',
  fields: (t) => ({
    job: t.field({ type: BulkJobRef, nullable: false, description: 'The job as Cloudflare returned it after cancelling.', resolve: (p) => p.job }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

interface DeletePayload {
  id: string;
  replayed: boolean;
}

const DeleteBulkJobPayloadRef = builder.objectRef<DeletePayload>('DeleteBulkJobPayload').implement({
  description: 'The job was deleted: it no longer appears in `bulkJob` or `bulkJobs`.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Id of the deleted job.' }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

const CreateBulkActionInput = builder.inputType('CreateBulkActionInput', {
  description: 'A bulk MOVE or RELEASE over every message matching a search (E12).',
  fields: (t) => ({
    action: t.field({ type: BulkAction.ref, required: true, description: 'MOVE (needs `destination`) or RELEASE (takes no destination).' }),
    searchParams: t.field({
      type: MessageFilterInput,
      required: true,
      description:
        'Which messages: the same fields as the `messages` search, plus `start`/`end`. It must contain at least one real criterion or an explicit `start` (safety rule, see `createBulkAction`). Cloudflare accepts all ten dispositions in bulk search params, but `MessageFilter.finalDisposition` offers the six the message search takes (reference §7.5); MALICIOUS_BEC, ENCRYPTED, EXTERNAL and UNKNOWN cannot be selected here.',
    }),
    destination: t.field({ type: Destination.ref, description: 'Destination folder; required for MOVE, refused for RELEASE.' }),
    expectedDisposition: t.field({ type: Disposition.ref, description: 'Disposition the messages are expected to have (MOVE only; passed through to Cloudflare).' }),
    comment: t.string({ description: 'Free-text comment stored with the job (at most 1,000 characters).' }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

const BulkJobIdInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => ({
      id: t.id({ required: true, description: 'Job id.' }),
      accountId: t.string(accountIdArgOptions),
      idempotencyKey: t.string(idempotencyKeyField),
    }),
  });
const CancelBulkJobInput = BulkJobIdInput('CancelBulkJobInput', 'The running job to cancel (E16).');
const DeleteBulkJobInput = BulkJobIdInput('DeleteBulkJobInput', 'The finished job to delete (E15).');

type MessageFilter = typeof MessageFilterInput.$inferInput;

/** MessageFilter fields that narrow the selection. `metric` (undocumented) and `submissions` (a datastore switch) do not. */
const CRITERIA = ['query', 'sender', 'recipient', 'domain', 'subject', 'exactSubject', 'finalDisposition', 'messageAction', 'deliveryStatus', 'alertId', 'messageId', 'smtpHeloIp'] as const;
const MAX_COMMENT = 1000;

/**
 * E12 accepts `search_params: {}` (§3 E12) — a job over every message of the account. The gateway
 * refuses that: a forgotten filter would move (or release!) the whole mailbox. A criterion, or an
 * explicit window start, shows the caller chose the scope. All checks run before any upstream call.
 */
function checkCreateInput(input: typeof CreateBulkActionInput.$inferInput, now = new Date()): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const filter: MessageFilter = input.searchParams;
  if (input.action === 'MOVE' && !input.destination) {
    // The schema lets MOVE omit it (§7.10), but a move needs a folder; Cloudflare would 400 anyway.
    issues.push({ path: ['input', 'destination'], message: 'is required when action is MOVE' });
  }
  if (input.action === 'RELEASE' && input.destination) {
    issues.push({ path: ['input', 'destination'], message: 'must not be set when action is RELEASE (a release delivers to the original mailbox)' });
  }
  if (input.action === 'RELEASE' && input.expectedDisposition) {
    issues.push({ path: ['input', 'expectedDisposition'], message: 'applies to MOVE only (RELEASE action_params have no expected_disposition, §2.3)' });
  }
  for (const key of CRITERIA) {
    const value = filter[key];
    if (typeof value === 'string' && value.trim() === '') issues.push({ path: ['input', 'searchParams', key], message: 'must not be blank (omit it instead)' });
  }
  for (const [key, message] of oversizedFilterFields(filter)) issues.push({ path: ['input', 'searchParams', key], message });
  const hasCriterion =
    CRITERIA.some((key) => {
      const value = filter[key];
      return typeof value === 'string' ? value.trim() !== '' : value != null;
    }) || filter.detectionsOnly === true;
  if (!hasCriterion && !filter.start) {
    issues.push({
      path: ['input', 'searchParams'],
      message:
        'must contain at least one search criterion (query, sender, recipient, domain, subject, exactSubject, finalDisposition, messageAction, deliveryStatus, alertId, messageId, smtpHeloIp or detectionsOnly: true) or an explicit start; an empty search would act on every message of the account',
    });
  }
  if (filter.start && filter.start.getTime() > now.getTime()) issues.push({ path: ['input', 'searchParams', 'start'], message: 'must not be in the future' });
  if (filter.start && filter.end && filter.start.getTime() > filter.end.getTime()) {
    issues.push({ path: ['input', 'searchParams', 'start'], message: 'must be before end' });
  }
  if (input.comment != null && input.comment.length > MAX_COMMENT) issues.push({ path: ['input', 'comment'], message: `must be at most ${MAX_COMMENT} characters` });
  return issues;
}

/** E12 `search_params`: E1's parameter names (shared with `messages`) plus the window as ISO strings. */
function toBulkSearchParams(filter: MessageFilter): Record<string, unknown> {
  const params: Record<string, unknown> = { ...filterToSearchParams(filter) };
  if (filter.start) params.start = filter.start.toISOString();
  if (filter.end) params.end = filter.end.toISOString();
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  return params;
}

function resultOf(error: unknown): string {
  const typed = toActionError(error);
  if (typed instanceof OutcomeUnknownError) return 'outcome-unknown';
  if (typed instanceof ConflictError || typed instanceof ValidationError) return 'refused';
  return 'failed';
}

function checkJobIdForAction(raw: string | number): string {
  const id = String(raw);
  const issue = jobIdIssue(id);
  if (issue) throw new ValidationError([{ path: ['input', 'id'], message: issue }]);
  return id;
}

/**
 * Audits a replayed result too (the first request wrote the real outcome): a replay is still someone
 * asking for the action.
 */
function auditReplay<T extends { replayed: boolean }>(context: GatewayContext, action: string, accountId: string, jobId: string, key: string | null | undefined, result: T): T {
  if (result.replayed) writeAudit(context, { action, accountId, result: 'replayed', outcomes: [{ id: jobId, outcome: 'REPLAYED' }], idempotencyKey: key });
  return result;
}

builder.mutationFields((t) => ({
  createBulkAction: t.field({
    type: CreateBulkActionPayloadRef,
    description:
      'Start a bulk MOVE or RELEASE of every message matching a search (E12); Cloudflare runs it asynchronously. Safety rule: `searchParams` must hold at least one real criterion or an explicit `start` — an empty search would act on the whole mailbox, so it is refused with a ValidationError. MOVE requires `destination`; RELEASE refuses one. Never retried automatically (a POST); pass `idempotencyKey` to retry safely. Requires `email-security:write`.',
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'CreateBulkActionResult', description: 'The created job, or why none was created.' } },
    args: { input: t.arg({ type: CreateBulkActionInput, required: true, description: 'The action, the search and the options.' }) },
    resolve: (_root, { input }, context) =>
      asAction(async () => {
        const accountId = resolveAccountIdForAction(context, input.accountId);
        const issues = checkCreateInput(input);
        if (issues.length) {
          writeAudit(context, { action: 'createBulkAction', accountId, result: 'refused', outcomes: [], idempotencyKey: input.idempotencyKey, details: { reason: 'validation', issues } });
          throw new ValidationError(issues);
        }
        const searchParams = toBulkSearchParams(input.searchParams);
        const details = { bulkAction: input.action, destination: input.destination ?? null, searchParams, comment: input.comment ?? null };
        const result = await runIdempotent(context, 'createBulkAction', input.idempotencyKey, { ...input, accountId }, async () => {
          let job: CfBulkJob;
          try {
            job = await context.client.emailSecurity.investigate.bulk.create(accountId, {
              action: input.action,
              search_params: searchParams,
              ...(input.comment != null ? { comment: input.comment } : {}),
              ...(input.destination ? { destination: input.destination } : {}),
              ...(input.expectedDisposition ? { expected_disposition: input.expectedDisposition } : {}),
            });
          } catch (error) {
            writeAudit(context, { action: 'createBulkAction', accountId, result: resultOf(error), outcomes: [], idempotencyKey: input.idempotencyKey, details });
            throw error;
          } finally {
            // The job will move or release messages the cache may hold: searches and states go stale.
            await context.services.cache?.invalidateMessages(accountId, []);
          }
          writeAudit(context, {
            action: 'createBulkAction',
            accountId,
            result: 'applied',
            outcomes: [{ id: job.job_id, outcome: job.status }],
            idempotencyKey: input.idempotencyKey,
            details,
          });
          return { job: { ...job, accountId }, replayed: false };
        });
        return auditReplay(context, 'createBulkAction', accountId, result.job.job_id, input.idempotencyKey, result);
      }),
  }),
  cancelBulkJob: t.field({
    type: CancelBulkJobPayloadRef,
    description:
      'Cancel a running bulk job (E16): messages not yet processed are left alone; the job record stays. A job that already finished is a ConflictError. Requires `email-security:write`.',
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'CancelBulkJobResult', description: 'The cancelled job, or a typed error.' } },
    args: { input: t.arg({ type: CancelBulkJobInput, required: true, description: 'The job to cancel.' }) },
    resolve: (_root, { input }, context) =>
      asAction(async () => {
        const accountId = resolveAccountIdForAction(context, input.accountId);
        const id = checkJobIdForAction(input.id);
        const result = await runIdempotent(context, 'cancelBulkJob', input.idempotencyKey, { ...input, id, accountId }, async () => {
          let job: CfBulkJob;
          try {
            // Cloudflare answers 409 for a terminal job; toActionError maps it to ConflictError.
            job = await context.client.emailSecurity.investigate.bulk.cancel.create(accountId, id);
          } catch (error) {
            writeAudit(context, { action: 'cancelBulkJob', accountId, result: resultOf(error), outcomes: [{ id, outcome: resultOf(error), reason: (error as Error).message }], idempotencyKey: input.idempotencyKey });
            throw error;
          }
          writeAudit(context, {
            action: 'cancelBulkJob',
            accountId,
            result: 'applied',
            outcomes: [{ id, outcome: job.status }],
            idempotencyKey: input.idempotencyKey,
            details: { messagesCancelled: job.messages_cancelled ?? null, messagesSuccessful: job.messages_successful },
          });
          return { job: { ...job, accountId }, replayed: false };
        });
        return auditReplay(context, 'cancelBulkJob', accountId, id, input.idempotencyKey, result);
      }),
  }),
  deleteBulkJob: t.field({
    type: DeleteBulkJobPayloadRef,
    description:
      'Delete a finished bulk job (E15) so it disappears from every list. Only terminal jobs (COMPLETED, FAILED, CANCELLED, SKIPPED) can be deleted: the gateway reads the job first (E14) and refuses a running one with a ConflictError without sending the DELETE — cancel it first. Requires `email-security:write`.',
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'DeleteBulkJobResult', description: 'The deleted job id, or a typed error.' } },
    args: { input: t.arg({ type: DeleteBulkJobInput, required: true, description: 'The job to delete.' }) },
    resolve: (_root, { input }, context) =>
      asAction(async () => {
        const accountId = resolveAccountIdForAction(context, input.accountId);
        const id = checkJobIdForAction(input.id);
        const result = await runIdempotent(context, 'deleteBulkJob', input.idempotencyKey, { ...input, id, accountId }, async () => {
          const bulk = context.client.emailSecurity.investigate.bulk;
          try {
            // Why read first: E15's terminal-only rule (§3 E15) is documented, not guaranteed. A DELETE
            // is irreversible and a running job's record is the only handle to watch or cancel the
            // mail it is still moving; a safe, retryable GET costs less than risking that. Cloudflare's
            // own 409 (the job changed in between is impossible: terminal states are final) is still
            // mapped to ConflictError below.
            const current = await bulk.get(accountId, id);
            if (!isTerminalJob(current)) {
              throw new ConflictError(`Bulk job ${id} is ${current.status}; only COMPLETED, FAILED, CANCELLED or SKIPPED jobs can be deleted (cancel it first)`);
            }
            await bulk.delete(accountId, id);
          } catch (error) {
            writeAudit(context, { action: 'deleteBulkJob', accountId, result: resultOf(error), outcomes: [{ id, outcome: resultOf(error), reason: (error as Error).message }], idempotencyKey: input.idempotencyKey });
            throw error;
          }
          writeAudit(context, { action: 'deleteBulkJob', accountId, result: 'applied', outcomes: [{ id, outcome: 'DELETED' }], idempotencyKey: input.idempotencyKey });
          return { id, replayed: false };
        });
        return auditReplay(context, 'deleteBulkJob', accountId, id, input.idempotencyKey, result);
      }),
  }),
}));

// ───────────────────────────── subscription ─────────────────────────────

/** Poll schedule of `bulkJobProgress`: 250 ms, ×1.5 per poll, at most 2 s between polls. */
export const PROGRESS_POLL_START_MS = 250;
export const PROGRESS_POLL_FACTOR = 1.5;
export const PROGRESS_POLL_MAX_MS = 2000;
/** A subscription ends after this long even if the job is still running (re-subscribe to go on). */
export const PROGRESS_MAX_LIFETIME_MS = 30 * 60 * 1000;

type ProgressEvent = BulkJobShape | GraphQLError | Error;

/**
 * Polls E14 and yields the job whenever it changed, until it is terminal. Cloudflare has no push for
 * bulk jobs, so polling is the only source; the growing interval keeps one subscriber at ≤ 1 call per
 * 2 s (≈150 of Cloudflare's 1,200 calls per 5 minutes, reference §1.6) however long the job runs.
 * Errors are yielded, not thrown: `resolve` turns them into a GraphQL error event and the stream then
 * completes cleanly (a thrown iterator error would only abort the SSE body).
 */
async function* watchJob(context: GatewayContext, accountId: string, id: string): AsyncGenerator<ProgressEvent> {
  // The client's disconnect (request signal) or the lifetime bound stops the sleeps and the loop.
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(PROGRESS_MAX_LIFETIME_MS)]);
  let delay = PROGRESS_POLL_START_MS;
  let last: string | null = null;
  while (!signal.aborted) {
    let job: CfBulkJob;
    try {
      job = await context.client.emailSecurity.investigate.bulk.get(accountId, id);
    } catch (error) {
      if (signal.aborted) return;
      if (isNotFound(error)) {
        yield gatewayError('NOT_FOUND', `Bulk job ${id} not found (never created, or deleted)`);
        return;
      }
      yield error as Error;
      return;
    }
    if (signal.aborted) return;
    const fingerprint = JSON.stringify(job);
    if (fingerprint !== last) {
      last = fingerprint;
      yield { ...job, accountId };
    }
    if (isTerminalJob(job)) return;
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      return;
    }
    delay = Math.min(PROGRESS_POLL_MAX_MS, delay * PROGRESS_POLL_FACTOR);
  }
}

builder.subscriptionFields((t) => ({
  bulkJobProgress: t.field({
    type: BulkJobRef,
    nullable: false,
    description: `Follow a bulk job until it finishes, over server-sent events (send \`accept: text/event-stream\`). The gateway polls E14 (first at once, then every ${PROGRESS_POLL_START_MS} ms growing ×${PROGRESS_POLL_FACTOR} to at most ${PROGRESS_POLL_MAX_MS / 1000} s), emits the job only when it changed, and completes the stream after emitting a terminal state (COMPLETED, FAILED, CANCELLED, SKIPPED, or an unknown status with \`completedAt\`). An unknown job ends the stream with a NOT_FOUND error. Polling stops when the client disconnects. The stream ends after ${PROGRESS_MAX_LIFETIME_MS / 60_000} minutes even if the job still runs: re-subscribe when the last event has \`isTerminal: false\`.`,
    args: {
      id: t.arg.id({ required: true, description: 'Job id.' }),
      accountId: t.arg.string(accountIdArgOptions),
    },
    subscribe: (_root, args, context) => {
      // Validated before the stream starts: a bad id or account is a plain error response, no call.
      const accountId = resolveAccountId(context, args.accountId);
      const id = String(args.id);
      const issue = jobIdIssue(id);
      if (issue) throw badUserInput(`\`id\` ${issue}`, ['id']);
      return watchJob(context, accountId, id);
    },
    resolve: (event) => {
      if (event instanceof Error) throw event;
      return event;
    },
  }),
}));
