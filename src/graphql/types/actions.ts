import { writeAudit } from '../../audit.js';
import type { GatewayContext } from '../../context.js';
import { clearMessage } from '../../loaders.js';
import { encodePathParam } from '../../upstream/http.js';
import type { CfMoveResult, CfReleaseResult } from '../../upstream/schemas.js';
import { ConflictError, OutcomeUnknownError, ValidationError, type ValidationIssue } from '../action-errors.js';
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { builder } from '../builder.js';
import { Destination, Disposition, ReclassifyDisposition } from '../enums.js';
import { idempotencyKeyField, runIdempotent } from '../idempotent.js';
import { actionErrorTypes, asAuditedAction, toActionError } from '../results.js';
import { loadMessage, MessageRef } from './message.js';

/** Seed 001: "Maximum batch size: 1000 messages per request" for E9 (reference §3 E9, §6). */
export const MOVE_BATCH_LIMIT = 1000;
/** E11 documents no limit; the gateway applies the same 1,000 so one huge request cannot time out as a whole. */
export const RELEASE_BATCH_LIMIT = 1000;
/** Upper bound on ids per mutation: each chunk is one Cloudflare call out of a 1,200 / 5 min budget. */
export const MAX_IDS_PER_ACTION = 10_000;


/** Validates message ids before any upstream call: path-safe, no duplicates, within the limits. */
function checkIds(ids: readonly (string | number)[], path: string[]): string[] {
  const issues: ValidationIssue[] = [];
  if (ids.length === 0) issues.push({ path, message: 'must contain at least one id' });
  if (ids.length > MAX_IDS_PER_ACTION) issues.push({ path, message: `must contain at most ${MAX_IDS_PER_ACTION} ids` });
  const seen = new Set<string>();
  ids.forEach((raw, index) => {
    const id = String(raw);
    try {
      encodePathParam(null, 'id', id);
    } catch (error) {
      issues.push({ path: [...path, String(index)], message: (error as Error).message });
    }
    if (id.length > 256) issues.push({ path: [...path, String(index)], message: 'is longer than 256 characters' });
    if (seen.has(id)) issues.push({ path: [...path, String(index)], message: `duplicate id ${JSON.stringify(id)}` });
    seen.add(id);
  });
  if (issues.length) throw new ValidationError(issues.slice(0, 20));
  return [...seen];
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** Fresh reads: the touched messages are dropped from this request's loaders and the shared cache before the payload resolves. */
async function forget(context: GatewayContext, accountId: string, ids: string[]) {
  for (const id of ids) clearMessage(context.loaders, { accountId, id });
  await context.services.cache?.invalidateMessages(accountId, ids);
}

// ───────────────────────────── move ─────────────────────────────

const MoveStatus = builder.enumType('MoveStatus', {
  description: 'What happened to one message of a move.',
  values: {
    MOVED: { description: 'Moved for every recipient.' },
    PARTIAL: { description: 'Moved for some recipients only.' },
    FAILED: { description: 'Cloudflare reported the move failed; nothing changed.' },
    NOT_FOUND: { description: 'Cloudflare does not know the message.' },
    OUTCOME_UNKNOWN: { description: 'The request failed after it was sent: it may have been applied. Check before retrying.' },
  } as const,
});
type MoveStatusValue = typeof MoveStatus.$inferType;

interface RecipientMove {
  recipient: string | null;
  success: boolean;
  status: string | null;
  destination: string | null;
  completedAt: string | null;
}

interface MoveOutcome {
  id: string;
  accountId: string;
  status: MoveStatusValue;
  reason: string | null;
  recipients: RecipientMove[];
}

interface MovePayload {
  accountId: string;
  destination: string;
  outcomes: MoveOutcome[];
  replayed: boolean;
}

const RecipientMoveRef = builder.objectRef<RecipientMove>('RecipientMoveResult').implement({
  description: 'Move result for one recipient mailbox (Cloudflare MoveResult).',
  fields: (t) => ({
    recipient: t.exposeString('recipient', { description: 'Recipient mailbox.' }),
    success: t.exposeBoolean('success', { nullable: false, description: 'Whether the move succeeded for this mailbox.' }),
    status: t.exposeString('status', { description: 'Status text from Cloudflare.' }),
    destination: t.exposeString('destination', { description: 'Destination folder (Cloudflare spelling).' }),
    completedAt: t.field({ type: 'DateTime', description: 'When it completed.', resolve: (r) => r.completedAt }),
  }),
});

const MoveOutcomeRef = builder.objectRef<MoveOutcome>('MoveOutcome').implement({
  description: 'The outcome of a move for one message.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Investigate id.' }),
    status: t.field({ type: MoveStatus, nullable: false, description: 'What happened.', resolve: (o) => o.status }),
    reason: t.exposeString('reason', { description: 'Why it failed, when it did.' }),
    recipients: t.field({ type: [RecipientMoveRef], nullable: false, description: 'Per-recipient results.', resolve: (o) => o.recipients }),
    message: t.field({
      type: MessageRef,
      description: 'The message as Cloudflare shows it now (read fresh after the move).',
      resolve: (o, _a, c) => loadMessage(c, { accountId: o.accountId, id: o.id }),
    }),
  }),
});

