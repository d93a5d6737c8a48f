/**
 * Actions on messages: move (E8/E9) and release (E11); reclassify (E10) is ./reclassify.ts. Types,
 * input schemas and the upstream calls; validation, scope, idempotency, outcome and audit are the pipeline's (../mutation.ts).
 */
import { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import { clearMessage } from '../../loaders.js';
import type { CfMoveResult, CfReleaseResult } from '../../upstream/schemas.js';
import { accountIdArgOptions } from '../account.js';
import { builder } from '../builder.js';
import { Destination, Disposition } from '../enums.js';
import { classifyFailure, defineMutation, idempotencyKeyField, readStatuses } from '../mutation.js';
import { accountIdFor, investigateIdSchema } from '../validation.js';
import { attributeRows, type ReadAllowance, readAllowance } from './attribution.js';
import { loadMessage, MessageRef } from './message.js';

/** Seed 001: "Maximum batch size: 1000 messages per request" for E9 (reference §3 E9, §6). */
export const MOVE_BATCH_LIMIT = 1000;
/** E11 documents no limit; the gateway applies the same 1,000 so one huge request cannot time out as a whole. */
export const RELEASE_BATCH_LIMIT = 1000;
/** Upper bound on ids per mutation: each chunk is one Cloudflare call out of a 1,200 / 5 min budget. */
export const MAX_IDS_PER_ACTION = 10_000;

/** Investigate ids of a move or release: 1–10,000 path-safe ids, no duplicates. */
const idsSchema = z
  .array(investigateIdSchema)
  .min(1, 'must contain at least one id')
  .max(MAX_IDS_PER_ACTION, `must contain at most ${MAX_IDS_PER_ACTION} ids`)
  .superRefine((ids, ctx) => {
    const seen = new Set<string>();
    ids.forEach((id, index) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate id ${JSON.stringify(id)}` });
      seen.add(id);
    });
  });

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** Fresh reads: the touched messages are dropped from this request's loaders and the shared cache. */
export async function forget(context: GatewayContext, accountId: string, ids: string[]) {
  for (const id of ids) clearMessage(context.loaders, { accountId, id });
  await context.services.cache?.invalidateMessages(accountId, ids);
}

/**
 * Runs a write per batch. One batch: its failure is the mutation's (a typed error). Several: a failed
 * batch gives its ids `failed(code, message)` outcomes and does not hide the others.
 */
async function perBatch<Outcome>(
  ids: string[],
  size: number,
  send: (batch: string[]) => Promise<Outcome[]>,
  failed: (batch: string[], code: string, reason: string) => Outcome[],
) {
  const batches = chunk(ids, size);
  if (batches.length === 1) return send(ids);
  const outcomes: Outcome[] = [];
  // Sequential on purpose: each batch is one call from the shared budget, and a failure stays in its batch.
  for (const batch of batches) {
    outcomes.push(
      ...(await send(batch).catch((error: unknown) => {
        const typed = classifyFailure(error, true).error;
        return failed(
          batch,
          typed?.code ?? 'INTERNAL_ERROR',
          `${typed?.code ?? 'ERROR'}: ${typed?.message ?? 'failed'}`,
        );
      })),
    );
  }
  return outcomes;
}

const ACCEPTED = {
  description:
    'Cloudflare accepted the request and reported success for result rows it did not attribute to a message (reference §9): this message was most likely acted on, but per-message detail is unavailable.',
};
const OUTCOME_UNKNOWN = {
  description:
    'The request failed after it was sent, or Cloudflare answered rows that cannot be told apart: it may have been applied. Check before retrying.',
};

// ───────────────────────────── move ─────────────────────────────

const MoveStatus = builder.enumType('MoveStatus', {
  description: 'What happened to one message of a move.',
  values: {
    MOVED: { description: 'Moved for every recipient.' },
    PARTIAL: { description: 'Moved for some recipients only.' },
    FAILED: { description: 'Cloudflare reported the move failed; nothing changed.' },
    NOT_FOUND: { description: 'Cloudflare does not know the message (it says so, or answered nothing for it).' },
    ACCEPTED,
    OUTCOME_UNKNOWN,
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
    success: t.exposeBoolean('success', {
      nullable: false,
      description: 'Whether the move succeeded for this mailbox.',
    }),
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
    reason: t.exposeString('reason', { description: 'Why it failed, or why no detail is available.' }),
    recipients: t.field({
      type: [RecipientMoveRef],
      nullable: false,
      description: 'Per-recipient results (empty when none could be attributed).',
      resolve: (o) => o.recipients,
    }),
    message: t.field({
      // Reading mail in a payload needs `read` too; checked before the resolver, so no fetch is made.
      authScopes: { read: true },
      type: MessageRef,
      description: 'The message as Cloudflare shows it now (read fresh after the move).',
      resolve: (o, _a, c) => loadMessage(c, { accountId: o.accountId, id: o.id }),
    }),
  }),
});

const MovePayloadRef = builder.objectRef<MovePayload>('MoveMessagesPayload').implement({
  description: 'One outcome per requested id, aggregated across Cloudflare batches.',
  fields: (t) => ({
    outcomes: t.field({
      type: [MoveOutcomeRef],
      nullable: false,
      description: 'One entry per requested id, in request order.',
      resolve: (p) => p.outcomes,
    }),
    movedCount: t.int({
      nullable: false,
      description: 'Messages moved for every recipient.',
      resolve: (p) => p.outcomes.filter((o) => o.status === 'MOVED').length,
    }),
    failedCount: t.int({
      nullable: false,
      description:
        'Messages not (fully) moved: FAILED, PARTIAL, NOT_FOUND or OUTCOME_UNKNOWN (ACCEPTED counts in neither).',
      resolve: (p) => p.outcomes.filter((o) => o.status !== 'MOVED' && o.status !== 'ACCEPTED').length,
    }),
    destination: t.field({
      type: Destination.ref,
      nullable: false,
      description: 'Where the messages were moved.',
      resolve: (p) => p.destination as never,
    }),
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: 'True when this is the stored result of an earlier request with the same idempotency key.',
    }),
  }),
});

const recipientOf = (row: CfMoveResult): RecipientMove => ({
  recipient: row.recipient ?? null,
  success: row.success,
  status: row.status ?? null,
  destination: row.destination ?? null,
  completedAt: row.completed_at ?? row.completed_timestamp ?? null,
});

/** Cloudflare's per-recipient MoveResults (E8/E9 answer one row per mailbox) as one outcome per id. */
async function moveOutcomes(
  context: GatewayContext,
  accountId: string,
  ids: string[],
  results: CfMoveResult[],
  allowance: ReadAllowance,
): Promise<MoveOutcome[]> {
  const { byId, unattributed } = await attributeRows(
    context,
    accountId,
    ids,
    results,
    (row) => [row.message_id],
    allowance,
  );
  const loose = unattributed.length;
  const looseOk = unattributed.filter((row) => row.success).length;
  return ids.map((id): MoveOutcome => {
    const rows = byId.get(id) ?? [];
    const outcome = (status: MoveStatusValue, reason: string | null) => ({
      id,
      accountId,
      status,
      reason,
      recipients: rows.map(recipientOf),
    });
    if (rows.length === 0) {
      if (loose === 0) return outcome('NOT_FOUND', 'Cloudflare returned no result for this message');
      if (looseOk === loose)
        return outcome(
          'ACCEPTED',
          `Cloudflare reported success for ${loose} result row(s) it did not attribute to a message; per-message detail is unavailable`,
        );
      if (unattributed.every((row) => row.status === 'not_found'))
        return outcome('NOT_FOUND', 'Cloudflare does not know this message');
      return outcome(
        'OUTCOME_UNKNOWN',
        `Cloudflare answered ${loose} result row(s) that cannot be attributed to a message (${looseOk} succeeded): check before retrying`,
      );
    }
    if (rows.every((row) => row.status === 'not_found'))
      return outcome('NOT_FOUND', 'Cloudflare does not know this message');
    const succeeded = rows.filter((row) => row.success).length;
    if (succeeded === rows.length) return outcome('MOVED', null);
    return outcome(succeeded > 0 ? 'PARTIAL' : 'FAILED', rows.find((row) => !row.success)?.status ?? 'move failed');
  });
}

const MoveMessagesInput = builder.inputType('MoveMessagesInput', {
  description: 'Messages to move and where.',
  fields: (t) => ({
    ids: t.idList({
      required: true,
      description: `Investigate ids (1–${MAX_IDS_PER_ACTION}). Sent in batches of ${MOVE_BATCH_LIMIT}.`,
    }),
    destination: t.field({ type: Destination.ref, required: true, description: 'Destination folder.' }),
    expectedDisposition: t.field({
      type: Disposition.ref,
      description:
        'Disposition the caller expects the messages to have (Cloudflare marks it nonfunctional in SDK 7.3.0; passed through).',
    }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

defineMutation('moveMessages', {
  description: `Move messages to a mailbox folder. One id uses E8; several use E9 in batches of ${MOVE_BATCH_LIMIT} (the documented limit). Reports one outcome per id; a failed batch does not hide the others. Requires \`email-security:write\`.`,
  input: MoveMessagesInput,
  inputDescription: 'What to move and where.',
  payload: MovePayloadRef,
  result: {
    name: 'MoveMessagesResult',
    description: 'The move payload, or why nothing (or not everything) could be done.',
  },
  schema: (context) =>
    z.object({
      ids: idsSchema,
      destination: z.string(),
      expectedDisposition: z.string().nullish(),
      accountId: accountIdFor(context),
    }),
  target: (input) => ({
    accountId: input.accountId,
    ids: input.ids,
    details: { destination: input.destination, batches: Math.ceil(input.ids.length / MOVE_BATCH_LIMIT) },
  }),
  run: async (context, { ids, accountId, destination, expectedDisposition }) => {
    const investigate = context.client.emailSecurity.investigate;
    const body = { destination, ...(expectedDisposition ? { expected_disposition: expectedDisposition } : {}) };
    const allowance = readAllowance();
    const outcomes = await perBatch(
      ids,
      MOVE_BATCH_LIMIT,
      async (batch) => {
        let results: CfMoveResult[];
        try {
          results =
            batch.length === 1 && ids.length === 1
              ? await investigate.move.create(accountId, batch[0] as string, body)
              : await investigate.move.bulk(accountId, { ids: batch, ...body });
        } finally {
          await forget(context, accountId, batch);
        }
        return moveOutcomes(context, accountId, batch, results, allowance);
      },
      (batch, code, reason) =>
        batch.map((id) => ({
          id,
          accountId,
          status: code === 'OUTCOME_UNKNOWN' ? ('OUTCOME_UNKNOWN' as const) : ('FAILED' as const),
          reason,
          recipients: [],
        })),
    );
    return { accountId, destination, outcomes, replayed: false };
  },
  audit: (payload) => readStatuses(payload.outcomes, ['MOVED', 'ACCEPTED']),
});

// ───────────────────────────── release ─────────────────────────────

const ReleaseStatus = builder.enumType('ReleaseStatus', {
  description: 'What happened to one message of a release.',
  values: {
    RELEASED: { description: 'Delivered to every recipient.' },
    PARTIAL: { description: 'Delivered to some recipients; see `failed` / `undelivered`.' },
    NOT_RELEASED: { description: 'Nothing was delivered (for example, the message was not in quarantine).' },
    FAILED: { description: 'The release failed; nothing was delivered.' },
    NOT_FOUND: { description: 'Cloudflare does not know the message (it says so, or answered nothing for it).' },
    ACCEPTED,
    OUTCOME_UNKNOWN,
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
    undelivered: t.exposeStringList('undelivered', {
      nullable: false,
      description: 'Recipients it was not delivered to.',
    }),
    message: t.field({
      // Reading mail in a payload needs `read` too; checked before the resolver, so no fetch is made.
      authScopes: { read: true },
      type: MessageRef,
      description: 'The message as Cloudflare shows it now (read fresh after the release).',
      resolve: (o, _a, c) => loadMessage(c, { accountId: o.accountId, id: o.id }),
    }),
  }),
});

const ReleasePayloadRef = builder.objectRef<ReleasePayload>('ReleaseMessagesPayload').implement({
  description: 'One outcome per requested id.',
  fields: (t) => ({
    outcomes: t.field({
      type: [ReleaseOutcomeRef],
      nullable: false,
      description: 'One entry per requested id, in request order.',
      resolve: (p) => p.outcomes,
    }),
    releasedCount: t.int({
      nullable: false,
      description: 'Messages delivered to every recipient.',
      resolve: (p) => p.outcomes.filter((o) => o.status === 'RELEASED').length,
    }),
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: 'True when this is the stored result of an earlier request with the same idempotency key.',
    }),
  }),
});

