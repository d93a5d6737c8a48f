/**
 * What move (E8/E9) and release (E11) share: the id list rule, the batch sizes, running a write per
 * batch, the fresh-read invalidation after a write, and the two outcome values that say "applied,
 * detail unknown" and "may have been applied".
 */
import { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import { clearMessage } from '../../loaders.js';
import { cloudflareCalls, type GatewaySchemaTypes } from '../builder.js';
import { classifyFailure } from '../mutation.js';
import { investigateIdSchema } from '../validation.js';
import { loadMessage, MessageRef } from './types.js';

/** Older docs: "Maximum batch size: 1000 messages per request" for E9 (contract#search). */
export const MOVE_BATCH_LIMIT = 1000;
/** E11 documents no limit; the gateway applies the same 1,000 so one huge request cannot time out as a whole. */
export const RELEASE_BATCH_LIMIT = 1000;
/** Upper bound on ids per mutation: each chunk is one Cloudflare call out of a 1,200 / 5 min budget. */
export const MAX_IDS_PER_ACTION = 10_000;

/** Investigate ids of a move or release: 1–10,000 path-safe ids, no duplicates. */
export const idsSchema = z
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

/**
 * Fresh reads: the touched messages are dropped from this request's loaders (the write itself made
 * them stale in the shared cache: the catalogue's `invalidates`, applied by the call path).
 */
export function forget(context: GatewayContext, accountId: string, ids: string[]) {
  for (const id of ids) clearMessage(context.loaders, { accountId, id });
}

interface BatchOutcome {
  id: string;
  accountId: string;
  status: string;
  reason: string | null;
}

/**
 * Runs a write per batch, the one shape move and release share. After each batch's call, its
 * messages are dropped from the request's loaders and the shared cache (fresh reads), whatever the
 * call came to; then `outcomes` reads the rows Cloudflare answered. One batch: its failure is the
 * mutation's (a typed error). Several: a failed batch gives its ids FAILED or OUTCOME_UNKNOWN
 * outcomes (with `noDetail` as their per-recipient fields) and does not hide the others.
 */
export async function perBatch<Row, Outcome extends BatchOutcome>(write: {
  context: GatewayContext;
  accountId: string;
  ids: string[];
  size: number;
  send: (batch: string[]) => Promise<Row[]>;
  outcomes: (batch: string[], rows: Row[]) => Promise<Outcome[]>;
  noDetail: Omit<Outcome, keyof BatchOutcome>;
}): Promise<Outcome[]> {
  const { context, accountId } = write;
  const run = async (batch: string[]) => {
    let rows: Row[];
    try {
      rows = await write.send(batch);
    } finally {
      forget(context, accountId, batch);
    }
    return write.outcomes(batch, rows);
  };
  const batches = chunk(write.ids, write.size);
  if (batches.length === 1) return run(write.ids);
  const outcomes: Outcome[] = [];
  // Sequential on purpose: each batch is one call from the shared budget, and a failure stays in its batch.
  for (const batch of batches) {
    outcomes.push(
      ...(await run(batch).catch((error: unknown) => {
        const typed = classifyFailure(error, true).error;
        const code = typed?.code ?? 'INTERNAL_ERROR';
        const reason = `${typed?.code ?? 'ERROR'}: ${typed?.message ?? 'failed'}`;
        const status = code === 'OUTCOME_UNKNOWN' ? 'OUTCOME_UNKNOWN' : 'FAILED';
        return batch.map((id) => ({ id, accountId, status, reason, ...write.noDetail }) as Outcome);
      })),
    );
  }
  return outcomes;
}

export const ACCEPTED = {
  description:
    'Cloudflare accepted the request and reported success for result rows it did not attribute to a message: this message was most likely acted on, but per-message detail is unavailable.',
};
export const OUTCOME_UNKNOWN = {
  description:
    'The request failed after it was sent, or Cloudflare answered rows that cannot be told apart: it may have been applied. Check before retrying.',
};

/** An outcome's `message`: read fresh after the action; needs `read` (checked before any fetch). */
export function freshMessageField<O extends { accountId: string; id: string }>(
  t: PothosSchemaTypes.ObjectFieldBuilder<GatewaySchemaTypes, O>,
  action: 'move' | 'release',
) {
  return t.field({
    authScopes: { read: true },
    type: MessageRef,
    directives: cloudflareCalls(1),
    description: `The message as Cloudflare shows it now (read fresh after the ${action}).`,
    resolve: (o, _a, c) => loadMessage(c, { accountId: o.accountId, id: o.id }),
  });
}
