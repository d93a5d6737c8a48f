/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Stable code of a typed mutation error. */
export type ActionErrorCode =
  /** The input is invalid; nothing was sent to Cloudflare. */
  | 'BAD_USER_INPUT'
  /** The object is not in a state that allows this change, or the idempotency key is taken. */
  | 'CONFLICT'
  /** The caller lacks the scope, or Cloudflare refused the credential. */
  | 'FORBIDDEN'
  /** Cloudflare does not know the object. */
  | 'NOT_FOUND'
  /** The request reached Cloudflare and then failed, or was answered unreadably: it may have been applied. Check before retrying. */
  | 'OUTCOME_UNKNOWN'
  /** The Cloudflare budget is exhausted; retry after `retryAfterSeconds`. */
  | 'RATE_LIMITED'
  /** The idempotency key could not be confirmed in the shared state store (Redis down or paused); nothing was sent. Retry with the same key after `retryAfterSeconds`. */
  | 'STATE_UNAVAILABLE'
  /** Cloudflare refused the request (it answered with an error); nothing was applied. */
  | 'UPSTREAM_ERROR';

/** Operation recorded in a message action log. */
export type ActionLogOperation =
  /** Moved. */
  | 'MOVE'
  /** Previewed. */
  | 'PREVIEW'
  /** Released from quarantine. */
  | 'QUARANTINE_RELEASE'
  /** Reclassified. */
  | 'RECLASSIFY'
  /** Released. */
  | 'RELEASE'
  /** Submitted. */
  | 'SUBMISSION';

/** Result of an SPF, DKIM or DMARC check. */
export type AuthResult =
  /** Error while checking. */
  | 'ERROR'
  /** Fail. */
  | 'FAIL'
  /** Neutral. */
  | 'NEUTRAL'
  /** No record. */
  | 'NONE'
  /** Pass. */
  | 'PASS';

/** What a bulk job does to each matched message. */
export type BulkAction =
  /** Move to a folder. */
  | 'MOVE'
  /** Release from quarantine. */
  | 'RELEASE';

/** Classify an insight, or reset its classification (S3). */
export type ClassifyInsightInput = {
  /** The new classification; null (or absent) resets it. */
  classification?: InsightClassification | null | undefined;
  /** Cloudflare issue id. */
  id: string | number;
  /** Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again. After an unknown outcome the key keeps answering OUTCOME_UNKNOWN. */
  idempotencyKey?: string | null | undefined;
  /** Why. Required (non-blank) for ACCEPT_RISK and OTHER; Cloudflare keeps it in the insight audit log. */
  rationale?: string | null | undefined;
  /** Cloudflare refuses a direct change between two classifications (S3). When true, the gateway reads the current value and, if needed, resets it to null before setting the new one (two PATCHes). When false, such a change is a ConflictError. */
  replaceExisting?: boolean | null | undefined;
  /** Account or zone of the insight. */
  scope: InsightScope;
};

/** A bulk MOVE or RELEASE over every message matching a search (E12). */
export type CreateBulkActionInput = {
  /** Cloudflare account id (32 hex characters). Defaults to the configured account. */
  accountId?: string | null | undefined;
  /** MOVE (needs `destination`) or RELEASE (takes no destination). */
  action: BulkAction;
  /** Free-text comment stored with the job (at most 1,000 characters). */
  comment?: string | null | undefined;
  /** Destination folder; required for MOVE, refused for RELEASE. */
  destination?: Destination | null | undefined;
  /** Disposition the messages are expected to have (MOVE only; passed through to Cloudflare). */
  expectedDisposition?: Disposition | null | undefined;
  /** Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again. After an unknown outcome the key keeps answering OUTCOME_UNKNOWN. */
  idempotencyKey?: string | null | undefined;
  /** Which messages: the same fields as the `messages` search, plus `start`/`end`. It must contain at least one real criterion or an explicit `start` (safety rule, see `createBulkAction`). Cloudflare accepts all ten dispositions in bulk search params, but `MessageFilter.finalDisposition` offers the six the message search takes; MALICIOUS_BEC, ENCRYPTED, EXTERNAL and UNKNOWN cannot be selected here. */
  searchParams: MessageFilter;
};

/** How the message reached Email Security. */
export type DeliveryMode =
  /** Through the API. */
  | 'API'
  /** BCC journaling. */
  | 'BCC'
  /** Inline (MX) delivery. */
  | 'DIRECT'
  /** A DMARC aggregate report. */
  | 'DMARC_AGGREGATE_REPORT'
  /** A DMARC failure report. */
  | 'DMARC_FAILURE_REPORT'
  /** DMARC unverified. */
  | 'DMARC_UNVERIFIED'
  /** Journaling. */
  | 'JOURNAL'
  /** A retro scan. */
  | 'RETRO_SCAN'
  /** A submission for review. */
  | 'REVIEW_SUBMISSION'
  /** A phishing-simulation submission. */
  | 'SIMULATION_SUBMISSION'
  /** A threat-intel submission. */
  | 'THREAT_INTEL_SUBMISSION';

/** Delivery state of a message. */
export type DeliveryStatus =
  /** Bounced. */
  | 'BOUNCED'
  /** Deferred. */
  | 'DEFERRED'
  /** Delivered. */
  | 'DELIVERED'
  /** Moved after delivery. */
  | 'MOVED'
  /** A move was attempted and failed (SDK 7.3.0). */
  | 'MOVE_FAILED'
  /** Held in quarantine. */
  | 'QUARANTINED'
  /** Queued. */
  | 'QUEUED'
  /** Rejected. */
  | 'REJECTED';

