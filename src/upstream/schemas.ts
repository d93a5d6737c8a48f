import { z } from 'zod';

/**
 * Zod schemas of Cloudflare's wire shapes (snake_case, contract#message to contract#insights, with contract#versions 7.3.0 nullability).
 * Unknown extra keys are dropped, not refused (Cloudflare adds fields). Enum-typed response fields are
 * read as strings: an enum value Cloudflare adds tomorrow must not fail a whole message; the GraphQL
 * edge maps known values and reports unknown ones. This is also the one place upstream deprecations
 * are recorded (see the `@deprecated` notes).
 */

const str = z.string();
const optStr = z.string().nullish();
const strList = z.array(z.string()).nullish();

export const actionLogSchema = z.object({
  completed_at: optStr,
  operation: optStr,
  /** @deprecated upstream → completed_at */
  completed_timestamp: optStr,
  properties: z.object({ folder: optStr, requested_by: optStr }).nullish(),
  status: optStr,
});

export const findingSchema = z.object({
  attachment: optStr,
  detail: optStr,
  detection: optStr,
  field: optStr,
  name: optStr,
  portion: optStr,
  reason: optStr,
  score: z.number().nullish(),
  value: optStr,
});

export const validationSchema = z.object({
  comment: optStr,
  dkim: optStr,
  dmarc: optStr,
  spf: optStr,
});

export const propertiesSchema = z.object({
  allowlisted_pattern: optStr,
  allowlisted_pattern_type: optStr,
  blocklisted_message: z.boolean().nullish(),
  blocklisted_pattern: optStr,
  /** @deprecated upstream legacy → allowlisted_pattern_type */
  whitelisted_pattern_type: optStr,
});

/** Message: result item of E1, result of E2 (contract#message). */
export const messageSchema = z.object({
  id: str,
  /**
   * @deprecated upstream: "Use GET /investigate/{investigate_id}/action_log instead" (an endpoint the
   * SDK does not have, contract#action-log). The older docs typed it `object`, so a non-array is read as empty.
   */
  action_log: z.preprocess((value) => (Array.isArray(value) ? value : []), z.array(actionLogSchema)),
  client_recipients: z.array(z.string()),
  detection_reasons: z.array(z.string()),
  is_phish_submission: z.boolean(),
  is_quarantined: z.boolean(),
  postfix_id: str,
  properties: propertiesSchema,
  /** @deprecated upstream → scanned_at */
  ts: optStr,
  alert_id: optStr,
  delivery_mode: optStr,
  delivery_status: strList,
  edf_hash: optStr,
  envelope_from: optStr,
  envelope_to: strList,
  final_disposition: optStr,
  /** @deprecated upstream → E3 findings */
  findings: z.array(findingSchema).nullish(),
  from: optStr,
  from_name: optStr,
  htmltext_structure_hash: optStr,
  message_id: optStr,
  post_delivery_operations: strList,
  postfix_id_outbound: optStr,
  replyto: optStr,
  scanned_at: optStr,
  sent_at: optStr,
  /** @deprecated seed → sent_at */
  sent_date: optStr,
  smtp_helo_server_ip: optStr,
  smtp_previous_hop_ip: optStr,
  subject: optStr,
  threat_categories: strList,
  to: strList,
  to_name: strList,
  validation: validationSchema.nullish(),
  x_originating_ip: optStr,
});
export type CfMessage = z.infer<typeof messageSchema>;

/** V4 page-array `result_info` (contract#paging); the older docs' E1 example adds counts and cursors. */
export const pageResultInfoSchema = z
  .object({
    page: z.number().nullish(),
    per_page: z.number().nullish(),
    count: z.number().nullish(),
    total_count: z.number().nullish(),
    next: optStr,
    previous: optStr,
  })
  .nullish();
export type CfPageResultInfo = z.infer<typeof pageResultInfoSchema>;

/** Detection (E3). */
export const detectionSchema = z.object({
  action: str,
  attachments: z.array(
    z.object({
      size: z.number(),
      content_type: optStr,
      detection: optStr,
      encrypted: z.boolean().nullish(),
      name: optStr,
      filename: optStr,
      md5: optStr,
      sha1: optStr,
      sha256: optStr,
    }),
  ),
  findings: z.array(findingSchema).nullable(),
  headers: z.array(z.object({ name: str, value: str })),
  links: z.array(z.object({ href: str, text: optStr })),
  sender_info: z.object({
    as_name: optStr,
    as_number: z.number().nullish(),
    geo: optStr,
    ip: optStr,
    pld: optStr,
  }),
  threat_categories: z.array(z.object({ id: z.number().nullish(), description: optStr, name: optStr })),
  validation: validationSchema,
  final_disposition: optStr,
});
export type CfDetection = z.infer<typeof detectionSchema>;

export const previewSchema = z.object({ screenshot: str });
export const rawSchema = z.object({ raw: str });