const MovePayloadRef = builder.objectRef<MovePayload>('MoveMessagesPayload').implement({
  description: 'One outcome per requested id, aggregated across Cloudflare batches.',
  fields: (t) => ({
    outcomes: t.field({ type: [MoveOutcomeRef], nullable: false, description: 'One entry per requested id, in request order.', resolve: (p) => p.outcomes }),
    movedCount: t.int({ nullable: false, description: 'Messages moved for every recipient.', resolve: (p) => p.outcomes.filter((o) => o.status === 'MOVED').length }),
    failedCount: t.int({
      nullable: false,
      description: 'Messages not (fully) moved: FAILED, PARTIAL, NOT_FOUND or OUTCOME_UNKNOWN.',
      resolve: (p) => p.outcomes.filter((o) => o.status !== 'MOVED').length,
    }),
    destination: t.field({ type: Destination.ref, nullable: false, description: 'Where the messages were moved.', resolve: (p) => p.destination as never }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

/** Groups Cloudflare's per-recipient MoveResults by message (E8/E9 answer one row per mailbox). */
function moveOutcomes(accountId: string, ids: string[], results: CfMoveResult[]): MoveOutcome[] {
  const byId = new Map<string, CfMoveResult[]>();
  for (const result of results) {
    const key = result.message_id ?? '';
    byId.set(key, [...(byId.get(key) ?? []), result]);
  }
  return ids.map((id) => {
    const rows = byId.get(id) ?? (ids.length === 1 ? results : []);
    const recipients = rows.map((row) => ({
      recipient: row.recipient ?? null,
      success: row.success,
      status: row.status ?? null,
      destination: row.destination ?? null,
      completedAt: row.completed_at ?? row.completed_timestamp ?? null,
    }));
    if (rows.length === 0) return { id, accountId, status: 'FAILED' as const, reason: 'Cloudflare returned no result for this message', recipients };
    if (rows.every((row) => row.status === 'not_found')) return { id, accountId, status: 'NOT_FOUND' as const, reason: 'Cloudflare does not know this message', recipients };
    const succeeded = rows.filter((row) => row.success).length;
    if (succeeded === rows.length) return { id, accountId, status: 'MOVED' as const, reason: null, recipients };
    const reason = rows.find((row) => !row.success)?.status ?? 'move failed';
    return { id, accountId, status: succeeded > 0 ? ('PARTIAL' as const) : ('FAILED' as const), reason, recipients };
  });
}

/** Outcome for every id of a batch that failed as a whole. */
function batchFailure(accountId: string, ids: string[], error: unknown): MoveOutcome[] {
  const typed = toActionError(error);
  const status: MoveStatusValue = typed instanceof OutcomeUnknownError ? 'OUTCOME_UNKNOWN' : 'FAILED';
  const reason = typed instanceof Error ? `${(typed as { code?: string }).code ?? 'ERROR'}: ${typed.message}` : 'failed';
  return ids.map((id) => ({ id, accountId, status, reason, recipients: [] }));
}

const MoveMessagesInput = builder.inputType('MoveMessagesInput', {
  description: 'Messages to move and where.',
  fields: (t) => ({
    ids: t.idList({ required: true, description: `Investigate ids (1–${MAX_IDS_PER_ACTION}). Sent in batches of ${MOVE_BATCH_LIMIT}.` }),
    destination: t.field({ type: Destination.ref, required: true, description: 'Destination folder.' }),
    expectedDisposition: t.field({
      type: Disposition.ref,
      description: 'Disposition the caller expects the messages to have (Cloudflare marks it nonfunctional in SDK 7.3.0; passed through).',
    }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

// ───────────────────────────── release ─────────────────────────────

const ReleaseStatus = builder.enumType('ReleaseStatus', {
  description: 'What happened to one message of a release.',
  values: {
    RELEASED: { description: 'Delivered to every recipient.' },
    PARTIAL: { description: 'Delivered to some recipients; see `failed` / `undelivered`.' },
    NOT_RELEASED: { description: 'Nothing was delivered (for example, the message was not in quarantine).' },
    FAILED: { description: 'The release failed; nothing was delivered.' },
    OUTCOME_UNKNOWN: { description: 'The request failed after it was sent: it may have been applied. Check before retrying.' },
  } as const,
});
type ReleaseStatusValue = typeof ReleaseStatus.$inferType;

interface ReleaseOutcome {
  id: string;
  accountId: string;
  status: ReleaseStatusValue;
  reason: string | null;
  delivered: string[];
  failed: string[];
  undelivered: string[];
}

interface ReleasePayload {
  outcomes: ReleaseOutcome[];
  replayed: boolean;
}

const ReleaseOutcomeRef = builder.objectRef<ReleaseOutcome>('ReleaseOutcome').implement({
  description: 'The outcome of a release for one message, per recipient (Cloudflare ReleaseResult).',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Investigate id.' }),
    status: t.field({ type: ReleaseStatus, nullable: false, description: 'What happened.', resolve: (o) => o.status }),
    reason: t.exposeString('reason', { description: 'Why it was not released, when it was not.' }),
    delivered: t.exposeStringList('delivered', { nullable: false, description: 'Recipients it was delivered to.' }),
    failed: t.exposeStringList('failed', { nullable: false, description: 'Recipients delivery failed for.' }),
    undelivered: t.exposeStringList('undelivered', { nullable: false, description: 'Recipients it was not delivered to.' }),
    message: t.field({
      type: MessageRef,
      description: 'The message as Cloudflare shows it now (read fresh after the release).',
      resolve: (o, _a, c) => loadMessage(c, { accountId: o.accountId, id: o.id }),
    }),
  }),
});

const ReleasePayloadRef = builder.objectRef<ReleasePayload>('ReleaseMessagesPayload').implement({
  description: 'One outcome per requested id.',
  fields: (t) => ({
    outcomes: t.field({ type: [ReleaseOutcomeRef], nullable: false, description: 'One entry per requested id, in request order.', resolve: (p) => p.outcomes }),
    releasedCount: t.int({ nullable: false, description: 'Messages delivered to every recipient.', resolve: (p) => p.outcomes.filter((o) => o.status === 'RELEASED').length }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

function releaseOutcome(accountId: string, id: string, result: CfReleaseResult | undefined): ReleaseOutcome {
  const delivered = result?.delivered ?? [];
  const failed = result?.failed ?? [];
  const undelivered = result?.undelivered ?? [];
  if (!result) return { id, accountId, status: 'FAILED', reason: 'Cloudflare returned no result for this message', delivered, failed, undelivered };
  const status: ReleaseStatusValue =
    delivered.length > 0 && failed.length === 0 && undelivered.length === 0
      ? 'RELEASED'
      : delivered.length > 0
        ? 'PARTIAL'
        : failed.length > 0
          ? 'FAILED'
          : 'NOT_RELEASED';
  const reason = status === 'RELEASED' ? null : status === 'NOT_RELEASED' ? 'Nothing was delivered (is the message in quarantine?)' : 'Delivery failed for some recipients';
  return { id, accountId, status, reason, delivered, failed, undelivered };
}

const ReleaseMessagesInput = builder.inputType('ReleaseMessagesInput', {
  description: 'Quarantined messages to release to their recipients.',
  fields: (t) => ({
    ids: t.idList({ required: true, description: `Investigate ids (1–${MAX_IDS_PER_ACTION}).` }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

// ───────────────────────────── reclassify ─────────────────────────────

interface ReclassifyPayload {
  id: string;
  accountId: string;
  expectedDisposition: string;
  replayed: boolean;
}

const ReclassifyPayloadRef = builder.objectRef<ReclassifyPayload>('ReclassifyMessagePayload').implement({
  description: 'The reclassification was accepted; Cloudflare processes it asynchronously.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Investigate id.' }),
    expectedDisposition: t.field({
      type: ReclassifyDisposition.ref,
      nullable: false,
      description: 'The disposition reported.',
      resolve: (p) => p.expectedDisposition as never,
    }),
    updatedMessage: t.field({
      type: MessageRef,
      description: 'The message as Cloudflare shows it now (its action log records the reclassification). Not named `message`, which every error type uses for its text.',
      resolve: (p, _a, c) => loadMessage(c, { accountId: p.accountId, id: p.id }),
    }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

const ReclassifyMessageInput = builder.inputType('ReclassifyMessageInput', {
  description: 'Report a false positive or false negative (E10).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Investigate id.' }),
    expectedDisposition: t.field({ type: ReclassifyDisposition.ref, required: true, description: 'The disposition the message should have had.' }),
    emlContent: t.string({ description: 'Base64-encoded EML of the message (optional; never logged).' }),
    escalatedSubmissionId: t.string({ description: 'Id of an escalated submission this relates to.' }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// ───────────────────────────── mutations ─────────────────────────────

builder.mutationFields((t) => ({
  moveMessages: t.field({
    type: MovePayloadRef,
    description: `Move messages to a mailbox folder. One id uses E8; several use E9 in batches of ${MOVE_BATCH_LIMIT} (the documented limit). Reports one outcome per id; a failed batch does not hide the others. Requires \`email-security:write\`.`,
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'MoveMessagesResult', description: 'The move payload, or why nothing (or not everything) could be done.' } },
    args: { input: t.arg({ type: MoveMessagesInput, required: true, description: 'What to move and where.' }) },
    resolve: (_root, { input }, context) =>
      asAuditedAction(context, 'moveMessages', async () => {
        const accountId = resolveAccountIdForAction(context, input.accountId);
        const ids = checkIds(input.ids, ['input', 'ids']);
        return auditReplay(context, 'moveMessages', accountId, input.idempotencyKey, ids, await runIdempotent(context, 'moveMessages', input.idempotencyKey, { ...input, accountId }, async () => {
          const investigate = context.client.emailSecurity.investigate;
          const body = { destination: input.destination, ...(input.expectedDisposition ? { expected_disposition: input.expectedDisposition } : {}) };
          let outcomes: MoveOutcome[];
          if (ids.length === 1) {
            const [id] = ids as [string];
            // A single id that fails as a whole is a typed error result, not a per-id outcome.
            const results = await investigate.move.create(accountId, id, body).catch(async (error: unknown) => {
              await forget(context, accountId, ids);
              writeAudit(context, { action: 'moveMessages', accountId, result: auditResultOf(error), outcomes: [{ id, outcome: auditResultOf(error) }], idempotencyKey: input.idempotencyKey, details: { destination: input.destination } });
              throw error;
            });
            outcomes = moveOutcomes(accountId, ids, results);
          } else {
            outcomes = [];
            for (const batch of chunk(ids, MOVE_BATCH_LIMIT)) {
              // Sequential on purpose: each batch is one call from the shared budget, and a failure
              // must stay confined to its own batch.
              const batchOutcomes = await investigate.move
                .bulk(accountId, { ids: batch, ...body })
                .then((results) => moveOutcomes(accountId, batch, results))
                .catch((error: unknown) => batchFailure(accountId, batch, error));
              outcomes.push(...batchOutcomes);
            }
          }
          await forget(context, accountId, ids);
          writeAudit(context, {
            action: 'moveMessages',
            accountId,
            result: summarize(outcomes.map((o) => o.status), 'MOVED'),
            outcomes: outcomes.map((o) => ({ id: o.id, outcome: o.status, reason: o.reason })),
            idempotencyKey: input.idempotencyKey,
            details: { destination: input.destination, batches: Math.ceil(ids.length / MOVE_BATCH_LIMIT) },
          });
          return { accountId, destination: input.destination, outcomes, replayed: false };
        }));
      }),
  }),
  releaseMessages: t.field({
    type: ReleasePayloadRef,
    description: `Release quarantined messages to their recipients (E11, body \`{"ids": [...]}\` as in SDK 7.3.0). Reports delivered / failed / undelivered recipients per id. Requires \`email-security:write\`.`,
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'ReleaseMessagesResult', description: 'The release payload, or a typed error.' } },
    args: { input: t.arg({ type: ReleaseMessagesInput, required: true, description: 'What to release.' }) },
    resolve: (_root, { input }, context) =>
      asAuditedAction(context, 'releaseMessages', async () => {
        const accountId = resolveAccountIdForAction(context, input.accountId);
        const ids = checkIds(input.ids, ['input', 'ids']);
        return auditReplay(context, 'releaseMessages', accountId, input.idempotencyKey, ids, await runIdempotent(context, 'releaseMessages', input.idempotencyKey, { ...input, accountId }, async () => {
          const outcomes: ReleaseOutcome[] = [];
          const batches = chunk(ids, RELEASE_BATCH_LIMIT);
          for (const batch of batches) {
            try {
              const results = await context.client.emailSecurity.investigate.release.bulk(accountId, batch);
              const byId = new Map(results.map((result) => [result.id ?? result.postfix_id, result]));
              outcomes.push(...batch.map((id) => releaseOutcome(accountId, id, byId.get(id))));
            } catch (error) {
              if (batches.length === 1) {
                await forget(context, accountId, ids);
                writeAudit(context, { action: 'releaseMessages', accountId, result: auditResultOf(error), outcomes: batch.map((id) => ({ id, outcome: auditResultOf(error) })), idempotencyKey: input.idempotencyKey });
                throw error;
              }
              const typed = toActionError(error);
              const status: ReleaseStatusValue = typed instanceof OutcomeUnknownError ? 'OUTCOME_UNKNOWN' : 'FAILED';
              outcomes.push(...batch.map((id) => ({ id, accountId, status, reason: (typed as Error).message, delivered: [], failed: [], undelivered: [] })));
            }
          }
          await forget(context, accountId, ids);
          writeAudit(context, {
            action: 'releaseMessages',
            accountId,
            result: summarize(outcomes.map((o) => o.status), 'RELEASED'),
            outcomes: outcomes.map((o) => ({ id: o.id, outcome: o.status, reason: o.reason })),
            idempotencyKey: input.idempotencyKey,
          });
          return { outcomes, replayed: false };
        }));
      }),
  }),
  reclassifyMessage: t.field({
    type: ReclassifyPayloadRef,
    description: 'Report that a message should have had another disposition (E10); Cloudflare processes it asynchronously. Requires `email-security:write`.',
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'ReclassifyMessageResult', description: 'The reclassification payload, or a typed error.' } },
    args: { input: t.arg({ type: ReclassifyMessageInput, required: true, description: 'The message and its expected disposition.' }) },
    resolve: (_root, { input }, context) =>
      asAuditedAction(context, 'reclassifyMessage', async () => {
        const accountId = resolveAccountIdForAction(context, input.accountId);
        const [id] = checkIds([input.id], ['input', 'id']) as [string];
        if (input.emlContent != null && (input.emlContent.length === 0 || !BASE64.test(input.emlContent.replace(/\s+/g, '')))) {
          throw new ValidationError([{ path: ['input', 'emlContent'], message: 'must be base64-encoded EML' }]);
        }
        return auditReplay(context, 'reclassifyMessage', accountId, input.idempotencyKey, [id], await runIdempotent(context, 'reclassifyMessage', input.idempotencyKey, { ...input, accountId }, async () => {
          try {
            await context.client.emailSecurity.investigate.reclassify.create(accountId, id, {
              expected_disposition: input.expectedDisposition,
              ...(input.emlContent ? { eml_content: input.emlContent.replace(/\s+/g, '') } : {}),
              ...(input.escalatedSubmissionId ? { escalated_submission_id: input.escalatedSubmissionId } : {}),
            });
          } catch (error) {
            writeAudit(context, { action: 'reclassifyMessage', accountId, result: auditResultOf(error), outcomes: [{ id, outcome: auditResultOf(error) }], idempotencyKey: input.idempotencyKey, details: { expectedDisposition: input.expectedDisposition } });
            throw error;
          } finally {
            await forget(context, accountId, [id]);
          }
          writeAudit(context, {
            action: 'reclassifyMessage',
            accountId,
            result: 'applied',
            outcomes: [{ id, outcome: 'ACCEPTED' }],
            idempotencyKey: input.idempotencyKey,
            details: { expectedDisposition: input.expectedDisposition, withEml: Boolean(input.emlContent), escalatedSubmissionId: input.escalatedSubmissionId ?? null },
          });
          return { id, accountId, expectedDisposition: input.expectedDisposition, replayed: false };
        }));
      }),
  }),
}));

/** A replayed result is audited too (the first request wrote the real outcome): it is still someone asking. */
export function auditReplay<T extends { replayed: boolean }>(context: GatewayContext, action: string, accountId: string, key: string | null | undefined, ids: string[], result: T): T {
  if (result.replayed) writeAudit(context, { action, accountId, result: 'replayed', outcomes: ids.map((id) => ({ id, outcome: 'REPLAYED' })), idempotencyKey: key });
  return result;
}

/** Account validation for mutations: a typed ValidationError rather than a GraphQL error. */
export function resolveAccountIdForAction(context: GatewayContext, accountId: string | null | undefined): string {
  try {
    return resolveAccountId(context, accountId, ['input', 'accountId']);
  } catch (error) {
    throw new ValidationError([{ path: ['input', 'accountId'], message: (error as Error).message }]);
  }
}

export function auditResultOf(error: unknown): string {
  const typed = toActionError(error);
  if (typed instanceof OutcomeUnknownError) return 'outcome-unknown';
  if (typed instanceof ConflictError) return 'refused';
  return 'failed';
}

function summarize(statuses: string[], success: string): string {
  if (statuses.every((status) => status === success)) return 'applied';
  if (statuses.some((status) => status === 'OUTCOME_UNKNOWN')) return 'outcome-unknown';
  if (statuses.some((status) => status === success || status === 'PARTIAL')) return 'partial';
  return 'failed';
}