/** Mailbox folder a message can be moved to. */
export type Destination =
  /** Deleted items (Cloudflare `DeletedItems`). */
  | 'DELETED_ITEMS'
  /** The inbox (Cloudflare `Inbox`). */
  | 'INBOX'
  /** The junk folder (Cloudflare `JunkEmail`). */
  | 'JUNK_EMAIL'
  /** Recoverable items, deletions (soft delete). */
  | 'RECOVERABLE_ITEMS_DELETIONS'
  /** Recoverable items, purges (hard delete). */
  | 'RECOVERABLE_ITEMS_PURGES';

/** Dismiss (archive) an insight, or restore it (S2). */
export type DismissInsightInput = {
  /** true dismisses, false restores. */
  dismiss?: boolean | null | undefined;
  /** Cloudflare issue id. */
  id: string | number;
  /** Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again. After an unknown outcome the key keeps answering OUTCOME_UNKNOWN. */
  idempotencyKey?: string | null | undefined;
  /** Account or zone of the insight. */
  scope: InsightScope;
};

/** Final verdict on a message (Cloudflare `final_disposition`). */
export type Disposition =
  /** Bulk / marketing mail. */
  | 'BULK'
  /** Encrypted content that could not be scanned. */
  | 'ENCRYPTED'
  /** Marked as external. */
  | 'EXTERNAL'
  /** Malicious: phishing, malware or similar. */
  | 'MALICIOUS'
  /** Malicious business e-mail compromise (Cloudflare spells it `MALICIOUS-BEC`). */
  | 'MALICIOUS_BEC'
  /** Clean: no detection. */
  | 'NONE'
  /** Spam. */
  | 'SPAM'
  /** Spoofed sender. */
  | 'SPOOF'
  /** Suspicious, not proven malicious. */
  | 'SUSPICIOUS'
  /** No verdict could be reached. */
  | 'UNKNOWN';

/** Kind of indicator a miscategorization report is about. */
export type IndicatorType =
  /** A domain (give `url`, e.g. example.com). */
  | 'DOMAIN'
  /** An IPv4 address (give `ip`). */
  | 'IPV4'
  /** An IPv6 address (give `ip`). */
  | 'IPV6'
  /** A URL (give `url`, e.g. https://example.com/news/). */
  | 'URL';

/** Field an insight audit entry records a change of. */
export type InsightAuditField =
  /** The status. */
  | 'STATUS'
  /** The user classification. */
  | 'USER_CLASSIFICATION';

/** How an analyst classified an insight. */
export type InsightClassification =
  /** A real problem whose risk is accepted (needs a rationale). */
  | 'ACCEPT_RISK'
  /** Not a real problem. */
  | 'FALSE_POSITIVE'
  /** Something else (needs a rationale). */
  | 'OTHER';

/** One PATCH of the classification (S3) the gateway sent. */
export type InsightClassificationStep =
  /** Set the classification to null. */
  | 'RESET'
  /** Set the requested classification (a no-op at Cloudflare when it already had that value). */
  | 'SET';

/** The shared insight filter F of S1/S4–S6. Lists match any of their values; the `…Not` lists exclude (Cloudflare `~neq`). An empty list is the same as leaving it out. */
export type InsightFilter = {
  /** Only dismissed (true) or only not dismissed (false) insights. */
  dismissed?: boolean | null | undefined;
  /** Only these issue classes. */
  issueClass?: Array<string> | null | undefined;
  /** Exclude these issue classes (`issue_class~neq`). */
  issueClassNot?: Array<string> | null | undefined;
  /** Only these types. */
  issueType?: Array<InsightType> | null | undefined;
  /** Exclude these types (`issue_type~neq`). */
  issueTypeNot?: Array<InsightType> | null | undefined;
  /** Only insights of these Cloudflare products. */
  product?: Array<string> | null | undefined;
  /** Exclude these products (`product~neq`). */
  productNot?: Array<string> | null | undefined;
  /** Only these severities. */
  severity?: Array<InsightSeverity> | null | undefined;
  /** Exclude these severities (`severity~neq`). */
  severityNot?: Array<InsightSeverity> | null | undefined;
  /** Only insights found by these sources (SDK 7.3.0 `source`). */
  source?: Array<InsightSource> | null | undefined;
  /** Only these subjects. */
  subject?: Array<string> | null | undefined;
  /** Exclude these subjects (`subject~neq`). */
  subjectNot?: Array<string> | null | undefined;
};

/** Where insights live: exactly one of `accountId` or `zoneId`, 32 hexadecimal characters each (Cloudflare makes them mutually exclusive). Checked by the gateway before any Cloudflare call (a `@oneOf`-style input). */
export type InsightScope = {
  /** Cloudflare account id (32 hex characters). */
  accountId?: string | null | undefined;
  /** Cloudflare zone id (32 hex characters). */
  zoneId?: string | null | undefined;
};

/** Severity of an insight. */
export type InsightSeverity =
  /** Critical. */
  | 'CRITICAL'
  /** Low. */
  | 'LOW'
  /** Moderate. */
  | 'MODERATE';

/** Who found an insight (Cloudflare `source`). */
export type InsightSource =
  /** Cloudflare’s own scans. */
  | 'CLOUDFLARE'
  /** RiskRecon (third-party risk ratings). */
  | 'RISKRECON';

