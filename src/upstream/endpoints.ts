import { z } from 'zod';
import type { CacheClass, Invalidation } from './cache.js';
import {
  auditLogEntrySchema,
  bulkJobMessageSchema,
  bulkJobSchema,
  contextSchema,
  countItemSchema,
  cursorResultInfoSchema,
  detectionSchema,
  insightListSchema,
  messageSchema,
  moveResultSchema,
  pageResultInfoSchema,
  previewSchema,
  rawSchema,
  releaseResultSchema,
  traceSchema,
} from './schemas.js';
import { type CfTrace, finishedJobIds } from './schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Every per-endpoint fact the upstream layers need; nothing about an endpoint lives anywhere else. */
export interface EndpointDefinition {
  /** Reference id (`E1`…`S9`) in contract#endpoints. */
  ref: string;
  method: HttpMethod;
  path: string;
  /**
   * `read` changes nothing upstream: retried on 408/5xx/timeouts and cacheable, whatever the method.
   * `write` is retried only when provably not processed (contract#retries).
   */
  semantics: 'read' | 'write';
  /** Zod schema of `result`, or `envelope-only` for the success schemas without one (contract#envelope). */
  result: z.ZodType | 'envelope-only';
  /** Zod schema of `result_info`, on paginated lists. */
  resultInfo?: z.ZodType;
  /** Read-cache class: how long an answer stays true; the TTL per class is configuration (`CACHE_TTL_*_SECONDS`). */
  cache: CacheClass;
  /** The answer is still changing (a trace with a pending side): cached for the `message` TTL only. */
  stillChanging?: (result: unknown) => boolean;
  /** Each item of this list is also the answer of this endpoint for the item's id: cached as such (no E2 after a search). */
  primesItemsAs?: 'emailSecurity.investigate.get';
  /** Writes: what the write makes stale in the read cache (messages: the ids in its path or its body's `ids`). */
  invalidates?: Invalidation['kind'];
  /**
   * Bulk-job reads: the jobs this answer shows finished. A finished job has moved or released
   * messages nobody listed, so the first time the gateway sees it finished, every message state,
   * trace and search of the account goes stale.
   */
  finishedJobs?: (result: unknown) => string[];
  /** Older docs: a slow search answers 202 + Location, to be polled (E1, contract#search). */
  poll202?: true;
}

/** E15's result is `{id}` (E15, contract#bulk-jobs); local because nothing else shares it. */
const bulkDeleteSchema = z.object({ id: z.string() });

/**
 * The catalogue of every Cloudflare endpoint the gateway speaks to, keyed by the official SDK's
 * method name. The upstream client, logs and metrics use these ids, and the simulator's own route
 * table (src/simulator/routes.ts, written separately so it can catch a mistake here) names its
 * endpoints the same way, so a count in a test ("investigate.detections.get was called 25 times")
 * names the same thing everywhere. Adding an endpoint is one entry here plus its method in
 * client.ts; test/upstream/catalogue-sdk.test.ts checks every entry against the official SDK.
 *
 * Contract: docs/cloudflare-contract.md (cited as contract#<section>): contract#endpoints for the
 * ids E1–S9, contract#versions and contract#current-api for what changed.
 * `{scope}` stands for the literal `accounts` or `zones` of Security Center (contract#scope); `{account_id}`
 * is always an account. Cache classes (how long an answer stays true; docs/freshness.md is the table):
 * what a scanned message's detection, raw EML and preview say does not change (`immutable`); a
 * message's state changes with any action, ours or anyone's (`message`); a trace only gains lines
 * when the message is moved, released or retracted, so a settled trace is kept longer (`trace`) and
 * one with a pending side no longer than a message; searches (`search`) and insights (`insights`) are
 * short-lived; bulk jobs are never cached (their progress is the point) and writes never are. A
 * write says what it makes stale (`invalidates`), whatever its outcome.
 */
