/**
 * Wire types of the simulated API. They are the `cloudflare@7.3.0` SDK's own response types
 * (type-only imports; the SDK is a devDependency and never loaded at run time), so every fixture
 * and builder in the simulator typechecks against what the real SDK expects to receive.
 *
 * Where 7.3.0 and older versions disagree, 7.3.0 wins (contract#versions) and the difference is noted.
 */
import type { DetectionGetResponse } from 'cloudflare/resources/email-security/investigate/detections';
import type { InvestigateListResponse } from 'cloudflare/resources/email-security/investigate/investigate';
import type { MoveCreateResponse } from 'cloudflare/resources/email-security/investigate/move';
import type { PreviewGetResponse } from 'cloudflare/resources/email-security/investigate/preview';
import type { RawGetResponse } from 'cloudflare/resources/email-security/investigate/raw';
import type { ReleaseBulkResponse } from 'cloudflare/resources/email-security/investigate/release';
import type { TraceGetResponse } from 'cloudflare/resources/email-security/investigate/trace';
import type { BulkDeleteResponse, BulkGetResponse } from 'cloudflare/resources/email-security/investigate/bulk/bulk';
import type { MessageListResponse } from 'cloudflare/resources/email-security/investigate/bulk/messages';
import type { InsightListResponse } from 'cloudflare/resources/security-center/insights/insights';
import type { AuditLogListResponse } from 'cloudflare/resources/security-center/insights/audit-logs';
import type { ClassGetResponse } from 'cloudflare/resources/security-center/insights/class';
import type { ContextGetResponse } from 'cloudflare/resources/security-center/insights/context';
import type { MiscategorizationCreateParams } from 'cloudflare/resources/intel/miscategorizations';

/** contract#message Message — E1 item / E2 result (InvestigateListResponse and InvestigateGetResponse are identical). */
export type Message = InvestigateListResponse;
export type ActionLogEntry = Message['action_log'][number];
export type Disposition = NonNullable<Message['final_disposition']>;
export type DeliveryMode = NonNullable<Message['delivery_mode']>;
export type DeliveryStatus = NonNullable<Message['delivery_status']>[number];
export type PostDeliveryOp = NonNullable<Message['post_delivery_operations']>[number];
export type AuthResult = NonNullable<NonNullable<Message['validation']>['spf']>;
export type PatternType = NonNullable<Message['properties']['allowlisted_pattern_type']>;
export type MessageFinding = NonNullable<Message['findings']>[number];

/** E3 */
export type Detection = DetectionGetResponse;
export type DetectionAttachment = DetectionGetResponse.Attachment;
/** E4 / E5 (identical shapes) */
export type Preview = PreviewGetResponse;
/** E6 */
export type Raw = RawGetResponse;
/** E7 */
export type Trace = TraceGetResponse;
export type TraceLine = TraceGetResponse.Inbound.Line;
/** E8 / E9 (MoveCreateResponse and MoveBulkResponse are identical) */
export type MoveResult = MoveCreateResponse;
/** E11 */
export type ReleaseResult = ReleaseBulkResponse;
/**
 * E12/E14/E16 result and E13 item (BulkCreate/List/Get are identical). 7.3.0 (contract#versions): adds the
 * required counters `messages_cancelled` and `messages_skipped`, and drops `SKIPPED` from the job
 * status (contract#bulk-jobs still lists it; E15 still accepts deleting a SKIPPED job).
 */
export type BulkJob = BulkGetResponse;
export type BulkJobStatus = BulkJob['status'];
export type BulkAction = BulkJob['action_type'];
export type SearchParams = BulkGetResponse.SearchParams;
export type Destination = BulkGetResponse.Move['destination'];
/** E15 */
export type BulkDeleteResult = BulkDeleteResponse;
/**
 * E17 item. 7.3.0 differs from contract#endpoints (E17): status has no `DISCOVERING` (but has `SKIPPED`), and an
 * optional embedded `message` (a Message) exists; the simulator leaves `message` out.
 */
export type BulkJobMessage = MessageListResponse;
export type BulkJobMessageStatus = BulkJobMessage['status'];
/** S1 */
export type InsightList = InsightListResponse;
export type Issue = InsightListResponse.Issue;
export type IssueType = NonNullable<Issue['issue_type']>;
export type Severity = NonNullable<Issue['severity']>;
export type UserClassification = NonNullable<Issue['user_classification']>;
/** S7 / S8 (identical) */
export type AuditLogEntry = AuditLogListResponse;
export type AuditField = NonNullable<AuditLogEntry['field_changed']>;
/** S4 / S5 / S6 (identical) */
export type CountItem = ClassGetResponse.ClassGetResponseItem;
/** S9 */
export type InsightContext = ContextGetResponse;
/** I1 body as recorded (without the path's account_id). */
export type Miscategorization = Omit<MiscategorizationCreateParams, 'account_id'>;