/** Whether an insight is still open. */
export type InsightStatus =
  /** Active. */
  | 'ACTIVE'
  /** Resolved. */
  | 'RESOLVED';

/** Category of a Security Center insight. */
export type InsightType =
  /** Compliance violation. */
  | 'COMPLIANCE_VIOLATION'
  /** Configuration suggestion. */
  | 'CONFIGURATION_SUGGESTION'
  /** Email security. */
  | 'EMAIL_SECURITY'
  /** Exposed infrastructure. */
  | 'EXPOSED_INFRASTRUCTURE'
  /** Insecure configuration. */
  | 'INSECURE_CONFIGURATION'
  /** Weak authentication. */
  | 'WEAK_AUTHENTICATION';

/** State of a bulk job or of one of its messages. */
export type JobStatus =
  /** Cancelled (terminal). */
  | 'CANCELLED'
  /** Finished (terminal). */
  | 'COMPLETED'
  /** Finding the messages that match. */
  | 'DISCOVERING'
  /** Failed (terminal). */
  | 'FAILED'
  /** Waiting to start. */
  | 'PENDING'
  /** Applying the action. */
  | 'PROCESSING'
  /** Skipped (terminal). */
  | 'SKIPPED';

/** Search filter: messages on which this action was taken. */
export type MessageAction =
  /** Moved. */
  | 'MOVED'
  /** Previewed. */
  | 'PREVIEW'
  /** Released from quarantine. */
  | 'QUARANTINE_RELEASED'
  /** Submitted (seed docs only). */
  | 'SUBMITTED';

/** Search parameters of E1. Everything is optional; the window defaults to the last 30 days. */
export type MessageFilter = {
  /** Alert id. */
  alertId?: string | null | undefined;
  /** Only messages in this delivery state. */
  deliveryStatus?: DeliveryStatus | null | undefined;
  /** Only messages with a detection. */
  detectionsOnly?: boolean | null | undefined;
  /** Sender domain. */
  domain?: string | null | undefined;
  /** Window end (default: the time of the first page). */
  end?: string | null | undefined;
  /** Exact subject (seed docs parameter; the current SDK dropped it from search). */
  exactSubject?: string | null | undefined;
  /** Only messages with this disposition. */
  finalDisposition?: SearchDisposition | null | undefined;
  /** Only messages on which this action was taken. */
  messageAction?: MessageAction | null | undefined;
  /** RFC 822 Message-ID. */
  messageId?: string | null | undefined;
  /** Cloudflare `metric` parameter (undocumented upstream; passed through). */
  metric?: string | null | undefined;
  /** Free text, space-delimited, case-insensitive: subject, addresses, ids, hashes, IPs, … */
  query?: string | null | undefined;
  /** Recipient e-mail address or domain. */
  recipient?: string | null | undefined;
  /** Sender e-mail address or domain. */
  sender?: string | null | undefined;
  /** IP given in SMTP HELO. */
  smtpHeloIp?: string | null | undefined;
  /** Window start (default: 30 days before the first page). Must not be in the future. */
  start?: string | null | undefined;
  /** Keywords in the subject, any order. */
  subject?: string | null | undefined;
  /** Search submissions instead of original messages (seed docs parameter). */
  submissions?: boolean | null | undefined;
};

/** Messages to move and where. */
export type MoveMessagesInput = {
  /** Cloudflare account id (32 hex characters). Defaults to the configured account. */
  accountId?: string | null | undefined;
  /** Destination folder. */
  destination: Destination;
  /** Disposition the caller expects the messages to have (Cloudflare marks it nonfunctional in SDK 7.3.0; passed through). */
  expectedDisposition?: Disposition | null | undefined;
  /** Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again. After an unknown outcome the key keeps answering OUTCOME_UNKNOWN. */
  idempotencyKey?: string | null | undefined;
  /** Investigate ids (1–10000). Sent in batches of 1000. */
  ids: Array<string | number>;
};

/** What happened to one message of a move. */
export type MoveStatus =
  /** Cloudflare accepted the request and reported success for result rows it did not attribute to a message: this message was most likely acted on, but per-message detail is unavailable. */
  | 'ACCEPTED'
  /** Cloudflare reported the move failed; nothing changed. */
  | 'FAILED'
  /** Moved for every recipient. */
  | 'MOVED'
  /** Cloudflare does not know the message (it says so, or answered nothing for it). */
  | 'NOT_FOUND'
  /** The request failed after it was sent, or Cloudflare answered rows that cannot be told apart: it may have been applied. Check before retrying. */
  | 'OUTCOME_UNKNOWN'
  /** Moved for some recipients only. */
  | 'PARTIAL';

/** Which Cloudflare endpoint produced a preview. */
export type PreviewSource =
  /** E5: the on-demand preview of a message that was not a detection. */
  | 'ANY_MESSAGE'
  /** E4: the preview of a detected (non-benign) message. */
  | 'DETECTION';

/** The disposition an analyst says a message should have had (E10). */
export type ReclassifyDisposition =
  /** Bulk. */
  | 'BULK'
  /** Malicious: report a false negative. */
  | 'MALICIOUS'
  /** Clean: report a false positive. */
  | 'NONE'
  /** Spam. */
  | 'SPAM'
  /** Spoofed sender. */
  | 'SPOOF'
  /** Suspicious. */
  | 'SUSPICIOUS';

