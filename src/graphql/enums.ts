import type { Logger } from '../logger.js';
import { builder } from './builder.js';

/**
 * Every enum of the contract (contract#enums), with GraphQL names in SCREAMING_SNAKE_CASE and Cloudflare's
 * spelling as the internal value: resolvers hand the wire string through and GraphQL prints the
 * name (`MALICIOUS-BEC` ⇄ `MALICIOUS_BEC`, `JunkEmail` ⇄ `JUNK_EMAIL`). Arguments arrive as the wire
 * string too, so nothing else maps spellings.
 */
function wireEnum<const Wire extends string>(
  name: string,
  description: string,
  values: Record<string, { wire: Wire; description: string; deprecationReason?: string }>,
) {
  const wires = new Set<string>(Object.values(values).map((value) => value.wire));
  const ref = builder.enumType(name, {
    description,
    values: Object.fromEntries(
      Object.entries(values).map(([graphqlName, value]) => [
        graphqlName,
        { value: value.wire, description: value.description, deprecationReason: value.deprecationReason },
      ]),
    ) as Record<string, { value: Wire; description: string }>,
  });
  return {
    ref,
    /**
     * Cloudflare adds enum values without notice (contract#versions: `move_failed`, new job statuses). An unknown
     * value becomes null plus a warning instead of failing the whole object.
     */
    known(value: string | null | undefined, logger?: Logger): Wire | null {
      if (value === null || value === undefined) return null;
      if (wires.has(value)) return value as Wire;
      logger?.warn({ enum: name, value }, 'unknown upstream enum value mapped to null');
      return null;
    },
    knownList(values: readonly string[] | null | undefined, logger?: Logger): Wire[] | null {
      if (!values) return null;
      return values.map((value) => this.known(value, logger)).filter((value): value is Wire => value !== null);
    },
    wires: [...wires] as Wire[],
  };
}

const upper = <const W extends string>(wire: W, description: string) => ({ wire, description });

export const Disposition = wireEnum('Disposition', 'Final verdict on a message (Cloudflare `final_disposition`).', {
  MALICIOUS: upper('MALICIOUS', 'Malicious: phishing, malware or similar.'),
  MALICIOUS_BEC: upper('MALICIOUS-BEC', 'Malicious business e-mail compromise (Cloudflare spells it `MALICIOUS-BEC`).'),
  SUSPICIOUS: upper('SUSPICIOUS', 'Suspicious, not proven malicious.'),
  SPOOF: upper('SPOOF', 'Spoofed sender.'),
  SPAM: upper('SPAM', 'Spam.'),
  BULK: upper('BULK', 'Bulk / marketing mail.'),
  ENCRYPTED: upper('ENCRYPTED', 'Encrypted content that could not be scanned.'),
  EXTERNAL: upper('EXTERNAL', 'Marked as external.'),
  UNKNOWN: upper('UNKNOWN', 'No verdict could be reached.'),
  NONE: upper('NONE', 'Clean: no detection.'),
});

/** E1's `final_disposition` filter takes only six values (contract#enums). */
export const SearchDisposition = wireEnum(
  'SearchDisposition',
  'Dispositions the message search can filter on (Cloudflare accepts six).',
  {
    MALICIOUS: upper('MALICIOUS', 'Malicious.'),
    SUSPICIOUS: upper('SUSPICIOUS', 'Suspicious.'),
    SPOOF: upper('SPOOF', 'Spoofed sender.'),
    SPAM: upper('SPAM', 'Spam.'),
    BULK: upper('BULK', 'Bulk.'),
    NONE: upper('NONE', 'Clean.'),
  },
);

export const ReclassifyDisposition = wireEnum(
  'ReclassifyDisposition',
  'The disposition an analyst says a message should have had (E10).',
  {
    NONE: upper('NONE', 'Clean: report a false positive.'),
    BULK: upper('BULK', 'Bulk.'),
    MALICIOUS: upper('MALICIOUS', 'Malicious: report a false negative.'),
    SPAM: upper('SPAM', 'Spam.'),
    SPOOF: upper('SPOOF', 'Spoofed sender.'),
    SUSPICIOUS: upper('SUSPICIOUS', 'Suspicious.'),
  },
);

