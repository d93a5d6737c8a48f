/**
 * Bulk job mutations (E12 create, E16 cancel, E15 delete): types, input schemas and the upstream
 * calls; the pipeline (../mutation.ts) does validation, scope, idempotency, outcome and audit.
 */
import { z } from 'zod';
import { accountIdArgOptions } from '../account.js';
import { builder, cloudflareCalls } from '../builder.js';
import { BulkAction, Destination, Disposition } from '../enums.js';
import { ConflictError } from '../errors.js';
import { defineMutation, idempotencyKeyField } from '../mutation.js';
import { accountIdFor, jobIdSchema } from '../validation.js';
import { filterToSearchParams, MessageFilterInput, oversizedFilterFields } from '../message/filter.js';
import { type BulkJobShape, BulkJobRef, isTerminalJob } from './types.js';

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
      description:
        'The job as Cloudflare returned it at creation (a replay returns that same snapshot; query `bulkJob` for its current state).',
      resolve: (p) => p.job,
    }),
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: 'True when this is the stored result of an earlier request with the same idempotency key.',
    }),
  }),
});

const CancelBulkJobPayloadRef = builder.objectRef<BulkJobPayload>('CancelBulkJobPayload').implement({
  description: 'The cancelled job; its record stays visible (use `deleteBulkJob` to remove it).',
  fields: (t) => ({
    job: t.field({
      type: BulkJobRef,
      nullable: false,
      description: 'The job as Cloudflare returned it after cancelling.',
      resolve: (p) => p.job,
    }),
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: 'True when this is the stored result of an earlier request with the same idempotency key.',
    }),
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
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: 'True when this is the stored result of an earlier request with the same idempotency key.',
    }),
  }),
});