/** Report a false positive or false negative (E10). */
export type ReclassifyMessageInput = {
  /** Cloudflare account id (32 hex characters). Defaults to the configured account. */
  accountId?: string | null | undefined;
  /** Base64-encoded EML of the message (optional; never logged). */
  emlContent?: string | null | undefined;
  /** Id of an escalated submission this relates to. */
  escalatedSubmissionId?: string | null | undefined;
  /** The disposition the message should have had. */
  expectedDisposition: ReclassifyDisposition;
  /** Investigate id. */
  id: string | number;
  /** Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again. After an unknown outcome the key keeps answering OUTCOME_UNKNOWN. */
  idempotencyKey?: string | null | undefined;
};

/** Quarantined messages to release to their recipients. */
export type ReleaseMessagesInput = {
  /** Cloudflare account id (32 hex characters). Defaults to the configured account. */
  accountId?: string | null | undefined;
  /** Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again. After an unknown outcome the key keeps answering OUTCOME_UNKNOWN. */
  idempotencyKey?: string | null | undefined;
  /** Investigate ids (1–10000). */
  ids: Array<string | number>;
};

/** What happened to one message of a release. */
export type ReleaseStatus =
  /** Cloudflare accepted the request and reported success for result rows it did not attribute to a message: this message was most likely acted on, but per-message detail is unavailable. */
  | 'ACCEPTED'
  /** The release failed; nothing was delivered. */
  | 'FAILED'
  /** Cloudflare does not know the message (it says so, or answered nothing for it). */
  | 'NOT_FOUND'
  /** Nothing was delivered (for example, the message was not in quarantine). */
  | 'NOT_RELEASED'
  /** The request failed after it was sent, or Cloudflare answered rows that cannot be told apart: it may have been applied. Check before retrying. */
  | 'OUTCOME_UNKNOWN'
  /** Delivered to some recipients; see `failed` / `undelivered`. */
  | 'PARTIAL'
  /** Delivered to every recipient. */
  | 'RELEASED';

/** Dispositions the message search can filter on (Cloudflare accepts six). */
export type SearchDisposition =
  /** Bulk. */
  | 'BULK'
  /** Malicious. */
  | 'MALICIOUS'
  /** Clean. */
  | 'NONE'
  /** Spam. */
  | 'SPAM'
  /** Spoofed sender. */
  | 'SPOOF'
  /** Suspicious. */
  | 'SUSPICIOUS';

/** A request to change the categories of a domain, URL or IP (I1). Checked before anything is sent. */
export type SubmitMiscategorizationInput = {
  /** Cloudflare account id (32 hex characters). Defaults to the configured account. */
  accountId?: string | null | undefined;
  /** Content category ids to add. */
  contentAdds?: Array<number> | null | undefined;
  /** Content category ids to remove. */
  contentRemoves?: Array<number> | null | undefined;
  /** Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again. After an unknown outcome the key keeps answering OUTCOME_UNKNOWN. */
  idempotencyKey?: string | null | undefined;
  /** Kind of indicator. */
  indicatorType: IndicatorType;
  /** The IP address; only with IPV4 or IPV6, and of that family. */
  ip?: string | null | undefined;
  /** Security category ids to add. */
  securityAdds?: Array<number> | null | undefined;
  /** Security category ids to remove. */
  securityRemoves?: Array<number> | null | undefined;
  /** The domain (e.g. `example.com`) or URL (e.g. `https://example.com/news/`); only with DOMAIN or URL. */
  url?: string | null | undefined;
};

export type MoveMessagesMutationVariables = Exact<{
  input: MoveMessagesInput;
}>;


export type MoveMessagesMutation = { moveMessages:
    | { __typename: 'ConflictError', code: ActionErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ActionErrorCode, message: string }
    | { __typename: 'MoveMessagesPayload', movedCount: number, failedCount: number, replayed: boolean, outcomes: Array<{ id: string, status: MoveStatus, reason: string | null, message: { id: string, isQuarantined: boolean, deliveryStatus: Array<DeliveryStatus> | null } | null }> }
    | { __typename: 'NotFoundError', code: ActionErrorCode, message: string }
    | { __typename: 'OutcomeUnknownError', code: ActionErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ActionErrorCode, message: string, retryAfterSeconds: number }
    | { __typename: 'StateUnavailableError', code: ActionErrorCode, message: string }
    | { __typename: 'UpstreamError', code: ActionErrorCode, message: string }
    | { __typename: 'ValidationError', code: ActionErrorCode, message: string, issues: Array<{ path: Array<string>, message: string }> }
   | null };

export type ReleaseMessagesMutationVariables = Exact<{
  input: ReleaseMessagesInput;
}>;


export type ReleaseMessagesMutation = { releaseMessages:
    | { __typename: 'ConflictError', code: ActionErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ActionErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ActionErrorCode, message: string }
    | { __typename: 'OutcomeUnknownError', code: ActionErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ActionErrorCode, message: string }
    | { __typename: 'ReleaseMessagesPayload', releasedCount: number, replayed: boolean, outcomes: Array<{ id: string, status: ReleaseStatus, delivered: Array<string>, failed: Array<string>, undelivered: Array<string>, message: { id: string, isQuarantined: boolean, actionLog: Array<{ operation: ActionLogOperation | null, completedAt: string | null }> } | null }> }
    | { __typename: 'StateUnavailableError', code: ActionErrorCode, message: string }
    | { __typename: 'UpstreamError', code: ActionErrorCode, message: string }
    | { __typename: 'ValidationError', code: ActionErrorCode, message: string, issues: Array<{ path: Array<string>, message: string }> }
   | null };