export const Destination = wireEnum('Destination', 'Mailbox folder a message can be moved to.', {
  INBOX: upper('Inbox', 'The inbox (Cloudflare `Inbox`).'),
  JUNK_EMAIL: upper('JunkEmail', 'The junk folder (Cloudflare `JunkEmail`).'),
  DELETED_ITEMS: upper('DeletedItems', 'Deleted items (Cloudflare `DeletedItems`).'),
  RECOVERABLE_ITEMS_DELETIONS: upper('RecoverableItemsDeletions', 'Recoverable items, deletions (soft delete).'),
  RECOVERABLE_ITEMS_PURGES: upper('RecoverableItemsPurges', 'Recoverable items, purges (hard delete).'),
});

export const AuthResult = wireEnum('AuthResult', 'Result of an SPF, DKIM or DMARC check.', {
  PASS: upper('pass', 'Pass.'),
  NEUTRAL: upper('neutral', 'Neutral.'),
  FAIL: upper('fail', 'Fail.'),
  ERROR: upper('error', 'Error while checking.'),
  NONE: upper('none', 'No record.'),
});

export const DeliveryMode = wireEnum('DeliveryMode', 'How the message reached Email Security.', {
  DIRECT: upper('DIRECT', 'Inline (MX) delivery.'),
  BCC: upper('BCC', 'BCC journaling.'),
  JOURNAL: upper('JOURNAL', 'Journaling.'),
  REVIEW_SUBMISSION: upper('REVIEW_SUBMISSION', 'A submission for review.'),
  DMARC_UNVERIFIED: upper('DMARC_UNVERIFIED', 'DMARC unverified.'),
  DMARC_FAILURE_REPORT: upper('DMARC_FAILURE_REPORT', 'A DMARC failure report.'),
  DMARC_AGGREGATE_REPORT: upper('DMARC_AGGREGATE_REPORT', 'A DMARC aggregate report.'),
  THREAT_INTEL_SUBMISSION: upper('THREAT_INTEL_SUBMISSION', 'A threat-intel submission.'),
  SIMULATION_SUBMISSION: upper('SIMULATION_SUBMISSION', 'A phishing-simulation submission.'),
  API: upper('API', 'Through the API.'),
  RETRO_SCAN: upper('RETRO_SCAN', 'A retro scan.'),
});

export const DeliveryStatus = wireEnum('DeliveryStatus', 'Delivery state of a message.', {
  DELIVERED: upper('delivered', 'Delivered.'),
  MOVED: upper('moved', 'Moved after delivery.'),
  QUARANTINED: upper('quarantined', 'Held in quarantine.'),
  REJECTED: upper('rejected', 'Rejected.'),
  DEFERRED: upper('deferred', 'Deferred.'),
  BOUNCED: upper('bounced', 'Bounced.'),
  QUEUED: upper('queued', 'Queued.'),
  MOVE_FAILED: upper('move_failed', 'A move was attempted and failed (SDK 7.3.0).'),
});

export const PatternType = wireEnum('PatternType', 'Kind of allow-list pattern that matched.', {
  QUARANTINE_RELEASE: upper('quarantine_release', 'Released from quarantine before.'),
  ACCEPTABLE_SENDER: upper('acceptable_sender', 'Acceptable sender.'),
  ALLOWED_SENDER: upper('allowed_sender', 'Allowed sender.'),
  ALLOWED_RECIPIENT: upper('allowed_recipient', 'Allowed recipient.'),
  DOMAIN_SIMILARITY: upper('domain_similarity', 'Domain similarity exemption.'),
  DOMAIN_RECENCY: upper('domain_recency', 'Domain recency exemption.'),
  MANAGED_ACCEPTABLE_SENDER: upper('managed_acceptable_sender', 'Managed acceptable sender.'),
  OUTBOUND_NDR: upper('outbound_ndr', 'Outbound non-delivery report.'),
});

export const PostDeliveryOperation = wireEnum('PostDeliveryOperation', 'An operation performed after delivery.', {
  PREVIEW: upper('PREVIEW', 'Previewed.'),
  QUARANTINE_RELEASE: upper('QUARANTINE_RELEASE', 'Released from quarantine.'),
  SUBMISSION: upper('SUBMISSION', 'Submitted.'),
  MOVE: upper('MOVE', 'Moved.'),
});

