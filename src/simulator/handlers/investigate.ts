import { createHash } from 'node:crypto';
/** Email Security Investigate, per-message endpoints E1–E11 (contract#endpoints). */
import { buildDetection, buildPreview, buildRaw, buildTrace, isNonBenign } from '../content.js';
import { ApiError, CODES, badRequest, ok } from '../envelope.js';
import type { StoredMessage } from '../messages.js';
import { parseBool, parseSearch, type RawSearch, SEARCH_KEYS } from '../search.js';
import type { MoveResult, ReleaseResult } from '../wire-types.js';
import { DESTINATIONS, DISPOSITIONS, RECLASSIFY_DISPOSITIONS } from '../wire-types.js';
import type { Handler, HandlerContext } from './handler.js';
import { bodyObject, first, intParam, oneOf } from './request-params.js';

/** E1 per_page: "No documented maximum" — the simulator caps it at 1000 and says so with a 400. */
const MAX_PER_PAGE = 1000;
/** Older docs (E9): "Maximum batch size: 1000 messages per request." */
const MAX_MOVE_BATCH = 1000;

function notFound(id: string): ApiError {
  return new ApiError(404, CODES.MESSAGE_NOT_FOUND, `Message not found: ${id}`);
}

/** Per-message endpoints (other than E2) look in both datastores. */
function messageFor(ctx: HandlerContext): StoredMessage {
  const id = ctx.params.investigate_id ?? '';
  const stored = ctx.state.findStored(ctx.accountId, id);
  if (!stored) throw notFound(id);
  return stored;
}

/**
 * Opaque E1 cursor: the offset of a page plus a digest of the query it belongs to, because
 * Cloudflare's cursors are "only valid with the same query parameters" (contract#current-api).
 */
