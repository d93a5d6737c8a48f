/**
 * Which requested message a move (E8/E9) or release (E11) result row belongs to.
 *
 * Cloudflare does not define which id a MoveResult's `message_id` carries (contract#current-api): the
 * investigate id, the postfix id or the RFC 822 Message-ID. A row is matched by any of the three:
 * the investigate id is the request itself, the postfix id is its first part (contract#ids: "postfix +
 * timestamp + hash"), and the RFC 822 id is read from the message (E2) only when rows name ids the
 * first two do not explain, at most ATTRIBUTION_READ_LIMIT per mutation. A row that still matches nothing is "unattributed": it is reported as
 * such, never turned into a failure of some message.
 */
import type { GatewayContext } from '../../context.js';
import type { CfMessage } from '../../upstream/schemas.js';

/** At most this many messages are read (E2) to attribute the rows of one mutation; above it, detail is given up. */
export const ATTRIBUTION_READ_LIMIT = 100;

/** What is left of ATTRIBUTION_READ_LIMIT for one mutation (shared by its batches). */
export interface ReadAllowance {
  left: number;
}

export const readAllowance = (): ReadAllowance => ({ left: ATTRIBUTION_READ_LIMIT });

export interface Attribution<Row> {
  /** Rows per requested id, in the order Cloudflare sent them. */
  byId: Map<string, Row[]>;
  /** Rows that name no requested message. */
  unattributed: Row[];
}

/** `4Njp3P0STMz2c02Q-2024-01-05T10:00:00-12345678` → `4Njp3P0STMz2c02Q`. */
export function postfixOf(investigateId: string): string | null {
  return /^([A-Za-z0-9]+)-\d{4}-\d{2}-\d{2}T/.exec(investigateId)?.[1] ?? null;
}

/** Alias → requested id; an alias two requested ids share is dropped (it would attribute a guess). */
function aliasIndex(
  ids: string[],
  known: Map<string, Pick<CfMessage, 'postfix_id' | 'message_id'>>,
): Map<string, string> {
  const owners = new Map<string, Set<string>>();
  const add = (alias: string | null | undefined, id: string) => {
    if (!alias) return;
    owners.set(alias, (owners.get(alias) ?? new Set()).add(id));
  };
  for (const id of ids) {
    add(id, id);
    add(postfixOf(id), id);
    add(known.get(id)?.postfix_id, id);
    add(known.get(id)?.message_id, id);
  }
  const index = new Map<string, string>();
  for (const [alias, set] of owners) if (set.size === 1) index.set(alias, [...set][0] as string);
  return index;
}

function attributeWith<Row>(
  ids: string[],
  rows: Row[],
  keysOf: (row: Row) => (string | null | undefined)[],
  known: Map<string, Pick<CfMessage, 'postfix_id' | 'message_id'>>,
): Attribution<Row> {
  const byId = new Map<string, Row[]>();
  // One id asked, one answer: every row is about it, whatever id it names (or none).
  if (ids.length === 1) return { byId: new Map([[ids[0] as string, rows]]), unattributed: [] };
  const index = aliasIndex(ids, known);
  const unattributed: Row[] = [];
  for (const row of rows) {
    const id = keysOf(row)
      .map((key) => (key ? index.get(key) : undefined))
      .find((hit) => hit !== undefined);
    if (id === undefined) unattributed.push(row);
    else byId.set(id, [...(byId.get(id) ?? []), row]);
  }
  return { byId, unattributed };
}

/**
 * Attributes the rows of one batch. Reads messages (E2, through the request's loader, so the
 * payload's `message` fields reuse them) only when some rows name ids that neither the investigate
 * id nor the postfix id explains, only for the ids still without rows, and only when the mutation's
 * allowance covers all of them. Call after the write: the reads are then fresh.
 */
export async function attributeRows<Row>(
  context: GatewayContext,
  accountId: string,
  ids: string[],
  rows: Row[],
  keysOf: (row: Row) => (string | null | undefined)[],
  allowance: ReadAllowance,
): Promise<Attribution<Row>> {
  const first = attributeWith(ids, rows, keysOf, new Map());
  const named = first.unattributed.some((row) => keysOf(row).some(Boolean));
  const missing = ids.filter((id) => !first.byId.has(id));
  if (!named || missing.length === 0 || missing.length > allowance.left) return first;
  allowance.left -= missing.length;
  const known = new Map<string, CfMessage>();
  const messages = await Promise.all(
    missing.map((id) => context.loaders.message.load({ accountId, id }).catch(() => null)),
  );
  missing.forEach((id, index) => {
    const message = messages[index];
    if (message && !(message instanceof Error)) known.set(id, message);
  });
  return attributeWith(ids, rows, keysOf, known);
}
