import { badUserInput } from '../errors.js';
import { type AnyCursorPayload, type CursorPayload, decodeConnectionCursor } from './cursors.js';

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface PagingPlan<C extends AnyCursorPayload = CursorPayload> {
  /** Cursors decoded and checked against this filter, if any. */
  after: C | null;
  before: C | null;
  direction: 'forward' | 'backward';
  size: number;
}

/** Validates first/last/after/before before any upstream call (offset cursors only: v1). */
export function planPaging(
  args: ConnectionArgs,
  options: { digest: string; cap: number; defaultSize: number },
): PagingPlan {
  const plan = planAnyPaging(args, options);
  for (const [name, cursor] of [
    ['after', plan.after],
    ['before', plan.before],
  ] as const) {
    if (cursor && cursor.v !== 1) throw badUserInput(`\`${name}\` is not a cursor of this list`, [name]);
  }
  return plan as PagingPlan;
}

/** Like planPaging, accepting both cursor kinds (a list whose upstream may page either way). */
export function planAnyPaging(
  args: ConnectionArgs,
  options: { digest: string; cap: number; defaultSize: number },
): PagingPlan<AnyCursorPayload> {
  const { first, last } = args;
  if (first != null && last != null) throw badUserInput('Pass either `first` or `last`, not both', ['first']);
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value != null && (value < 0 || value > options.cap)) {
      throw badUserInput(`\`${name}\` must be between 0 and ${options.cap}`, [name]);
    }
  }
  const after = args.after ? decodeConnectionCursor(args.after, 'after') : null;
  const before = args.before ? decodeConnectionCursor(args.before, 'before') : null;
  for (const [name, cursor] of [
    ['after', after],
    ['before', before],
  ] as const) {
    if (cursor && cursor.k !== options.digest) {
      throw badUserInput(`\`${name}\` was issued for a different filter or account; start again without a cursor`, [
        name,
      ]);
    }
  }
  if (after && before && after.v !== before.v)
    throw badUserInput('`after` and `before` come from different pagings; start again without a cursor', ['after']);
  if (after?.v === 1 && before?.v === 1 && after.o >= before.o)
    throw badUserInput('`after` must come before `before`', ['after']);
  const direction = last != null || (before && first == null) ? 'backward' : 'forward';
  const size = (direction === 'backward' ? last : first) ?? options.defaultSize;
  return { after, before, direction, size };
}
