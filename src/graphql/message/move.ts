/**
 * Move messages (E8 for one id, E9 for several, in batches of 1,000). Types, input schema and the
 * upstream call; validation, scope, idempotency, outcome and audit are the pipeline's (../mutation.ts).
 */
import { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import type { CfMoveResult } from '../../upstream/schemas.js';
import { accountIdArgOptions } from '../account.js';
import { builder, cloudflareCalls } from '../builder.js';
import { Destination, Disposition } from '../enums.js';
import { defineMutation, idempotencyKeyField, readStatuses } from '../mutation.js';
import { accountIdFor } from '../validation.js';
import { attributeRows, type ReadAllowance, readAllowance } from './attribution.js';
import {
  ACCEPTED,
  idsSchema,
  MAX_IDS_PER_ACTION,
  MOVE_BATCH_LIMIT,
  OUTCOME_UNKNOWN,
  perBatch,
  freshMessageField,
} from './batched-writes.js';

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
    message: freshMessageField(t, 'move'),
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
  // Per batch of ids: the gateway's limit counts the batches of the ids it is given.
  directives: cloudflareCalls(1),
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
    const outcomes = await perBatch({
      context,
      accountId,
      ids,
      size: MOVE_BATCH_LIMIT,
      send: (batch): Promise<CfMoveResult[]> =>
        batch.length === 1 && ids.length === 1
          ? investigate.move.create(accountId, batch[0] as string, body)
          : investigate.move.bulk(accountId, { ids: batch, ...body }),
      outcomes: (batch, rows) => moveOutcomes(context, accountId, batch, rows, allowance),
      noDetail: { recipients: [] },
    });
    return { accountId, destination, outcomes, replayed: false };
  },
  audit: (payload) => readStatuses(payload.outcomes, ['MOVED', 'ACCEPTED']),
});