const traceLineSchema = z.object({
  lineno: z.number().nullish(),
  logged_at: optStr,
  message: optStr,
  /** @deprecated upstream → logged_at */
  ts: optStr,
});
const traceSideSchema = z.object({ lines: z.array(traceLineSchema).nullish(), pending: z.boolean().nullish() });
export const traceSchema = z.object({ inbound: traceSideSchema, outbound: traceSideSchema });
export type CfTrace = z.infer<typeof traceSchema>;

export const moveResultSchema = z.object({
  success: z.boolean(),
  completed_at: optStr,
  /** @deprecated upstream → completed_at */
  completed_timestamp: optStr,
  destination: optStr,
  /** @deprecated upstream, no replacement */
  item_count: z.number().nullish(),
  message_id: optStr,
  operation: optStr,
  recipient: optStr,
  status: optStr,
});
export type CfMoveResult = z.infer<typeof moveResultSchema>;

export const releaseResultSchema = z.object({
  id: str,
  delivered: strList,
  failed: strList,
  undelivered: strList,
  /** @deprecated upstream → id */
  postfix_id: optStr,
});
export type CfReleaseResult = z.infer<typeof releaseResultSchema>;

export const searchParamsSchema = z.object({
  action_log: z.boolean().nullish(),
  alert_id: optStr,
  delivery_status: optStr,
  detections_only: z.boolean().nullish(),
  domain: optStr,
  end: optStr,
  exact_subject: optStr,
  final_disposition: optStr,
  message_action: optStr,
  message_id: optStr,
  metric: optStr,
  query: optStr,
  recipient: optStr,
  sender: optStr,
  smtp_helo_ip: optStr,
  start: optStr,
  subject: optStr,
  submissions: z.boolean().nullish(),
});

/** BulkJob (contract#bulk-jobs, with contract#versions counters). Unknown statuses pass through as strings. */
export const bulkJobSchema = z.object({
  job_id: str,
  action_type: str,
  action_params: z.object({ type: str, destination: optStr, expected_disposition: optStr }),
  search_params: searchParamsSchema,
  status: str,
  created_at: str,
  messages_failed: z.number(),
  messages_pending: z.number(),
  messages_successful: z.number(),
  total_messages_discovered: z.number(),
  messages_cancelled: z.number().nullish(),
  messages_skipped: z.number().nullish(),
  comment: optStr,
  started_at: optStr,
  completed_at: optStr,
  status_message: optStr,
});
export type CfBulkJob = z.infer<typeof bulkJobSchema>;

/** E15, contract#bulk-jobs: the states after which a job never changes again (also the ones Cloudflare lets you delete). */
export const TERMINAL_JOB_STATUSES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED']);

/** The ids of the jobs in a bulk-job answer that have finished: a terminal status, or a `completed_at` stamp. */
export function finishedJobIds(result: unknown): string[] {
  const jobs = (Array.isArray(result) ? result : [result]) as Pick<CfBulkJob, 'job_id' | 'status' | 'completed_at'>[];
  return jobs
    .filter((job) => TERMINAL_JOB_STATUSES.has(job.status) || job.completed_at != null)
    .map((job) => job.job_id);
}

export const bulkJobMessageSchema = z.object({
  action_params: z.object({ type: str, client_recipient: optStr, destination: optStr, expected_disposition: optStr }),
  action_type: str,
  created_at: str,
  message_id: str,
  postfix_id: str,
  retry_count: z.number(),
  status: str,
  alert_id: optStr,
  email_message_id: optStr,
  processed_at: optStr,
  retry_after: optStr,
  status_message: optStr,
});
export type CfBulkJobMessage = z.infer<typeof bulkJobMessageSchema>;

/** Issue (contract#insights): every field optional upstream; the gateway needs an id to address it. */
export const insightSchema = z.object({
  id: str,
  dismissed: z.boolean().nullish(),
  has_extended_context: z.boolean().nullish(),
  issue_class: optStr,
  issue_type: optStr,
  payload: z.record(z.string(), z.unknown()).nullish(),
  resolve_link: optStr,
  resolve_text: optStr,
  severity: optStr,
  since: optStr,
  status: optStr,
  subject: optStr,
  timestamp: optStr,
  user_classification: optStr,
});
export type CfInsight = z.infer<typeof insightSchema>;

/** S1's result: paging numbers live inside `result` (contract#insights). */
export const insightListSchema = z.object({
  count: z.number().nullish(),
  issues: z.array(insightSchema).nullish(),
  page: z.number().nullish(),
  per_page: z.number().nullish(),
});

export const countItemSchema = z.object({ count: z.number().nullish(), value: optStr });

export const auditLogEntrySchema = z.object({
  id: optStr,
  changed_at: optStr,
  changed_by: optStr,
  current_value: optStr,
  previous_value: optStr,
  field_changed: optStr,
  issue_id: optStr,
  rationale: optStr,
  /** Numeric on zone insights although the path zone_id is a string (contract#insights). */
  zone_id: z.union([z.number(), z.string()]).nullish(),
});
export type CfAuditLogEntry = z.infer<typeof auditLogEntrySchema>;

export const cursorResultInfoSchema = z
  .object({ count: z.number().nullish(), cursor: optStr, per_page: z.number().nullish() })
  .nullish();

export const contextSchema = z.record(z.string(), z.unknown());