const CreateBulkActionInput = builder.inputType('CreateBulkActionInput', {
  description: 'A bulk MOVE or RELEASE over every message matching a search (E12).',
  fields: (t) => ({
    action: t.field({
      type: BulkAction.ref,
      required: true,
      description: 'MOVE (needs `destination`) or RELEASE (takes no destination).',
    }),
    searchParams: t.field({
      type: MessageFilterInput,
      required: true,
      description:
        'Which messages: the same fields as the `messages` search, plus `start`/`end`. It must contain at least one real criterion or an explicit `start` (safety rule, see `createBulkAction`). Cloudflare accepts all ten dispositions in bulk search params, but `MessageFilter.finalDisposition` offers the six the message search takes; MALICIOUS_BEC, ENCRYPTED, EXTERNAL and UNKNOWN cannot be selected here.',
    }),
    destination: t.field({
      type: Destination.ref,
      description: 'Destination folder; required for MOVE, refused for RELEASE.',
    }),
    expectedDisposition: t.field({
      type: Disposition.ref,
      description: 'Disposition the messages are expected to have (MOVE only; passed through to Cloudflare).',
    }),
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
const CRITERIA = [
  'query',
  'sender',
  'recipient',
  'domain',
  'subject',
  'exactSubject',
  'finalDisposition',
  'messageAction',
  'deliveryStatus',
  'alertId',
  'messageId',
  'smtpHeloIp',
] as const;
const MAX_COMMENT = 1000;

/**
 * E12 accepts `search_params: {}` (E12, contract#bulk-jobs) — a job over every message of the account. The gateway
 * refuses that: a forgotten filter would move (or release!) the whole mailbox. A criterion, or an
 * explicit window start, shows the caller chose the scope. All checks run before any upstream call.
 */
function checkCreateInput(
  input: typeof CreateBulkActionInput.$inferInput,
  issue: (path: string[], message: string) => void,
  now = new Date(),
): void {
  const filter: MessageFilter = input.searchParams;
  if (input.action === 'MOVE' && !input.destination) {
    // The schema lets MOVE omit it (contract#bulk-jobs), but a move needs a folder; Cloudflare would 400 anyway.
    issue(['destination'], 'is required when action is MOVE');
  }
  if (input.action === 'RELEASE' && input.destination) {
    issue(['destination'], 'must not be set when action is RELEASE (a release delivers to the original mailbox)');
  }
  if (input.action === 'RELEASE' && input.expectedDisposition) {
    issue(['expectedDisposition'], 'applies to MOVE only (RELEASE action_params have no expected_disposition)');
  }
  for (const key of CRITERIA) {
    const value = filter[key];
    if (typeof value === 'string' && value.trim() === '')
      issue(['searchParams', key], 'must not be blank (omit it instead)');
  }
  for (const [key, message] of oversizedFilterFields(filter)) issue(['searchParams', key], message);
  const hasCriterion =
    CRITERIA.some((key) => {
      const value = filter[key];
      return typeof value === 'string' ? value.trim() !== '' : value != null;
    }) || filter.detectionsOnly === true;
  if (!hasCriterion && !filter.start) {
    issue(
      ['searchParams'],
      'must contain at least one search criterion (query, sender, recipient, domain, subject, exactSubject, finalDisposition, messageAction, deliveryStatus, alertId, messageId, smtpHeloIp or detectionsOnly: true) or an explicit start; an empty search would act on every message of the account',
    );
  }
  if (filter.start && filter.start.getTime() > now.getTime())
    issue(['searchParams', 'start'], 'must not be in the future');
  if (filter.start && filter.end && filter.start.getTime() > filter.end.getTime()) {
    issue(['searchParams', 'start'], 'must be before end');
  }
  if (input.comment != null && input.comment.length > MAX_COMMENT)
    issue(['comment'], `must be at most ${MAX_COMMENT} characters`);
}

/** E12 `search_params`: E1's parameter names (shared with `messages`) plus the window as ISO strings. */
function toBulkSearchParams(filter: MessageFilter): Record<string, unknown> {
  const params: Record<string, unknown> = { ...filterToSearchParams(filter) };
  if (filter.start) params.start = filter.start.toISOString();
  if (filter.end) params.end = filter.end.toISOString();
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  return params;
}

type CreateInput = typeof CreateBulkActionInput.$inferInput;

defineMutation('createBulkAction', {
  directives: cloudflareCalls(1),
  description:
    'Start a bulk MOVE or RELEASE of every message matching a search (E12); Cloudflare runs it asynchronously. Safety rule: `searchParams` must hold at least one real criterion or an explicit `start` — an empty search would act on the whole mailbox, so it is refused with a ValidationError. MOVE requires `destination`; RELEASE refuses one. Never retried automatically (a POST); pass `idempotencyKey` to retry safely. Requires `email-security:write`.',
  input: CreateBulkActionInput,
  inputDescription: 'The action, the search and the options.',
  payload: CreateBulkActionPayloadRef,
  result: { name: 'CreateBulkActionResult', description: 'The created job, or why none was created.' },
  schema: (context) =>
    z
      .object({
        accountId: accountIdFor(context),
        action: z.string(),
        searchParams: z.record(z.string(), z.unknown()),
        destination: z.string().nullish(),
        expectedDisposition: z.string().nullish(),
        comment: z.string().nullish(),
      })
      .transform((input, ctx) => {
        checkCreateInput(input as CreateInput, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
        return { ...input, searchParams: toBulkSearchParams(input.searchParams as MessageFilter) };
      }),
  target: (input) => ({
    accountId: input.accountId,
    ids: [],
    details: {
      bulkAction: input.action,
      destination: input.destination ?? null,
      searchParams: input.searchParams,
      comment: input.comment ?? null,
    },
  }),
  run: async (context, input) => {
    const job = await context.client.emailSecurity.investigate.bulk.create(input.accountId, {
      action: input.action,
      search_params: input.searchParams,
      ...(input.comment != null ? { comment: input.comment } : {}),
      ...(input.destination ? { destination: input.destination } : {}),
      ...(input.expectedDisposition ? { expected_disposition: input.expectedDisposition } : {}),
    });
    return { job: { ...job, accountId: input.accountId }, replayed: false };
  },
  audit: ({ job }) => ({ result: 'applied', outcomes: [{ id: job.job_id, outcome: job.status }] }),
});

const jobInputSchema = (context: Parameters<typeof accountIdFor>[0]) =>
  z.object({ id: jobIdSchema, accountId: accountIdFor(context) });

defineMutation('cancelBulkJob', {
  directives: cloudflareCalls(1),
  description:
    'Cancel a running bulk job (E16): messages not yet processed are left alone; the job record stays. A job that already finished is a ConflictError. Requires `email-security:write`.',
  input: CancelBulkJobInput,
  inputDescription: 'The job to cancel.',
  payload: CancelBulkJobPayloadRef,
  result: { name: 'CancelBulkJobResult', description: 'The cancelled job, or a typed error.' },
  schema: jobInputSchema,
  target: (input) => ({ accountId: input.accountId, ids: [input.id] }),
  // Cloudflare answers 409 for a terminal job: a ConflictError.
  run: async (context, { accountId, id }) => ({
    job: { ...(await context.client.emailSecurity.investigate.bulk.cancel.create(accountId, id)), accountId },
    replayed: false,
  }),
  audit: ({ job }) => ({
    result: 'applied',
    outcomes: [{ id: job.job_id, outcome: job.status }],
    details: { messagesCancelled: job.messages_cancelled ?? null, messagesSuccessful: job.messages_successful },
  }),
});

defineMutation('deleteBulkJob', {
  // The read that checks the job is terminal (E14), then the DELETE (E15).
  directives: cloudflareCalls(2),
  description:
    'Delete a finished bulk job (E15) so it disappears from every list. Only terminal jobs (COMPLETED, FAILED, CANCELLED, SKIPPED) can be deleted: the gateway reads the job first (E14) and refuses a running one with a ConflictError without sending the DELETE — cancel it first. Requires `email-security:write`.',
  input: DeleteBulkJobInput,
  inputDescription: 'The job to delete.',
  payload: DeleteBulkJobPayloadRef,
  result: { name: 'DeleteBulkJobResult', description: 'The deleted job id, or a typed error.' },
  schema: jobInputSchema,
  target: (input) => ({ accountId: input.accountId, ids: [input.id] }),
  run: async (context, { accountId, id }) => {
    const bulk = context.client.emailSecurity.investigate.bulk;
    // Why read first: E15's terminal-only rule (E15, contract#bulk-jobs) is documented, not guaranteed. A DELETE is
    // irreversible and a running job's record is the only handle to watch or cancel the mail it is
    // still moving; a safe, retryable GET costs less than risking that. Cloudflare's own 409 is still
    // a ConflictError.
    const current = await bulk.get(accountId, id);
    if (!isTerminalJob(current)) {
      throw new ConflictError(
        `Bulk job ${id} is ${current.status}; only COMPLETED, FAILED, CANCELLED or SKIPPED jobs can be deleted (cancel it first)`,
      );
    }
    await bulk.delete(accountId, id);
    return { id, replayed: false };
  },
  audit: ({ id }) => ({ result: 'applied', outcomes: [{ id, outcome: 'DELETED' }] }),
});