export type ReclassifyMessageMutationVariables = Exact<{
  input: ReclassifyMessageInput;
}>;


export type ReclassifyMessageMutation = { reclassifyMessage:
    | { __typename: 'ConflictError', code: ActionErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ActionErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ActionErrorCode, message: string }
    | { __typename: 'OutcomeUnknownError', code: ActionErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ActionErrorCode, message: string }
    | { __typename: 'ReclassifyMessagePayload', id: string, expectedDisposition: ReclassifyDisposition, replayed: boolean }
    | { __typename: 'StateUnavailableError', code: ActionErrorCode, message: string }
    | { __typename: 'UpstreamError', code: ActionErrorCode, message: string }
    | { __typename: 'ValidationError', code: ActionErrorCode, message: string, issues: Array<{ path: Array<string>, message: string }> }
   | null };

export type SubmitMiscategorizationMutationVariables = Exact<{
  input: SubmitMiscategorizationInput;
}>;


export type SubmitMiscategorizationMutation = { submitMiscategorization:
    | { __typename: 'ConflictError', code: ActionErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ActionErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ActionErrorCode, message: string }
    | { __typename: 'OutcomeUnknownError', code: ActionErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ActionErrorCode, message: string }
    | { __typename: 'StateUnavailableError', code: ActionErrorCode, message: string }
    | { __typename: 'SubmitMiscategorizationPayload', indicatorType: IndicatorType, indicator: string, replayed: boolean }
    | { __typename: 'UpstreamError', code: ActionErrorCode, message: string }
    | { __typename: 'ValidationError', code: ActionErrorCode, message: string, issues: Array<{ path: Array<string>, message: string }> }
   | null };

export type CreateBulkActionMutationVariables = Exact<{
  input: CreateBulkActionInput;
}>;


export type CreateBulkActionMutation = { createBulkAction:
    | { __typename: 'ConflictError', code: ActionErrorCode, message: string }
    | { __typename: 'CreateBulkActionPayload', replayed: boolean, job: { id: string, status: JobStatus | null, statusRaw: string } }
    | { __typename: 'ForbiddenError', code: ActionErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ActionErrorCode, message: string }
    | { __typename: 'OutcomeUnknownError', code: ActionErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ActionErrorCode, message: string }
    | { __typename: 'StateUnavailableError', code: ActionErrorCode, message: string }
    | { __typename: 'UpstreamError', code: ActionErrorCode, message: string }
    | { __typename: 'ValidationError', code: ActionErrorCode, message: string, issues: Array<{ path: Array<string>, message: string }> }
   | null };

export type BulkJobProgressSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type BulkJobProgressSubscription = { bulkJobProgress: { id: string, status: JobStatus | null, statusRaw: string, progress: number | null, isTerminal: boolean, totalMessagesDiscovered: number, messagesSuccessful: number, messagesFailed: number, messagesPending: number } };

export type BulkJobsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type BulkJobsQuery = { bulkJobs: { totalCount: number | null, nodes: Array<{ id: string, action: BulkAction | null, status: JobStatus | null, createdAt: string | null, progress: number | null } | null> | null } };

export type InsightsDashboardQueryVariables = Exact<{
  scope: InsightScope;
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: InsightFilter | null | undefined;
}>;


export type InsightsDashboardQuery = { severityCounts: Array<{ value: string | null, count: number | null }>, insights: { totalCount: number | null, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, subject: string | null, issueClass: string | null, issueType: InsightType | null, severity: InsightSeverity | null, status: InsightStatus | null, dismissed: boolean | null, userClassification: InsightClassification | null, since: string | null, timestamp: string | null } | null> | null } };

export type InsightDetailsQueryVariables = Exact<{
  scope: InsightScope;
  id: string | number;
}>;


export type InsightDetailsQuery = { insight: { id: string, subject: string | null, payload: unknown, resolveText: string | null, resolveLink: string | null, hasExtendedContext: boolean | null, context: unknown, auditLog: { nodes: Array<{ id: string | null, changedAt: string | null, changedBy: string | null, fieldChanged: InsightAuditField | null, previousValue: string | null, currentValue: string | null, rationale: string | null } | null> | null } } | null };

export type ClassifyInsightMutationVariables = Exact<{
  input: ClassifyInsightInput;
}>;


export type ClassifyInsightMutation = { classifyInsight:
    | { __typename: 'ClassifyInsightPayload', id: string, classification: InsightClassification | null, previousClassification: InsightClassification | null, complete: boolean, steps: Array<InsightClassificationStep>, replayed: boolean }
    | { __typename: 'ConflictError', code: ActionErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ActionErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ActionErrorCode, message: string }
    | { __typename: 'OutcomeUnknownError', code: ActionErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ActionErrorCode, message: string }
    | { __typename: 'StateUnavailableError', code: ActionErrorCode, message: string }
    | { __typename: 'UpstreamError', code: ActionErrorCode, message: string }
    | { __typename: 'ValidationError', code: ActionErrorCode, message: string, issues: Array<{ path: Array<string>, message: string }> }
   | null };