export const endpoints = {
  // Email Security — Investigate (E1–E17)
  'emailSecurity.investigate.list': {
    ref: 'E1',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate',
    semantics: 'read',
    result: messageSchema.array(),
    resultInfo: pageResultInfoSchema,
    cache: 'search',
    primesItemsAs: 'emailSecurity.investigate.get',
    poll202: true,
  },
  'emailSecurity.investigate.get': {
    ref: 'E2',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate/{investigate_id}',
    semantics: 'read',
    result: messageSchema,
    cache: 'message',
  },
  'emailSecurity.investigate.detections.get': {
    ref: 'E3',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/detections',
    semantics: 'read',
    result: detectionSchema,
    cache: 'immutable',
  },
  'emailSecurity.investigate.preview.get': {
    ref: 'E4',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/preview',
    semantics: 'read',
    result: previewSchema,
    cache: 'immutable',
  },
  // E5 is a POST, but it only renders a preview (contract#endpoints (E5)): a read, retried and cached like E4.
  'emailSecurity.investigate.preview.create': {
    ref: 'E5',
    method: 'POST',
    path: '/accounts/{account_id}/email-security/investigate/preview',
    semantics: 'read',
    result: previewSchema,
    cache: 'immutable',
  },
  'emailSecurity.investigate.raw.get': {
    ref: 'E6',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/raw',
    semantics: 'read',
    result: rawSchema,
    cache: 'immutable',
  },
  'emailSecurity.investigate.trace.get': {
    ref: 'E7',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/trace',
    semantics: 'read',
    result: traceSchema,
    cache: 'trace',
    stillChanging: (result) => {
      const trace = result as CfTrace;
      return trace.inbound.pending === true || trace.outbound.pending === true;
    },
  },
  'emailSecurity.investigate.move.create': {
    ref: 'E8',
    method: 'POST',
    path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/move',
    semantics: 'write',
    result: moveResultSchema.array(),
    cache: 'never',
    invalidates: 'messages',
  },
  'emailSecurity.investigate.move.bulk': {
    ref: 'E9',
    method: 'POST',
    path: '/accounts/{account_id}/email-security/investigate/move',
    semantics: 'write',
    result: moveResultSchema.array(),
    cache: 'never',
    invalidates: 'messages',
  },
  // E10's result is `{}` (SDK type `unknown`, contract#endpoints (E10)).
  'emailSecurity.investigate.reclassify.create': {
    ref: 'E10',
    method: 'POST',
    path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/reclassify',
    semantics: 'write',
    result: z.unknown(),
    cache: 'never',
    invalidates: 'messages',
  },
  'emailSecurity.investigate.release.bulk': {
    ref: 'E11',
    method: 'POST',
    path: '/accounts/{account_id}/email-security/investigate/release',
    semantics: 'write',
    result: releaseResultSchema.array(),
    cache: 'never',
    invalidates: 'messages',
  },
  'emailSecurity.investigate.bulk.create': {
    ref: 'E12',
    method: 'POST',
    path: '/accounts/{account_id}/email-security/investigate/bulk',
    semantics: 'write',
    result: bulkJobSchema,
    cache: 'never',
    invalidates: 'searches',
  },
  'emailSecurity.investigate.bulk.list': {
    ref: 'E13',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate/bulk',
    semantics: 'read',
    result: bulkJobSchema.array(),
    resultInfo: pageResultInfoSchema,
    cache: 'never',
    finishedJobs: finishedJobIds,
  },
  'emailSecurity.investigate.bulk.get': {
    ref: 'E14',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate/bulk/{job_id}',
    semantics: 'read',
    result: bulkJobSchema,
    cache: 'never',
    finishedJobs: finishedJobIds,
  },
  'emailSecurity.investigate.bulk.delete': {
    ref: 'E15',
    method: 'DELETE',
    path: '/accounts/{account_id}/email-security/investigate/bulk/{job_id}',
    semantics: 'write',
    result: bulkDeleteSchema,
    cache: 'never',
  },
  'emailSecurity.investigate.bulk.cancel.create': {
    ref: 'E16',
    method: 'POST',
    path: '/accounts/{account_id}/email-security/investigate/bulk/{job_id}/cancel',
    semantics: 'write',
    result: bulkJobSchema,
    cache: 'never',
  },
  'emailSecurity.investigate.bulk.messages.list': {
    ref: 'E17',
    method: 'GET',
    path: '/accounts/{account_id}/email-security/investigate/bulk/{job_id}/messages',
    semantics: 'read',
    result: bulkJobMessageSchema.array(),
    resultInfo: pageResultInfoSchema,
    cache: 'never',
  },
  // Intel (I1) — note the singular path segment; envelope only (contract#envelope).
  'intel.miscategorizations.create': {
    ref: 'I1',
    method: 'POST',
    path: '/accounts/{account_id}/intel/miscategorization',
    semantics: 'write',
    result: 'envelope-only',
    cache: 'never',
  },
  // Security Center — Insights (S1–S9)
  'securityCenter.insights.list': {
    ref: 'S1',
    method: 'GET',
    path: '/{scope}/{scope_id}/security-center/insights',
    semantics: 'read',
    result: insightListSchema,
    cache: 'insights',
  },
  'securityCenter.insights.dismiss': {
    ref: 'S2',
    method: 'PUT',
    path: '/{scope}/{scope_id}/security-center/insights/{issue_id}/dismiss',
    semantics: 'write',
    result: 'envelope-only',
    cache: 'never',
    invalidates: 'insights',
  },
  'securityCenter.insights.classification.update': {
    ref: 'S3',
    method: 'PATCH',
    path: '/{scope}/{scope_id}/security-center/insights/{issue_id}/classification',
    semantics: 'write',
    result: 'envelope-only',
    cache: 'never',
    invalidates: 'insights',
  },
  'securityCenter.insights.class.get': {
    ref: 'S4',
    method: 'GET',
    path: '/{scope}/{scope_id}/security-center/insights/class',
    semantics: 'read',
    result: countItemSchema.array(),
    cache: 'insights',
  },
  'securityCenter.insights.severity.get': {
    ref: 'S5',
    method: 'GET',
    path: '/{scope}/{scope_id}/security-center/insights/severity',
    semantics: 'read',
    result: countItemSchema.array(),
    cache: 'insights',
  },
  'securityCenter.insights.type.get': {
    ref: 'S6',
    method: 'GET',
    path: '/{scope}/{scope_id}/security-center/insights/type',
    semantics: 'read',
    result: countItemSchema.array(),
    cache: 'insights',
  },
  'securityCenter.insights.auditLogs.list': {
    ref: 'S7',
    method: 'GET',
    path: '/{scope}/{scope_id}/security-center/insights/audit-log',
    semantics: 'read',
    result: auditLogEntrySchema.array(),
    resultInfo: cursorResultInfoSchema,
    cache: 'insights',
  },
  'securityCenter.insights.auditLogs.listByInsight': {
    ref: 'S8',
    method: 'GET',
    path: '/{scope}/{scope_id}/security-center/insights/{issue_id}/audit-log',
    semantics: 'read',
    result: auditLogEntrySchema.array(),
    resultInfo: cursorResultInfoSchema,
    cache: 'insights',
  },
  'securityCenter.insights.context.get': {
    ref: 'S9',
    method: 'GET',
    path: '/accounts/{account_id}/security-center/insights/{issue_id}/context',
    semantics: 'read',
    result: contextSchema,
    cache: 'insights',
  },
} as const satisfies Record<string, EndpointDefinition>;

