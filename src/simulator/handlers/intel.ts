/** Intel miscategorization I1 (contract#intel). */
import { badRequest, okNoResult } from '../envelope.js';
import type { Miscategorization } from '../wire-types.js';
import type { Handler } from './handler.js';
import { bodyObject, oneOf } from './request-params.js';

/** contract#intel: "managed automatically … fall off 30 days after they are applied" — may not be submitted. */
const MANAGED_CATEGORIES: Readonly<Record<number, string>> = { 169: 'New Domains', 177: 'Newly Seen' };
const LISTS = ['content_adds', 'content_removes', 'security_adds', 'security_removes'] as const;

export const createMiscategorization: Handler = (ctx) => {
  const body = ctx.body === undefined ? {} : bodyObject(ctx.body); // every field is optional (contract#intel)
  const record: Miscategorization = {};
  for (const list of LISTS) {
    const value = body[list];
    if (value === undefined) continue;
    if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v)))
      throw badRequest(`${list}: expected an array of integer category ids`);
    for (const id of value as number[]) {
      const name = MANAGED_CATEGORIES[id];
      if (name)
        throw badRequest(`${list}: category ${id} (${name}) is managed automatically and cannot be added or removed`);
    }
    record[list] = value as number[];
  }
  if (body.indicator_type !== undefined)
    record.indicator_type = oneOf('indicator_type', body.indicator_type, ['domain', 'ipv4', 'ipv6', 'url'] as const);
  if (body.ip !== undefined) {
    if (body.ip !== null && typeof body.ip !== 'string') throw badRequest('ip: expected a string');
    record.ip = body.ip;
  }
  if (body.url !== undefined) {
    if (typeof body.url !== 'string') throw badRequest('url: expected a string');
    record.url = body.url;
  }
  ctx.state.recordMiscategorization(ctx.accountId, record);
  return okNoResult();
};