export type DismissInsightMutationVariables = Exact<{
  input: DismissInsightInput;
}>;


export type DismissInsightMutation = { dismissInsight:
    | { __typename: 'ConflictError', code: ActionErrorCode, message: string }
    | { __typename: 'DismissInsightPayload', id: string, dismissed: boolean, replayed: boolean }
    | { __typename: 'ForbiddenError', code: ActionErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ActionErrorCode, message: string }
    | { __typename: 'OutcomeUnknownError', code: ActionErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ActionErrorCode, message: string }
    | { __typename: 'StateUnavailableError', code: ActionErrorCode, message: string }
    | { __typename: 'UpstreamError', code: ActionErrorCode, message: string }
    | { __typename: 'ValidationError', code: ActionErrorCode, message: string }
   | null };

export type MessageDetailsQueryVariables = Exact<{
  id: string | number;
}>;


export type MessageDetailsQuery = { message: { id: string, postfixId: string, subject: string | null, from: string | null, fromName: string | null, to: Array<string> | null, replyTo: string | null, messageId: string | null, sentAt: string | null, scannedAt: string | null, finalDisposition: Disposition | null, deliveryStatus: Array<DeliveryStatus> | null, isQuarantined: boolean, validation: { spf: AuthResult | null, dkim: AuthResult | null, dmarc: AuthResult | null } | null, actionLog: Array<{ operation: ActionLogOperation | null, completedAt: string | null, folder: string | null }>, detection: { action: string, senderInfo: { ip: string | null, asName: string | null, geo: string | null }, headers: Array<{ name: string, value: string }>, findings: Array<{ name: string | null, value: string | null, detection: Disposition | null }> | null } | null, trace: { inbound: { pending: boolean | null, lines: Array<{ lineno: number | null, loggedAt: string | null, message: string | null }> | null }, outbound: { pending: boolean | null, lines: Array<{ lineno: number | null, loggedAt: string | null, message: string | null }> | null } } | null, preview: { dataUrl: string, source: PreviewSource } | null } | null };

export type MessageRawQueryVariables = Exact<{
  id: string | number;
}>;


export type MessageRawQuery = { message: { id: string, raw: string | null } | null };

export type MessageDetailsDeferredQueryVariables = Exact<{
  id: string | number;
}>;


export type MessageDetailsDeferredQuery = { message: { id: string, subject: string | null, from: string | null, to: Array<string> | null, scannedAt: string | null, finalDisposition: Disposition | null, isQuarantined: boolean, detection: { action: string, findings: Array<{ name: string | null, value: string | null, detection: Disposition | null }> | null } | null } & ({ trace: { inbound: { pending: boolean | null, lines: Array<{ lineno: number | null, loggedAt: string | null, message: string | null }> | null }, outbound: { pending: boolean | null, lines: Array<{ lineno: number | null, loggedAt: string | null, message: string | null }> | null } } | null } | { trace?: never }) & ({ preview: { dataUrl: string, source: PreviewSource } | null } | { preview?: never }) | null };

export type TraceSideLinesFragment = { pending: boolean | null, lines: Array<{ lineno: number | null, loggedAt: string | null, message: string | null }> | null };

export type TriagePageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: MessageFilter | null | undefined;
}>;


export type TriagePageQuery = { messages: { totalCount: number | null, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, subject: string | null, from: string | null, fromName: string | null, to: Array<string> | null, scannedAt: string | null, finalDisposition: Disposition | null, deliveryMode: DeliveryMode | null, isQuarantined: boolean, threatCategories: Array<string> | null, detection: { action: string, finalDisposition: Disposition | null, threatCategories: Array<{ id: number | null, name: string | null }>, links: Array<{ href: string }>, attachments: Array<{ filename: string | null, sha256: string | null }> } | null } | null } | null> | null } };

export type TriagePageDeferredQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: MessageFilter | null | undefined;
}>;


export type TriagePageDeferredQuery = { messages: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, subject: string | null, from: string | null, scannedAt: string | null, finalDisposition: Disposition | null, isQuarantined: boolean } & ({ detection: { action: string, threatCategories: Array<{ name: string | null }>, links: Array<{ href: string }> } | null } | { detection?: never }) | null> | null } };