export type EndpointId = keyof typeof endpoints;
export const endpointIds = Object.keys(endpoints) as EndpointId[];

/** What `result` parses to for an endpoint (`undefined` for envelope-only ones). */
export type ResultOf<E extends EndpointId> = (typeof endpoints)[E]['result'] extends z.ZodType
  ? z.infer<(typeof endpoints)[E]['result']>
  : undefined;
/** What `result_info` parses to (`undefined` where the endpoint has none). */
export type ResultInfoOf<E extends EndpointId> = (typeof endpoints)[E] extends { resultInfo: infer S extends z.ZodType }
  ? z.infer<S>
  : undefined;

interface CompiledRoute {
  id: EndpointId;
  method: HttpMethod;
  pattern: RegExp;
  params: string[];
}

/** Static segments win over parameters (`/investigate/move` is E9, not E2 with id "move"). */
const compiledRoutes: CompiledRoute[] = endpointIds
  .map((id) => {
    const { method, path } = endpoints[id];
    const params: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
        params.push(param[1] as string);
        return param[1] === 'scope' ? '(accounts|zones)' : '([^/]+)';
      })
      .join('/');
    return {
      id,
      method,
      pattern: new RegExp(`^${source}$`),
      params,
      staticCount: path.split('/').filter((s) => !s.startsWith('{')).length,
    };
  })
  .sort((a, b) => b.staticCount - a.staticCount)
  .map(({ staticCount: _ignored, ...route }) => route);

/** Finds which endpoint a method + path (relative to the base URL, already without query) is. */
export function matchEndpoint(
  method: string,
  path: string,
): { id: EndpointId; params: Record<string, string> } | { id: null; pathMatched: boolean } {
  let pathMatched = false;
  for (const route of compiledRoutes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    route.params.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] as string);
    });
    return { id: route.id, params };
  }
  return { id: null, pathMatched };
}
