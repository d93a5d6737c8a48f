/** Email Security bulk jobs E12–E17 (contract#bulk-jobs, contract#endpoints, contract#versions). Progress is driven by SimulatorState.tick(). */
import { badRequest, ok } from '../envelope.js';
import { parseSearch, type RawSearch, SEARCH_KEYS } from '../search.js';
import type { BulkJob, SearchParams } from '../wire-types.js';
import { BULK_ACTIONS, DESTINATIONS, DISPOSITIONS, JOB_STATUSES } from '../wire-types.js';
import type { Handler } from './handler.js';
import { bodyObject, first, intParam, oneOf, pageSlice } from './request-params.js';

/**
 * E12. `destination` is optional in the schema even for MOVE (contract#bulk-jobs); a MOVE without a destination
 * has nothing to do, so the simulator answers 400 (plausible server-side validation).
 */
export const createJob: Handler = (ctx) => {
  const body = bodyObject(ctx.body);
  const action = oneOf('action', body.action, BULK_ACTIONS);
  if (typeof body.search_params !== 'object' || body.search_params === null || Array.isArray(body.search_params)) {
    throw badRequest('search_params: required (an object, may be empty)');
  }
  const rawParams = body.search_params as Record<string, unknown>;
  const unknownKeys = Object.keys(rawParams).filter((k) => !(SEARCH_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length > 0) throw badRequest(`search_params: unknown field(s) ${unknownKeys.join(', ')}`);
  // Same filter semantics as E1, but all 10 dispositions are allowed here (contract#enums).
  const raw: RawSearch = {};
  for (const key of SEARCH_KEYS) if (rawParams[key] !== undefined) raw[key] = rawParams[key];
  const filter = parseSearch(raw, ctx.state.now(), true);
  let destination: (typeof DESTINATIONS)[number] | undefined;
  if (body.destination !== undefined && body.destination !== null)
    destination = oneOf('destination', body.destination, DESTINATIONS);
  if (action === 'MOVE' && destination === undefined) throw badRequest('destination: required when action is MOVE');
  let expectedDisposition: (typeof DISPOSITIONS)[number] | null | undefined;
  if (body.expected_disposition === null) expectedDisposition = null;
  else if (body.expected_disposition !== undefined)
    expectedDisposition = oneOf('expected_disposition', body.expected_disposition, DISPOSITIONS);
  if (body.comment !== undefined && body.comment !== null && typeof body.comment !== 'string')
    throw badRequest('comment: expected a string');
  const input: Parameters<typeof ctx.state.createJob>[1] = {
    action,
    searchParams: rawParams as SearchParams,
    filter,
    comment: typeof body.comment === 'string' ? body.comment : null,
  };
  if (destination !== undefined) input.destination = destination;
  if (expectedDisposition !== undefined) input.expectedDisposition = expectedDisposition;
  return ok(ctx.state.createJob(ctx.accountId, input));
};

/** E13 — newest first; V4 page-array. */
export const listJobs: Handler = (ctx) => {
  const q = ctx.query;
  const page = intParam(q, 'page', 1);
  const perPage = intParam(q, 'per_page', 20, 1000);
  const actionType = first(q, 'action_type');
  const status = first(q, 'status');
  if (actionType !== undefined) oneOf('action_type', actionType, BULK_ACTIONS);
  if (status !== undefined) oneOf('status', status, JOB_STATUSES);
  const jobs = ctx.state
    .listBulkJobs(ctx.accountId)
    .filter(
      (j: BulkJob) =>
        (actionType === undefined || j.action_type === actionType) && (status === undefined || j.status === status),
    );
  const { items, info } = pageSlice(jobs, page, perPage);
  return ok(items, info);
};

export const getJob: Handler = (ctx) => ok(ctx.state.jobRecord(ctx.accountId, ctx.params.job_id ?? '').job);

export const deleteJob: Handler = (ctx) => {
  const id = ctx.params.job_id ?? '';
  ctx.state.deleteJob(ctx.accountId, id);
  return ok({ id });
};

export const cancelJob: Handler = (ctx) => ok(ctx.state.cancelJob(ctx.accountId, ctx.params.job_id ?? ''));

/** E17 — rows in discovery order; V4 page-array; `status` filter. */
export const listJobMessages: Handler = (ctx) => {
  const q = ctx.query;
  const page = intParam(q, 'page', 1);
  const perPage = intParam(q, 'per_page', 20, 1000);
  const status = first(q, 'status');
  if (status !== undefined) oneOf('status', status, JOB_STATUSES);
  const rows = ctx.state
    .jobRecord(ctx.accountId, ctx.params.job_id ?? '')
    .rows.filter((r) => status === undefined || r.status === status);
  const { items, info } = pageSlice(rows, page, perPage);
  return ok(items, info);
};