export const TraceSideLinesFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TraceSideLines"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TraceSide"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pending"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lineno"}},{"kind":"Field","name":{"kind":"Name","value":"loggedAt"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<TraceSideLinesFragment, unknown>;
export const MoveMessagesDocument = {"__meta__":{"hash":"sha256:e32d0319d23c0af5213d506c436737a29113ce317689d88d0b5bcc32a874ef74"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"MoveMessages"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MoveMessagesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"moveMessages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MoveMessagesPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"movedCount"}},{"kind":"Field","name":{"kind":"Name","value":"failedCount"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}},{"kind":"Field","name":{"kind":"Name","value":"outcomes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"message"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"isQuarantined"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryStatus"}}]}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MutationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RateLimitedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryAfterSeconds"}}]}}]}}]}}]} as unknown as DocumentNode<MoveMessagesMutation, MoveMessagesMutationVariables>;
export const ReleaseMessagesDocument = {"__meta__":{"hash":"sha256:b4cb137ad73cd644f94254a33c36094ad7bcc9b74883cf63f36c923ab859a939"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReleaseMessages"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ReleaseMessagesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"releaseMessages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ReleaseMessagesPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"releasedCount"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}},{"kind":"Field","name":{"kind":"Name","value":"outcomes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"delivered"}},{"kind":"Field","name":{"kind":"Name","value":"failed"}},{"kind":"Field","name":{"kind":"Name","value":"undelivered"}},{"kind":"Field","name":{"kind":"Name","value":"message"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"isQuarantined"}},{"kind":"Field","name":{"kind":"Name","value":"actionLog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"operation"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}}]}}]}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MutationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ReleaseMessagesMutation, ReleaseMessagesMutationVariables>;
export const ReclassifyMessageDocument = {"__meta__":{"hash":"sha256:836d5a393a57b3dd76d980e06f5ea14af79e946ef35518cace3f15eaafe5fc97"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReclassifyMessage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ReclassifyMessageInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reclassifyMessage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ReclassifyMessagePayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"expectedDisposition"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MutationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ReclassifyMessageMutation, ReclassifyMessageMutationVariables>;
export const SubmitMiscategorizationDocument = {"__meta__":{"hash":"sha256:8660882ecf75345c55f91fd74b47cf17904da499ce8b14c9ec2641d23c9f738d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SubmitMiscategorization"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SubmitMiscategorizationInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"submitMiscategorization"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SubmitMiscategorizationPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"indicatorType"}},{"kind":"Field","name":{"kind":"Name","value":"indicator"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MutationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SubmitMiscategorizationMutation, SubmitMiscategorizationMutationVariables>;
export const CreateBulkActionDocument = {"__meta__":{"hash":"sha256:1136fb48c52cd77ce5ac080582aa1a0de4488620021279df69ba6c6b86e300a5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateBulkAction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateBulkActionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createBulkAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CreateBulkActionPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"replayed"}},{"kind":"Field","name":{"kind":"Name","value":"job"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusRaw"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MutationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CreateBulkActionMutation, CreateBulkActionMutationVariables>;
export const BulkJobProgressDocument = {"__meta__":{"hash":"sha256:2d17910332aa81514e76444ddbdec5beba054408ddd3b115c51d1d84b2a63227"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"BulkJobProgress"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bulkJobProgress"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusRaw"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"isTerminal"}},{"kind":"Field","name":{"kind":"Name","value":"totalMessagesDiscovered"}},{"kind":"Field","name":{"kind":"Name","value":"messagesSuccessful"}},{"kind":"Field","name":{"kind":"Name","value":"messagesFailed"}},{"kind":"Field","name":{"kind":"Name","value":"messagesPending"}}]}}]}}]} as unknown as DocumentNode<BulkJobProgressSubscription, BulkJobProgressSubscriptionVariables>;
export const BulkJobsDocument = {"__meta__":{"hash":"sha256:48236773dfe7251bba7a7be0b0b0e7e7b5e9c2769934a40f7008983000a09210"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BulkJobs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bulkJobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}}]}}]}}]}}]} as unknown as DocumentNode<BulkJobsQuery, BulkJobsQueryVariables>;
export const InsightsDashboardDocument = {"__meta__":{"hash":"sha256:64e4008ea4f4dec6ec0defbba3ab0d634dae73dac39ffa56240aa0b8682de247"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"InsightsDashboard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"scope"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InsightScope"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"InsightFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"severityCounts"},"name":{"kind":"Name","value":"insightCounts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"scope"},"value":{"kind":"Variable","name":{"kind":"Name","value":"scope"}}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"EnumValue","value":"SEVERITY"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}},{"kind":"Field","name":{"kind":"Name","value":"insights"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"scope"},"value":{"kind":"Variable","name":{"kind":"Name","value":"scope"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"issueClass"}},{"kind":"Field","name":{"kind":"Name","value":"issueType"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dismissed"}},{"kind":"Field","name":{"kind":"Name","value":"userClassification"}},{"kind":"Field","name":{"kind":"Name","value":"since"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}}]}}]}}]}}]} as unknown as DocumentNode<InsightsDashboardQuery, InsightsDashboardQueryVariables>;
export const InsightDetailsDocument = {"__meta__":{"hash":"sha256:5aaa6e8a1c9da0ff16bf8bbcd7a2099fa9be4981d55f3fa3e622c6c4a9373b9f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"InsightDetails"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"scope"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InsightScope"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"insight"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"scope"},"value":{"kind":"Variable","name":{"kind":"Name","value":"scope"}}},{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"payload"}},{"kind":"Field","name":{"kind":"Name","value":"resolveText"}},{"kind":"Field","name":{"kind":"Name","value":"resolveLink"}},{"kind":"Field","name":{"kind":"Name","value":"hasExtendedContext"}},{"kind":"Field","name":{"kind":"Name","value":"context"}},{"kind":"Field","name":{"kind":"Name","value":"auditLog"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"changedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changedBy"}},{"kind":"Field","name":{"kind":"Name","value":"fieldChanged"}},{"kind":"Field","name":{"kind":"Name","value":"previousValue"}},{"kind":"Field","name":{"kind":"Name","value":"currentValue"}},{"kind":"Field","name":{"kind":"Name","value":"rationale"}}]}}]}}]}}]}}]} as unknown as DocumentNode<InsightDetailsQuery, InsightDetailsQueryVariables>;
export const ClassifyInsightDocument = {"__meta__":{"hash":"sha256:ea37d58ee2b0b3d1d3ba2608967808d121e9ab00b70cba73312497bbd11547f2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ClassifyInsight"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ClassifyInsightInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"classifyInsight"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ClassifyInsightPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"classification"}},{"kind":"Field","name":{"kind":"Name","value":"previousClassification"}},{"kind":"Field","name":{"kind":"Name","value":"complete"}},{"kind":"Field","name":{"kind":"Name","value":"steps"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MutationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ClassifyInsightMutation, ClassifyInsightMutationVariables>;
export const DismissInsightDocument = {"__meta__":{"hash":"sha256:84b4eae7afa5986c2ce7158def493d062f5e1b2ebcff820275c1af9f3928ca65"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DismissInsight"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DismissInsightInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dismissInsight"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DismissInsightPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"dismissed"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MutationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<DismissInsightMutation, DismissInsightMutationVariables>;
export const MessageDetailsDocument = {"__meta__":{"hash":"sha256:5b32282de816094d127021617eb32d1c97fa02d806daf0fa4052a45a829bf305"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MessageDetails"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"postfixId"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"fromName"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"replyTo"}},{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"sentAt"}},{"kind":"Field","name":{"kind":"Name","value":"scannedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finalDisposition"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryStatus"}},{"kind":"Field","name":{"kind":"Name","value":"isQuarantined"}},{"kind":"Field","name":{"kind":"Name","value":"validation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"spf"}},{"kind":"Field","name":{"kind":"Name","value":"dkim"}},{"kind":"Field","name":{"kind":"Name","value":"dmarc"}}]}},{"kind":"Field","name":{"kind":"Name","value":"actionLog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"operation"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}},{"kind":"Field","name":{"kind":"Name","value":"folder"}}]}},{"kind":"Field","name":{"kind":"Name","value":"detection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"senderInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ip"}},{"kind":"Field","name":{"kind":"Name","value":"asName"}},{"kind":"Field","name":{"kind":"Name","value":"geo"}}]}},{"kind":"Field","name":{"kind":"Name","value":"headers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"findings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"detection"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"trace"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inbound"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TraceSideLines"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outbound"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TraceSideLines"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"preview"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataUrl"}},{"kind":"Field","name":{"kind":"Name","value":"source"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TraceSideLines"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TraceSide"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pending"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lineno"}},{"kind":"Field","name":{"kind":"Name","value":"loggedAt"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<MessageDetailsQuery, MessageDetailsQueryVariables>;
export const MessageRawDocument = {"__meta__":{"hash":"sha256:ead3f421996d45d20c15b80e9caac9055099e83b48b4dcc5a6f44aa53d533dd4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MessageRaw"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"raw"}}]}}]}}]} as unknown as DocumentNode<MessageRawQuery, MessageRawQueryVariables>;
export const MessageDetailsDeferredDocument = {"__meta__":{"hash":"sha256:9c00ddee0717ea7333443f40381d4cf41a64be3ee2cf9f75f6e5ba2b024c6aae"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MessageDetailsDeferred"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"scannedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finalDisposition"}},{"kind":"Field","name":{"kind":"Name","value":"isQuarantined"}},{"kind":"Field","name":{"kind":"Name","value":"detection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"findings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"detection"}}]}}]}},{"kind":"InlineFragment","directives":[{"kind":"Directive","name":{"kind":"Name","value":"defer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"label"},"value":{"kind":"StringValue","value":"trace","block":false}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trace"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inbound"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TraceSideLines"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outbound"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TraceSideLines"}}]}}]}}]}},{"kind":"InlineFragment","directives":[{"kind":"Directive","name":{"kind":"Name","value":"defer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"label"},"value":{"kind":"StringValue","value":"preview","block":false}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"preview"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataUrl"}},{"kind":"Field","name":{"kind":"Name","value":"source"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TraceSideLines"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TraceSide"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pending"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lineno"}},{"kind":"Field","name":{"kind":"Name","value":"loggedAt"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<MessageDetailsDeferredQuery, MessageDetailsDeferredQueryVariables>;
export const TriagePageDocument = {"__meta__":{"hash":"sha256:a51f9c5558db1c626a9ea7c8e784bbe59a4f9388a5198f1b85b9ab9051ecb920"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TriagePage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"25"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"MessageFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"fromName"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"scannedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finalDisposition"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryMode"}},{"kind":"Field","name":{"kind":"Name","value":"isQuarantined"}},{"kind":"Field","name":{"kind":"Name","value":"threatCategories"}},{"kind":"Field","name":{"kind":"Name","value":"detection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"finalDisposition"}},{"kind":"Field","name":{"kind":"Name","value":"threatCategories"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"links"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"href"}}]}},{"kind":"Field","name":{"kind":"Name","value":"attachments"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"filename"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<TriagePageQuery, TriagePageQueryVariables>;
export const TriagePageDeferredDocument = {"__meta__":{"hash":"sha256:2fc02cb6ebd16fbb72531ad3fb6d7f6a372bc0152fa557367f3b17e70810770e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TriagePageDeferred"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"25"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"MessageFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"scannedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finalDisposition"}},{"kind":"Field","name":{"kind":"Name","value":"isQuarantined"}},{"kind":"InlineFragment","directives":[{"kind":"Directive","name":{"kind":"Name","value":"defer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"label"},"value":{"kind":"StringValue","value":"detection","block":false}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"detection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"threatCategories"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"links"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"href"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<TriagePageDeferredQuery, TriagePageDeferredQueryVariables>;