/**
 * Release messages from quarantine (E11, body `{"ids": [...]}`, SDK 7.3.0). Types, input schema and
 * the upstream call; validation, scope, idempotency, outcome and audit are the pipeline's (../mutation.ts).
 */
import { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import type { CfReleaseResult } from '../../upstream/schemas.js';
import { accountIdArgOptions } from '../account.js';
import { builder, cloudflareCalls } from '../builder.js';
import { defineMutation, idempotencyKeyField, readStatuses } from '../mutation.js';
import { accountIdFor } from '../validation.js';
import { attributeRows, type ReadAllowance, readAllowance } from './attribution.js';
import {
  ACCEPTED,
  idsSchema,
  MAX_IDS_PER_ACTION,
  OUTCOME_UNKNOWN,
  perBatch,
  RELEASE_BATCH_LIMIT,
  freshMessageField,
} from './batched-writes.js';

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
    message: freshMessageField(t, 'release'),
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
    // `delivered` absent (not an empty list) says nothing about delivery: with no failed and no
    // undelivered recipient, Cloudflare most likely released it; never report "nothing was delivered".
    if (row.delivered == null && failed.length === 0 && undelivered.length === 0) {
      return outcome(
        'ACCEPTED',
        'Cloudflare answered without a `delivered` list and reported no failed or undelivered recipient: most likely released, per-recipient detail is unavailable',
      );
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
  // Per batch of ids: the gateway's limit counts the batches of the ids it is given.
  directives: cloudflareCalls(1),
  description: `Release quarantined messages to their recipients (E11, body \`{"ids": [...]}\` as in SDK 7.3.0). Reports delivered / failed / undelivered recipients per id. Requires \`email-security:write\`.`,
  input: ReleaseMessagesInput,
  inputDescription: 'What to release.',
  payload: ReleasePayloadRef,
  result: { name: 'ReleaseMessagesResult', description: 'The release payload, or a typed error.' },
  schema: (context) => z.object({ ids: idsSchema, accountId: accountIdFor(context) }),
  target: (input) => ({ accountId: input.accountId, ids: input.ids }),
  run: async (context, { ids, accountId }) => {
    const allowance = readAllowance();
    const outcomes = await perBatch({
      context,
      accountId,
      ids,
      size: RELEASE_BATCH_LIMIT,
      send: (batch): Promise<CfReleaseResult[]> =>
        context.client.emailSecurity.investigate.release.bulk(accountId, batch),
      outcomes: (batch, rows) => releaseOutcomes(context, accountId, batch, rows, allowance),
      noDetail: { delivered: [], failed: [], undelivered: [] },
    });
    return { outcomes, replayed: false };
  },
  audit: (payload) => readStatuses(payload.outcomes, ['RELEASED', 'ACCEPTED']),
});
