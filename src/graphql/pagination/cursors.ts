/**
 * The gateway's opaque cursors: base64url JSON of a small payload, read back through a zod schema so
 * that a forged or truncated one is refused before any call. The connection cursors of page-number and
 * upstream-cursor lists are defined here; the insight audit log defines its own payload on the same codec.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../../canonical-json.js';
import { badUserInput } from '../errors.js';

/** An opaque cursor this gateway issued: base64url JSON of the given shape, bounded in size. */
export function opaqueCursorSchema<T extends z.ZodType>(payload: T, maxLength = 4096) {
  return z
    .string()
    .max(maxLength)
    .transform((raw, ctx): z.infer<T> => {
      try {
        const parsed = payload.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
        if (parsed.success) return parsed.data;
      } catch {
        // fall through
      }
      ctx.addIssue({ code: 'custom', message: 'is not a cursor issued by this gateway' });
      return z.NEVER;
    });
}

/** The other direction: what `opaqueCursorSchema` reads back. */
export const encodeOpaqueCursor = (payload: object): string =>
  Buffer.from(JSON.stringify(payload)).toString('base64url');

const offsetCursorSchema = z.object({
  v: z.literal(1),
  /** digest of account + normalised filter */
  k: z.string().min(1).max(64),
  /** absolute offset of the item */
  o: z.number().int().min(0).max(1_000_000),
  /** resolved window start / end (ISO), when the list has one */
  s: z.iso.datetime().optional(),
  e: z.iso.datetime().optional(),
});
export type CursorPayload = z.infer<typeof offsetCursorSchema>;

/**
 * An item of an upstream-cursor list (E1 today, contract#current-api): where the item sits in Cloudflare's
 * paging, since Cloudflare's cursors name pages, not items. `c` fetches the item's page (absent: the
 * first page), `i` is its index there; the last item of a page carries that page's `next` (`nx`), the
 * first its `previous` (`pv`), so the usual `after: endCursor` / `before: startCursor` cost one call.
 */
const upstreamCursorSchema = z.object({
  v: z.literal(2),
  k: z.string().min(1).max(64),
  s: z.iso.datetime().optional(),
  e: z.iso.datetime().optional(),
  /** per_page the upstream cursors were issued with (they are only valid with the same parameters) */
  p: z.number().int().min(1).max(1000),
  c: z.string().min(1).max(2048).optional(),
  i: z.number().int().min(0).max(1000),
  id: z.string().min(1).max(256),
  nx: z.string().min(1).max(2048).nullable().optional(),
  pv: z.string().min(1).max(2048).nullable().optional(),
  /** checksum of the rest (see encodeConnectionCursor) */
  h: z.string().max(32).optional(),
});
export type UpstreamCursorPayload = z.infer<typeof upstreamCursorSchema>;
export type AnyCursorPayload = CursorPayload | UpstreamCursorPayload;

const connectionCursorSchema = opaqueCursorSchema(
  z.discriminatedUnion('v', [offsetCursorSchema, upstreamCursorSchema]),
  8192,
);

/**
 * Upstream cursors are passed to Cloudflare as they are, so a corrupted one would cost a call (and
 * a 400); a checksum over the payload refuses it locally instead. Not a signature: a deliberate
 * forgery is still only a cursor Cloudflare validates.
 */
function checksum(payload: UpstreamCursorPayload): string {
  const entries = Object.entries(payload)
    .filter(([key, value]) => key !== 'h' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 12);
}

export function encodeConnectionCursor(payload: AnyCursorPayload): string {
  return encodeOpaqueCursor(payload.v === 2 ? { ...payload, h: checksum(payload) } : payload);
}

export function decodeConnectionCursor(cursor: string, argumentName: 'after' | 'before'): AnyCursorPayload {
  const parsed = connectionCursorSchema.safeParse(cursor);
  if (!parsed.success || (parsed.data.v === 2 && parsed.data.h !== checksum(parsed.data)))
    throw badUserInput(`\`${argumentName}\` is not a cursor issued by this gateway`, [argumentName]);
  return parsed.data;
}

/** A stable digest of what defines a result set; key order does not matter, nor null versus absent. */
export function filterDigest(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(value, { omitNull: true }))
    .digest('base64url')
    .slice(0, 22);
}
