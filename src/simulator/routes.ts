/** Endpoint id → handler. Every id of the catalogue in src/upstream/endpoints.ts has one. */
import type { EndpointId } from '../upstream/endpoints.js';
import * as bulk from './handlers/bulk.js';
import type { Handler } from './handlers/context.js';
import * as insights from './handlers/insights.js';
import * as intel from './handlers/intel.js';
import * as investigate from './handlers/investigate.js';

export const handlers: Record<EndpointId, Handler> = {
  'emailSecurity.investigate.list': investigate.listMessages,
  'emailSecurity.investigate.get': investigate.getMessage,
  'emailSecurity.investigate.detections.get': investigate.getDetections,
  'emailSecurity.investigate.preview.get': investigate.getPreview,
  'emailSecurity.investigate.preview.create': investigate.createPreview,
  'emailSecurity.investigate.raw.get': investigate.getRaw,
  'emailSecurity.investigate.trace.get': investigate.getTrace,
  'emailSecurity.investigate.move.create': investigate.moveOne,
  'emailSecurity.investigate.move.bulk': investigate.moveBulk,
  'emailSecurity.investigate.reclassify.create': investigate.reclassify,
  'emailSecurity.investigate.release.bulk': investigate.release,
  'emailSecurity.investigate.bulk.create': bulk.createJob,
  'emailSecurity.investigate.bulk.list': bulk.listJobs,
  'emailSecurity.investigate.bulk.get': bulk.getJob,
  'emailSecurity.investigate.bulk.delete': bulk.deleteJob,
  'emailSecurity.investigate.bulk.cancel.create': bulk.cancelJob,
  'emailSecurity.investigate.bulk.messages.list': bulk.listJobMessages,
  'intel.miscategorizations.create': intel.createMiscategorization,
  'securityCenter.insights.list': insights.listInsights,
  'securityCenter.insights.dismiss': insights.dismissInsight,
  'securityCenter.insights.classification.update': insights.classifyInsight,
  'securityCenter.insights.class.get': insights.countByClass,
  'securityCenter.insights.severity.get': insights.countBySeverity,
  'securityCenter.insights.type.get': insights.countByType,
  'securityCenter.insights.auditLogs.list': insights.listAuditLog,
  'securityCenter.insights.auditLogs.listByInsight': insights.listAuditLogByInsight,
  'securityCenter.insights.context.get': insights.getContext,
};
