import type { CloudflareCredentials } from '../config.js';
import type { Logger } from '../logger.js';
import type { EndpointId } from './endpoints.js';
import { RequestDeadline } from './deadline.js';
import { UpstreamBadRequestError } from './errors.js';
import type { CallResult, CloudflareHttp, QueryParams, UpstreamObserver, UpstreamTracer } from './http.js';

/** Security Center endpoints take an account or a zone, never both (contract#scope). */
export type InsightScope = { accountId: string } | { zoneId: string };

export interface InvestigateListParams extends QueryParams {
  alert_id?: string;
  cursor?: string;
  delivery_status?: string;
  detections_only?: boolean;
  domain?: string;
  end?: string;
  final_disposition?: string;
  message_action?: string;
  message_id?: string;
  metric?: string;
  page?: number;
  per_page?: number;
  query?: string;
  recipient?: string;
  sender?: string;
  smtp_helo_ip?: string;
  start?: string;
  subject?: string;
  /** Parameters only the older docs list (contract#versions); sent only when the caller asks for them. */
  exact_subject?: string;
  submissions?: boolean;
}

export interface InsightFilterParams extends QueryParams {
  dismissed?: boolean;
  issue_class?: string[];
  'issue_class~neq'?: string[];
  issue_type?: string[];
  'issue_type~neq'?: string[];
  product?: string[];
  'product~neq'?: string[];
  severity?: string[];
  'severity~neq'?: string[];
  subject?: string[];
  'subject~neq'?: string[];
  source?: string[];
}

export interface AuditLogParams extends QueryParams {
  cursor?: string;
  per_page?: number;
  before?: string;
  since?: string;
  changed_by?: string;
  field_changed?: string;
  order?: 'asc' | 'desc';
}

export interface BulkCreateBody {
  action: string;
  search_params: Record<string, unknown>;
  comment?: string | null;
  destination?: string;
  expected_disposition?: string;
}

export interface MiscategorizationBody {
  content_adds?: number[];
  content_removes?: number[];
  security_adds?: number[];
  security_removes?: number[];
  indicator_type?: 'domain' | 'ipv4' | 'ipv6' | 'url';
  ip?: string | null;
  url?: string;
}

/** Who is calling and how: bound once per GraphQL request (credentials, abort signal, counters). */
export interface CallBinding {
  credentials: CloudflareCredentials;
  signal?: AbortSignal;
  /** Overrides REQUEST_DEADLINE_MS for this binding (0: none). */
  deadlineMs?: number;
  observer?: UpstreamObserver;
  logger?: Logger;
  headers?: Record<string, string>;
  tracer?: UpstreamTracer;
}

export type CloudflareClient = ReturnType<typeof createCloudflareClient>;

/**
 * One typed function per endpoint of the contract, named after the official SDK's methods, each
 * returning the data the catalogue's schemas validated (in http.ts, before anything is cached). Thin on purpose (the metaphysics `lib/apis` split): no caching and no
 * GraphQL here — loaders and resolvers sit on top.
 */