const fullyDelivered = (row: CfReleaseResult) =>
  (row.delivered ?? []).length > 0 && (row.failed ?? []).length === 0 && (row.undelivered ?? []).length === 0;

async function releaseOutcomes(
  context: GatewayContext,
  accountId: string,
  ids: string[],
  results: CfReleaseResult[],
  allowance: ReadAllowance,
): Promise<ReleaseOutcome[]> {
  const { byId, unattributed } = await attributeRows(
    context,
    accountId,
    ids,
    results,
    (row) => [row.id, row.postfix_id],
    allowance,
  );
  return ids.map((id): ReleaseOutcome => {
    const row = byId.get(id)?.[0];
    const delivered = row?.delivered ?? [];
    const failed = row?.failed ?? [];
    const undelivered = row?.undelivered ?? [];
    const outcome = (status: ReleaseStatusValue, reason: string | null) => ({
      id,
      accountId,
      status,
      reason,
      delivered,
      failed,
      undelivered,
    });
    if (!row) {
      if (unattributed.length === 0) return outcome('NOT_FOUND', 'Cloudflare returned no result for this message');
      if (unattributed.every(fullyDelivered))
        return outcome(
          'ACCEPTED',
          `Cloudflare reported delivery for ${unattributed.length} result row(s) it did not attribute to a message; per-message detail is unavailable`,
        );
      return outcome(
        'OUTCOME_UNKNOWN',
        `Cloudflare answered ${unattributed.length} result row(s) that cannot be attributed to a message: check before retrying`,
      );
    }
    // An unknown id comes back with the id itself as the only "failed recipient" and nobody else.
    const aliases = new Set([id, row.id, row.postfix_id].filter(Boolean));
    if (
      delivered.length === 0 &&
      undelivered.length === 0 &&
      failed.length > 0 &&
      failed.every((entry) => aliases.has(entry))
    ) {
      return outcome('NOT_FOUND', 'Cloudflare does not know this message');
    }
    if (fullyDelivered(row)) return outcome('RELEASED', null);
    if (delivered.length > 0) return outcome('PARTIAL', 'Delivery failed for some recipients');
    if (failed.length > 0) return outcome('FAILED', 'Delivery failed for some recipients');
    return outcome('NOT_RELEASED', 'Nothing was delivered (is the message in quarantine?)');
  });
}