// Enum value lists (contract#enums). `satisfies` keeps them in lock-step with the SDK unions.
export const DISPOSITIONS = [
  'MALICIOUS',
  'MALICIOUS-BEC',
  'SUSPICIOUS',
  'SPOOF',
  'SPAM',
  'BULK',
  'ENCRYPTED',
  'EXTERNAL',
  'UNKNOWN',
  'NONE',
] as const satisfies readonly Disposition[];
/** E1 `final_disposition` filter accepts only these six (E1, contract#search, contract#enums). */
export const DISPOSITIONS_6 = [
  'MALICIOUS',
  'SUSPICIOUS',
  'SPOOF',
  'SPAM',
  'BULK',
  'NONE',
] as const satisfies readonly Disposition[];
/** "Non-benign": E4/E6 are documented only for these. */
export const NON_BENIGN: ReadonlySet<string> = new Set([
  'MALICIOUS',
  'MALICIOUS-BEC',
  'SUSPICIOUS',
  'SPOOF',
  'SPAM',
  'BULK',
]);
export const RECLASSIFY_DISPOSITIONS = [
  'NONE',
  'BULK',
  'MALICIOUS',
  'SPAM',
  'SPOOF',
  'SUSPICIOUS',
] as const satisfies readonly Disposition[];
export const DESTINATIONS = [
  'Inbox',
  'JunkEmail',
  'DeletedItems',
  'RecoverableItemsDeletions',
  'RecoverableItemsPurges',
] as const satisfies readonly Destination[];
export const DELIVERY_MODES = [
  'DIRECT',
  'BCC',
  'JOURNAL',
  'REVIEW_SUBMISSION',
  'DMARC_UNVERIFIED',
  'DMARC_FAILURE_REPORT',
  'DMARC_AGGREGATE_REPORT',
  'THREAT_INTEL_SUBMISSION',
  'SIMULATION_SUBMISSION',
  'API',
  'RETRO_SCAN',
] as const satisfies readonly DeliveryMode[];
export const DELIVERY_STATUSES = [
  'delivered',
  'moved',
  'quarantined',
  'rejected',
  'deferred',
  'bounced',
  'queued',
  'move_failed',
] as const satisfies readonly DeliveryStatus[];
export const AUTH_RESULTS = ['pass', 'neutral', 'fail', 'error', 'none'] as const satisfies readonly AuthResult[];
export const PATTERN_TYPES = [
  'quarantine_release',
  'acceptable_sender',
  'allowed_sender',
  'allowed_recipient',
  'domain_similarity',
  'domain_recency',
  'managed_acceptable_sender',
  'outbound_ndr',
] as const satisfies readonly PatternType[];
/** E1 `message_action` → the post-delivery operation it matches. `SUBMITTED` is only in the older docs (contract#enums). */
export const MESSAGE_ACTIONS: Readonly<Record<string, PostDeliveryOp>> = {
  PREVIEW: 'PREVIEW',
  QUARANTINE_RELEASED: 'QUARANTINE_RELEASE',
  MOVED: 'MOVE',
  SUBMITTED: 'SUBMISSION',
};
export const BULK_ACTIONS = ['MOVE', 'RELEASE'] as const satisfies readonly BulkAction[];
/** JobStatus (contract#enums; includes SKIPPED which 7.3.0 dropped from the job type). */
export const JOB_STATUSES = [
  'PENDING',
  'DISCOVERING',
  'PROCESSING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'SKIPPED',
] as const;
export const TERMINAL_JOB_STATUSES: ReadonlySet<string> = new Set(['COMPLETED', 'CANCELLED', 'FAILED', 'SKIPPED']);
export const ISSUE_TYPES = [
  'compliance_violation',
  'email_security',
  'exposed_infrastructure',
  'insecure_configuration',
  'weak_authentication',
  'configuration_suggestion',
] as const satisfies readonly IssueType[];
export const SEVERITIES = ['Low', 'Moderate', 'Critical'] as const satisfies readonly Severity[];
export const USER_CLASSIFICATIONS = [
  'false_positive',
  'accept_risk',
  'other',
] as const satisfies readonly UserClassification[];
export const AUDIT_FIELDS = ['status', 'user_classification'] as const satisfies readonly AuditField[];