export function createCloudflareClient(http: CloudflareHttp, binding: CallBinding) {
  // One request-wide deadline per binding, i.e. per GraphQL request (REQUEST_DEADLINE_MS; deadline.ts).
  const deadline = new RequestDeadline(binding.deadlineMs ?? http.requestDeadlineMs);
  const call = async <E extends EndpointId>(
    endpoint: E,
    pathParams: Record<string, string>,
    extra: { query?: QueryParams; body?: unknown; fresh?: boolean } = {},
  ) => {
    const signal = deadline.enter();
    try {
      return await http.call({
        endpoint,
        pathParams,
        credentials: binding.credentials,
        signal: binding.signal,
        observer: binding.observer,
        logger: binding.logger,
        headers: binding.headers,
        tracer: binding.tracer,
        ...(signal ? { deadline: signal } : {}),
        ...extra,
      });
    } finally {
      deadline.leave();
    }
  };

  const account = (accountId: string) => ({ account_id: accountId });
  const message = (accountId: string, id: string) => ({ account_id: accountId, investigate_id: id });
  const scoped = (scope: InsightScope, extra: Record<string, string> = {}) => {
    const hasAccount = 'accountId' in scope && scope.accountId !== undefined;
    const hasZone = 'zoneId' in scope && scope.zoneId !== undefined;
    // The SDK's own local checks and messages (contract#scope).
    if (hasAccount && hasZone)
      throw new UpstreamBadRequestError('You cannot provide both account_id and zone_id.', { endpoint: null });
    if (!hasAccount && !hasZone)
      throw new UpstreamBadRequestError('You must provide either account_id or zone_id.', { endpoint: null });
    return hasAccount
      ? { scope: 'accounts', scope_id: (scope as { accountId: string }).accountId, ...extra }
      : { scope: 'zones', scope_id: (scope as { zoneId: string }).zoneId, ...extra };
  };

  return {
    emailSecurity: {
      investigate: {
        /** E1: search. Returns the page and `result_info` (counts and cursors when Cloudflare sends them). */
        async list(accountId: string, params: InvestigateListParams = {}, options: { fresh?: boolean } = {}) {
          const response = await call('emailSecurity.investigate.list', account(accountId), {
            query: params,
            ...(options.fresh ? { fresh: true } : {}),
          });
          return {
            items: response.result,
            resultInfo: response.resultInfo ?? null,
          };
        },
        /** E2 */
        async get(accountId: string, investigateId: string, params: { submission?: boolean } = {}) {
          const response = await call('emailSecurity.investigate.get', message(accountId, investigateId), {
            query: params,
          });
          return response.result;
        },
        detections: {
          /** E3 */
          async get(accountId: string, investigateId: string) {
            const response = await call('emailSecurity.investigate.detections.get', message(accountId, investigateId));
            return response.result;
          },
        },
        preview: {
          /** E4: preview of a detected (non-benign) message. */
          async get(accountId: string, investigateId: string) {
            const response = await call('emailSecurity.investigate.preview.get', message(accountId, investigateId));
            return response.result;
          },
          /** E5: preview of any message. Body per SDK 7.3.0 (contract#versions): `{"id": <investigate id>}`. */
          async create(accountId: string, investigateId: string) {
            const response = await call('emailSecurity.investigate.preview.create', account(accountId), {
              body: { id: investigateId },
            });
            return response.result;
          },
        },
        raw: {
          /** E6 */
          async get(accountId: string, investigateId: string) {
            const response = await call('emailSecurity.investigate.raw.get', message(accountId, investigateId));
            return response.result;
          },
        },
        trace: {
          /** E7 */
          async get(accountId: string, investigateId: string) {
            const response = await call('emailSecurity.investigate.trace.get', message(accountId, investigateId));
            return response.result;
          },
        },
        move: {
          /** E8 */
          async create(
            accountId: string,
            investigateId: string,
            body: { destination: string; expected_disposition?: string },
          ) {
            const response = await call('emailSecurity.investigate.move.create', message(accountId, investigateId), {
              body,
            });
            return response.result;
          },
          /** E9: at most 1,000 ids per request (older docs); `ids` required in 7.3.0 (contract#versions). */
          async bulk(accountId: string, body: { ids: string[]; destination: string; expected_disposition?: string }) {
            const response = await call('emailSecurity.investigate.move.bulk', account(accountId), { body });
            return response.result;
          },
        },
        reclassify: {
          /** E10 */
          async create(
            accountId: string,
            investigateId: string,
            body: { expected_disposition: string; eml_content?: string; escalated_submission_id?: string },
          ) {
            const response = await call(
              'emailSecurity.investigate.reclassify.create',
              message(accountId, investigateId),
              { body },
            );
            return response.result ?? {};
          },
        },
        release: {
          /** E11: body `{"ids": [...]}` per SDK 7.3.0 (contract#versions), not 7.1.0's bare array. */
          async bulk(accountId: string, ids: string[]) {
            const response = await call('emailSecurity.investigate.release.bulk', account(accountId), {
              body: { ids },
            });
            return response.result;
          },
        },
        bulk: {
          /** E12 */
          async create(accountId: string, body: BulkCreateBody) {
            const response = await call('emailSecurity.investigate.bulk.create', account(accountId), { body });
            return response.result;
          },
          /** E13 */
          async list(
            accountId: string,
            params: { page?: number; per_page?: number; action_type?: string; status?: string } = {},
          ) {
            const response = await call('emailSecurity.investigate.bulk.list', account(accountId), { query: params });
            return {
              items: response.result,
              resultInfo: response.resultInfo ?? null,
            };
          },
          /** E14 */
          async get(accountId: string, jobId: string) {
            const response = await call('emailSecurity.investigate.bulk.get', { account_id: accountId, job_id: jobId });
            return response.result;
          },
          /** E15: only terminal jobs can be deleted. */
          async delete(accountId: string, jobId: string) {
            const response = await call('emailSecurity.investigate.bulk.delete', {
              account_id: accountId,
              job_id: jobId,
            });
            return response.result;
          },
          cancel: {
            /** E16: a body-less POST (contract#versions). */
            async create(accountId: string, jobId: string) {
              const response = await call('emailSecurity.investigate.bulk.cancel.create', {
                account_id: accountId,
                job_id: jobId,
              });
              return response.result;
            },
          },
          messages: {
            /** E17 */
            async list(
              accountId: string,
              jobId: string,
              params: { page?: number; per_page?: number; status?: string } = {},
            ) {
              const response = await call(
                'emailSecurity.investigate.bulk.messages.list',
                { account_id: accountId, job_id: jobId },
                { query: params },
              );
              return {
                items: response.result,
                resultInfo: response.resultInfo ?? null,
              };
            },
          },
        },
      },
    },
    intel: {
      miscategorizations: {
        /** I1: envelope only, no result. */
        async create(accountId: string, body: MiscategorizationBody) {
          const response = await call('intel.miscategorizations.create', account(accountId), { body });
          return { messages: response.envelope?.messages ?? [] };
        },
      },
    },
    securityCenter: {
      insights: {
        /** S1: paging numbers inside `result` (contract#insights). */
        async list(
          scope: InsightScope,
          params: InsightFilterParams & { page?: number; per_page?: number } = {},
          options: { fresh?: boolean } = {},
        ) {
          const response = await call('securityCenter.insights.list', scoped(scope), {
            query: params,
            ...(options.fresh ? { fresh: true } : {}),
          });
          const result = response.result;
          return {
            count: result.count ?? null,
            issues: result.issues ?? [],
            page: result.page ?? null,
            perPage: result.per_page ?? null,
          };
        },
        /** S2 */
        async dismiss(scope: InsightScope, issueId: string, body: { dismiss?: boolean }) {
          await call('securityCenter.insights.dismiss', scoped(scope, { issue_id: issueId }), { body });
        },
        classification: {
          /** S3 */
          async update(
            scope: InsightScope,
            issueId: string,
            body: { classification: string | null; rationale?: string },
          ) {
            await call('securityCenter.insights.classification.update', scoped(scope, { issue_id: issueId }), { body });
          },
        },
        class: {
          /** S4 */
          async get(scope: InsightScope, params: InsightFilterParams = {}) {
            const response = await call('securityCenter.insights.class.get', scoped(scope), { query: params });
            return response.result;
          },
        },
        severity: {
          /** S5 */
          async get(scope: InsightScope, params: InsightFilterParams = {}) {
            const response = await call('securityCenter.insights.severity.get', scoped(scope), { query: params });
            return response.result;
          },
        },
        type: {
          /** S6 */
          async get(scope: InsightScope, params: InsightFilterParams = {}) {
            const response = await call('securityCenter.insights.type.get', scoped(scope), { query: params });
            return response.result;
          },
        },
        auditLogs: {
          /** S7: cursor paging (`result_info.cursor`). */
          async list(scope: InsightScope, params: AuditLogParams = {}) {
            const response = await call('securityCenter.insights.auditLogs.list', scoped(scope), { query: params });
            return cursorPage(response);
          },
          /** S8 */
          async listByInsight(scope: InsightScope, issueId: string, params: AuditLogParams = {}) {
            const response = await call(
              'securityCenter.insights.auditLogs.listByInsight',
              scoped(scope, { issue_id: issueId }),
              { query: params },
            );
            return cursorPage(response);
          },
        },
        context: {
          /** S9: account-only (contract#scope). */
          async get(accountId: string, issueId: string) {
            const response = await call('securityCenter.insights.context.get', {
              account_id: accountId,
              issue_id: issueId,
            });
            return response.result;
          },
        },
      },
    },
  };
}

function cursorPage(
  response: CallResult<'securityCenter.insights.auditLogs.list' | 'securityCenter.insights.auditLogs.listByInsight'>,
) {
  const info = response.resultInfo;
  return {
    items: response.result,
    cursor: info?.cursor || null,
    count: info?.count ?? null,
    perPage: info?.per_page ?? null,
  };
}