const ReleaseMessagesInput = builder.inputType('ReleaseMessagesInput', {
  description: 'Quarantined messages to release to their recipients.',
  fields: (t) => ({
    ids: t.idList({ required: true, description: `Investigate ids (1–${MAX_IDS_PER_ACTION}).` }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

defineMutation('releaseMessages', {
  description: `Release quarantined messages to their recipients (E11, body \`{"ids": [...]}\` as in SDK 7.3.0). Reports delivered / failed / undelivered recipients per id. Requires \`email-security:write\`.`,
  input: ReleaseMessagesInput,
  inputDescription: 'What to release.',
  payload: ReleasePayloadRef,
  result: { name: 'ReleaseMessagesResult', description: 'The release payload, or a typed error.' },
  schema: (context) => z.object({ ids: idsSchema, accountId: accountIdFor(context) }),
  target: (input) => ({ accountId: input.accountId, ids: input.ids }),
  run: async (context, { ids, accountId }) => {
    const allowance = readAllowance();
    const outcomes = await perBatch(
      ids,
      RELEASE_BATCH_LIMIT,
      async (batch) => {
        let results: CfReleaseResult[];
        try {
          results = await context.client.emailSecurity.investigate.release.bulk(accountId, batch);
        } finally {
          await forget(context, accountId, batch);
        }
        return releaseOutcomes(context, accountId, batch, results, allowance);
      },
      (batch, code, reason) =>
        batch.map((id) => ({
          id,
          accountId,
          status: code === 'OUTCOME_UNKNOWN' ? ('OUTCOME_UNKNOWN' as const) : ('FAILED' as const),
          reason,
          delivered: [],
          failed: [],
          undelivered: [],
        })),
    );
    return { outcomes, replayed: false };
  },
  audit: (payload) => readStatuses(payload.outcomes, ['RELEASED', 'ACCEPTED']),
});