function queryDigest(query: Record<string, string[]>): string {
  const parts = Object.keys(query)
    .filter((key) => key !== 'cursor' && key !== 'page')
    .sort()
    .map((key) => `${key}=${(query[key] ?? []).join(',')}`);
  return createHash('sha256').update(parts.join('&')).digest('base64url').slice(0, 12);
}
function encodeCursor(offset: number, digest: string): string {
  return Buffer.from(`offset:${offset}:${digest}`).toString('base64url');
}
function decodeCursor(cursor: string, digest: string): number {
  const match = /^offset:(\d+):([\w-]+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badRequest('cursor: invalid or expired cursor');
  if (match[2] !== digest) throw badRequest('cursor: was issued for different query parameters');
  return Number(match[1]);
}

/**
 * E1 — search. The 202 "slow search" variant is layered on by the server. Paging follows
 * `state.e1Paging`: by default the current API (cursor; `page`/`total_count` always 0, a `page` in the
 * request ignored), or the legacy page-number shape.
 */
export const listMessages: Handler = (ctx) => {
  const q = ctx.query;
  const raw: RawSearch = {};
  for (const key of SEARCH_KEYS) {
    const value = first(q, key);
    if (value !== undefined) raw[key] = value;
  }
  const filter = parseSearch(raw, ctx.state.now(), false);
  const perPage = intParam(q, 'per_page', 20, MAX_PER_PAGE);
  const matched = ctx.state.search(ctx.accountId, filter);
  if (ctx.state.e1Paging === 'legacy') {
    const page = intParam(q, 'page', 1);
    const offset = (page - 1) * perPage;
    const items = matched.slice(offset, offset + perPage).map((s) => s.msg);
    return ok(items, { count: items.length, page, per_page: perPage, total_count: matched.length });
  }
  const digest = queryDigest(q);
  const cursor = first(q, 'cursor');
  const offset = cursor ? decodeCursor(cursor, digest) : 0;
  const items = matched.slice(offset, offset + perPage).map((s) => s.msg);
  return ok(items, {
    count: items.length,
    per_page: perPage,
    next: offset + perPage < matched.length ? encodeCursor(offset + perPage, digest) : null,
    previous: offset > 0 ? encodeCursor(Math.max(0, offset - perPage), digest) : null,
    // "Deprecated: Returns always 0" (contract#current-api).
    page: 0,
    total_count: 0,
  });
};

/** E2 — `submission=true` searches the submissions datastore only, otherwise the regular one only. */
export const getMessage: Handler = (ctx) => {
  const id = ctx.params.investigate_id ?? '';
  const submission = parseBool('submission', first(ctx.query, 'submission')) ?? false;
  const stored = ctx.state.findStored(ctx.accountId, id);
  if (!stored || stored.submission !== submission) throw notFound(id);
  return ok(stored.msg);
};

/** E3 — for a benign message: 200 with empty arrays. */
export const getDetections: Handler = (ctx) => ok(buildDetection(messageFor(ctx).msg));

/** E4/E6 are documented "for non-benign messages": 404 for the rest. */
function requireNonBenign(stored: StoredMessage, what: string): void {
  if (!isNonBenign(stored.msg)) {
    throw new ApiError(
      404,
      CODES.NOT_AVAILABLE,
      `${what} is only available for non-benign messages (final_disposition ${stored.msg.final_disposition ?? 'none'}); use POST /investigate/preview`,
    );
  }
}

export const getPreview: Handler = (ctx) => {
  const stored = messageFor(ctx);
  requireNonBenign(stored, 'Preview');
  return ok({ screenshot: buildPreview(stored.msg) });
};

/** E5 — body `{id}` (7.3.0, contract#versions); the older `{postfix_id}` is accepted too (investigate id or postfix id). */
export const createPreview: Handler = (ctx) => {
  const body = bodyObject(ctx.body);
  const key = typeof body.id === 'string' ? body.id : typeof body.postfix_id === 'string' ? body.postfix_id : undefined;
  if (!key) throw badRequest('id: required (the investigate id of the message)');
  const stored = ctx.state.findStored(ctx.accountId, key) ?? ctx.state.findByPostfixId(ctx.accountId, key);
  if (!stored) throw notFound(key);
  return ok({ screenshot: buildPreview(stored.msg) });
};

export const getRaw: Handler = (ctx) => {
  const stored = messageFor(ctx);
  requireNonBenign(stored, 'Raw EML');
  return ok({ raw: buildRaw(stored.msg) });
};

export const getTrace: Handler = (ctx) => ok(buildTrace(messageFor(ctx).msg));

function parseMoveBody(body: Record<string, unknown>) {
  const destination = oneOf('destination', body.destination, DESTINATIONS);
  if (body.expected_disposition !== undefined && body.expected_disposition !== null) {
    oneOf('expected_disposition', body.expected_disposition, DISPOSITIONS); // validated; contract#versions: "nonfunctional"
  }
  return destination;
}

/** E8 — one MoveResult per recipient; state: action_log MOVE, post_delivery_operations MOVE, delivery_status ['moved']. */
export const moveOne: Handler = (ctx) => {
  const destination = parseMoveBody(bodyObject(ctx.body));
  const stored = messageFor(ctx);
  return ok(ctx.state.moveMessage(stored, destination, ctx.principal));
};

/**
 * E9 — `ids` required (contract#versions). The deprecated `postfix_ids` alone is still accepted (7.1.0 clients)
 * and resolved by postfix id. Unknown ids → `{success:false, status:'not_found', message_id:<id>}`.
 */
export const moveBulk: Handler = (ctx) => {
  const body = bodyObject(ctx.body);
  const destination = parseMoveBody(body);
  const ids = stringArray(body.ids, 'ids');
  const postfixIds = stringArray(body.postfix_ids, 'postfix_ids');
  if (ids === undefined && postfixIds === undefined)
    throw badRequest('ids: required (list of investigate ids to move)');
  const total = (ids?.length ?? 0) + (postfixIds?.length ?? 0);
  if (total === 0) throw badRequest('ids: must contain at least one id');
  if (total > MAX_MOVE_BATCH)
    throw badRequest(`ids: maximum batch size is ${MAX_MOVE_BATCH} messages per request (got ${total})`);
  const results: MoveResult[] = [];
  const handle = (id: string, stored: StoredMessage | undefined) => {
    if (!stored) {
      results.push({
        success: false,
        message_id: id,
        destination,
        operation: 'MOVE',
        status: 'not_found',
        item_count: 0,
        completed_at: null,
        recipient: null,
      });
      return;
    }
    results.push(...ctx.state.moveMessage(stored, destination, ctx.principal));
  };
  for (const id of ids ?? []) handle(id, ctx.state.findStored(ctx.accountId, id));
  for (const id of postfixIds ?? []) handle(id, ctx.state.findByPostfixId(ctx.accountId, id));
  return ok(results);
};

function stringArray(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw badRequest(`${name}: expected an array of strings`);
  return value as string[];
}

/** E10 — result `{}`; the reclassification is recorded (processed "asynchronously", so disposition unchanged). */
export const reclassify: Handler = (ctx) => {
  const body = bodyObject(ctx.body);
  const expected = oneOf('expected_disposition', body.expected_disposition, RECLASSIFY_DISPOSITIONS);
  if (body.eml_content !== undefined && typeof body.eml_content !== 'string')
    throw badRequest('eml_content: expected a base64 string');
  if (body.escalated_submission_id !== undefined && typeof body.escalated_submission_id !== 'string')
    throw badRequest('escalated_submission_id: expected a string');
  const stored = messageFor(ctx);
  const record: { expected_disposition: string; eml_content?: string; escalated_submission_id?: string } = {
    expected_disposition: expected,
  };
  if (typeof body.eml_content === 'string') record.eml_content = body.eml_content;
  if (typeof body.escalated_submission_id === 'string') record.escalated_submission_id = body.escalated_submission_id;
  ctx.state.reclassify(stored, record, ctx.principal);
  return ok({});
};

/**
 * E11 — body `{"ids": [...]}` (7.3.0, contract#versions) or a bare array (7.1.0). Per id:
 * quarantined → delivered = recipients; not quarantined → undelivered = recipients;
 * unknown id (simulator's choice) → `{id, delivered: [], undelivered: [], failed: [id]}`.
 */
export const release: Handler = (ctx) => {
  const ids = Array.isArray(ctx.body) ? stringArray(ctx.body, 'body') : stringArray(bodyObject(ctx.body).ids, 'ids');
  if (!ids || ids.length === 0) throw badRequest('ids: required (list of investigate ids to release)');
  if (ids.length > MAX_MOVE_BATCH) throw badRequest(`ids: at most ${MAX_MOVE_BATCH} ids per request`);
  const results: ReleaseResult[] = ids.map((id) => {
    const stored = ctx.state.findStored(ctx.accountId, id) ?? ctx.state.findByPostfixId(ctx.accountId, id);
    if (!stored) return { id, delivered: [], undelivered: [], failed: [id] };
    return ctx.state.releaseMessage(stored, ctx.principal);
  });
  return ok(results);
};
