/**
 * The simulator's own route table: method + path pattern → endpoint id + handler. Written from the
 * Cloudflare API reference, independently of the gateway's catalogue (src/upstream/endpoints.ts), so a
 * wrong method or path on either side shows up as a 404/405 in the tests instead of being agreed on.
 * Ids are the official SDK's method names, the same names the gateway's logs and metrics use.
 *
 * Patterns: `:name` is one path segment, decoded into `params.name`; `:scope` is the literal
 * `accounts` or `zones` (Security Center takes either, contract#scope).
 */
import * as bulk from './handlers/bulk.js';
import type { Handler } from './handlers/handler.js';
import * as insights from './handlers/insights.js';
import * as intel from './handlers/intel.js';
import * as investigate from './handlers/investigate.js';
import { pollSearch, searchMessages } from './slow-search.js';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  id: string;
  method: RouteMethod;
  pattern: string;
  handler: Handler;
}

const INVESTIGATE = '/accounts/:account_id/email-security/investigate';
const BULK = `${INVESTIGATE}/bulk`;
const INSIGHTS = '/:scope/:scope_id/security-center/insights';

export const ROUTES = [
  // Email Security — Investigate (E1–E11)
  { id: 'emailSecurity.investigate.list', method: 'GET', pattern: INVESTIGATE, handler: searchMessages },
  {
    id: 'emailSecurity.investigate.get',
    method: 'GET',
    pattern: `${INVESTIGATE}/:investigate_id`,
    handler: investigate.getMessage,
  },
  {
    id: 'emailSecurity.investigate.detections.get',
    method: 'GET',
    pattern: `${INVESTIGATE}/:investigate_id/detections`,
    handler: investigate.getDetections,
  },
  {
    id: 'emailSecurity.investigate.preview.get',
    method: 'GET',
    pattern: `${INVESTIGATE}/:investigate_id/preview`,
    handler: investigate.getPreview,
  },
  {
    id: 'emailSecurity.investigate.preview.create',
    method: 'POST',
    pattern: `${INVESTIGATE}/preview`,
    handler: investigate.createPreview,
  },
  {
    id: 'emailSecurity.investigate.raw.get',
    method: 'GET',
    pattern: `${INVESTIGATE}/:investigate_id/raw`,
    handler: investigate.getRaw,
  },
  {
    id: 'emailSecurity.investigate.trace.get',
    method: 'GET',
    pattern: `${INVESTIGATE}/:investigate_id/trace`,
    handler: investigate.getTrace,
  },
  {
    id: 'emailSecurity.investigate.move.create',
    method: 'POST',
    pattern: `${INVESTIGATE}/:investigate_id/move`,
    handler: investigate.moveOne,
  },
  {
    id: 'emailSecurity.investigate.move.bulk',
    method: 'POST',
    pattern: `${INVESTIGATE}/move`,
    handler: investigate.moveBulk,
  },
  {
    id: 'emailSecurity.investigate.reclassify.create',
    method: 'POST',
    pattern: `${INVESTIGATE}/:investigate_id/reclassify`,
    handler: investigate.reclassify,
  },
  {
    id: 'emailSecurity.investigate.release.bulk',
    method: 'POST',
    pattern: `${INVESTIGATE}/release`,
    handler: investigate.release,
  },
  // The slow-search poll URL (older docs); not an SDK method, so the id is the simulator's own.
  {
    id: 'emailSecurity.investigate.list.poll',
    method: 'GET',
    pattern: `${INVESTIGATE}/poll/:search_id`,
    handler: pollSearch,
  },
  // Bulk jobs (E12–E17)
  { id: 'emailSecurity.investigate.bulk.create', method: 'POST', pattern: BULK, handler: bulk.createJob },
  { id: 'emailSecurity.investigate.bulk.list', method: 'GET', pattern: BULK, handler: bulk.listJobs },
  { id: 'emailSecurity.investigate.bulk.get', method: 'GET', pattern: `${BULK}/:job_id`, handler: bulk.getJob },
  {
    id: 'emailSecurity.investigate.bulk.delete',
    method: 'DELETE',
    pattern: `${BULK}/:job_id`,
    handler: bulk.deleteJob,
  },
  {
    id: 'emailSecurity.investigate.bulk.cancel.create',
    method: 'POST',
    pattern: `${BULK}/:job_id/cancel`,
    handler: bulk.cancelJob,
  },
  {
    id: 'emailSecurity.investigate.bulk.messages.list',
    method: 'GET',
    pattern: `${BULK}/:job_id/messages`,
    handler: bulk.listJobMessages,
  },
  // Intel (I1): the path segment is singular.
  {
    id: 'intel.miscategorizations.create',
    method: 'POST',
    pattern: '/accounts/:account_id/intel/miscategorization',
    handler: intel.createMiscategorization,
  },
  // Security Center — Insights (S1–S9); S9 is account-only.
  { id: 'securityCenter.insights.list', method: 'GET', pattern: INSIGHTS, handler: insights.listInsights },
  {
    id: 'securityCenter.insights.dismiss',
    method: 'PUT',
    pattern: `${INSIGHTS}/:issue_id/dismiss`,
    handler: insights.dismissInsight,
  },
  {
    id: 'securityCenter.insights.classification.update',
    method: 'PATCH',
    pattern: `${INSIGHTS}/:issue_id/classification`,
    handler: insights.classifyInsight,
  },
  {
    id: 'securityCenter.insights.class.get',
    method: 'GET',
    pattern: `${INSIGHTS}/class`,
    handler: insights.countByClass,
  },
  {
    id: 'securityCenter.insights.severity.get',
    method: 'GET',
    pattern: `${INSIGHTS}/severity`,
    handler: insights.countBySeverity,
  },
  { id: 'securityCenter.insights.type.get', method: 'GET', pattern: `${INSIGHTS}/type`, handler: insights.countByType },
  {
    id: 'securityCenter.insights.auditLogs.list',
    method: 'GET',
    pattern: `${INSIGHTS}/audit-log`,
    handler: insights.listAuditLog,
  },
  {
    id: 'securityCenter.insights.auditLogs.listByInsight',
    method: 'GET',
    pattern: `${INSIGHTS}/:issue_id/audit-log`,
    handler: insights.listAuditLogByInsight,
  },
  {
    id: 'securityCenter.insights.context.get',
    method: 'GET',
    pattern: '/accounts/:account_id/security-center/insights/:issue_id/context',
    handler: insights.getContext,
  },
] as const satisfies readonly Route[];

export type SimEndpointId = (typeof ROUTES)[number]['id'];

/** The E1 slow-search poll URL's id (fault rules and request counts can name it). */
export const POLL_ENDPOINT = 'emailSecurity.investigate.list.poll' satisfies SimEndpointId;