export const MessageAction = wireEnum('MessageAction', 'Search filter: messages on which this action was taken.', {
  PREVIEW: upper('PREVIEW', 'Previewed.'),
  QUARANTINE_RELEASED: upper('QUARANTINE_RELEASED', 'Released from quarantine.'),
  MOVED: upper('MOVED', 'Moved.'),
  SUBMITTED: {
    wire: 'SUBMITTED',
    description: 'Submitted (seed docs only).',
    deprecationReason: 'Only the older seed docs list SUBMITTED; the current SDK does not. Use the other values.',
  },
});

export const ActionLogOperation = wireEnum('ActionLogOperation', 'Operation recorded in a message action log.', {
  MOVE: upper('MOVE', 'Moved.'),
  RELEASE: upper('RELEASE', 'Released.'),
  RECLASSIFY: upper('RECLASSIFY', 'Reclassified.'),
  SUBMISSION: upper('SUBMISSION', 'Submitted.'),
  QUARANTINE_RELEASE: upper('QUARANTINE_RELEASE', 'Released from quarantine.'),
  PREVIEW: upper('PREVIEW', 'Previewed.'),
});

export const BulkAction = wireEnum('BulkAction', 'What a bulk job does to each matched message.', {
  MOVE: upper('MOVE', 'Move to a folder.'),
  RELEASE: upper('RELEASE', 'Release from quarantine.'),
});

export const JobStatus = wireEnum('JobStatus', 'State of a bulk job or of one of its messages.', {
  PENDING: upper('PENDING', 'Waiting to start.'),
  DISCOVERING: upper('DISCOVERING', 'Finding the messages that match.'),
  PROCESSING: upper('PROCESSING', 'Applying the action.'),
  COMPLETED: upper('COMPLETED', 'Finished (terminal).'),
  FAILED: upper('FAILED', 'Failed (terminal).'),
  CANCELLED: upper('CANCELLED', 'Cancelled (terminal).'),
  SKIPPED: upper('SKIPPED', 'Skipped (terminal).'),
});

export const IssueType = wireEnum('InsightType', 'Category of a Security Center insight.', {
  COMPLIANCE_VIOLATION: upper('compliance_violation', 'Compliance violation.'),
  EMAIL_SECURITY: upper('email_security', 'Email security.'),
  EXPOSED_INFRASTRUCTURE: upper('exposed_infrastructure', 'Exposed infrastructure.'),
  INSECURE_CONFIGURATION: upper('insecure_configuration', 'Insecure configuration.'),
  WEAK_AUTHENTICATION: upper('weak_authentication', 'Weak authentication.'),
  CONFIGURATION_SUGGESTION: upper('configuration_suggestion', 'Configuration suggestion.'),
});

/** Responses say `Low`; filters take `low` (contract#enums). The gateway maps both. */
export const Severity = wireEnum('InsightSeverity', 'Severity of an insight.', {
  LOW: upper('Low', 'Low.'),
  MODERATE: upper('Moderate', 'Moderate.'),
  CRITICAL: upper('Critical', 'Critical.'),
});

export const UserClassification = wireEnum('InsightClassification', 'How an analyst classified an insight.', {
  FALSE_POSITIVE: upper('false_positive', 'Not a real problem.'),
  ACCEPT_RISK: upper('accept_risk', 'A real problem whose risk is accepted (needs a rationale).'),
  OTHER: upper('other', 'Something else (needs a rationale).'),
});

export const InsightStatus = wireEnum('InsightStatus', 'Whether an insight is still open.', {
  ACTIVE: upper('active', 'Active.'),
  RESOLVED: upper('resolved', 'Resolved.'),
});

export const AuditField = wireEnum('InsightAuditField', 'Field an insight audit entry records a change of.', {
  STATUS: upper('status', 'The status.'),
  USER_CLASSIFICATION: upper('user_classification', 'The user classification.'),
});

export const IndicatorType = wireEnum('IndicatorType', 'Kind of indicator a miscategorization report is about.', {
  DOMAIN: upper('domain', 'A domain (give `url`, e.g. example.com).'),
  IPV4: upper('ipv4', 'An IPv4 address (give `ip`).'),
  IPV6: upper('ipv6', 'An IPv6 address (give `ip`).'),
  URL: upper('url', 'A URL (give `url`, e.g. https://example.com/news/).'),
});
