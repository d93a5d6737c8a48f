/**
 * Seed data for Security Center insights (contract#insights) and their audit log (contract#insights (S7/S8)).
 */
import { isoZ } from './messages.js';
import { type Rng, chance, hex, int, pick, uuid7, weighted } from './prng.js';
import type { AuditLogEntry, Issue, IssueType, UserClassification } from './wire-types.js';
import { ISSUE_TYPES, SEVERITIES } from './wire-types.js';

const DAY = 86_400_000;

interface ClassDef {
  issueClass: string;
  product: string;
  detection: string;
  resolveText: string;
  resolvePath: string;
}

/** issue_class / product vocabulary per IssueType (strings are free-form in the SDK). */
const CLASSES: Readonly<Record<IssueType, readonly ClassDef[]>> = {
  email_security: [
    {
      issueClass: 'email_security_spf_missing',
      product: 'dns',
      detection: 'DNS record scan',
      resolveText: 'Add an SPF record',
      resolvePath: 'dns/records',
    },
    {
      issueClass: 'email_security_dmarc_missing',
      product: 'dns',
      detection: 'DNS record scan',
      resolveText: 'Add a DMARC record',
      resolvePath: 'email/dmarc-management',
    },
    {
      issueClass: 'email_security_dkim_missing',
      product: 'email',
      detection: 'DNS record scan',
      resolveText: 'Publish a DKIM key',
      resolvePath: 'dns/records',
    },
  ],
  exposed_infrastructure: [
    {
      issueClass: 'exposed_infrastructure_open_port',
      product: 'spectrum',
      detection: 'External port scan',
      resolveText: 'Close the port or proxy it',
      resolvePath: 'spectrum',
    },
    {
      issueClass: 'exposed_infrastructure_unproxied_origin',
      product: 'dns',
      detection: 'DNS record scan',
      resolveText: 'Proxy the record through Cloudflare',
      resolvePath: 'dns/records',
    },
  ],
  insecure_configuration: [
    {
      issueClass: 'always_use_https_disabled',
      product: 'ssl',
      detection: 'Zone settings scan',
      resolveText: 'Enable Always Use HTTPS',
      resolvePath: 'ssl-tls/edge-certificates',
    },
    {
      issueClass: 'min_tls_version_insecure',
      product: 'ssl',
      detection: 'Zone settings scan',
      resolveText: 'Raise the minimum TLS version',
      resolvePath: 'ssl-tls/edge-certificates',
    },
    {
      issueClass: 'ssl_mode_flexible',
      product: 'ssl',
      detection: 'Zone settings scan',
      resolveText: 'Use Full (strict) SSL mode',
      resolvePath: 'ssl-tls',
    },
  ],
  weak_authentication: [
    {
      issueClass: 'user_without_mfa',
      product: 'access',
      detection: 'Account members scan',
      resolveText: 'Require two-factor authentication',
      resolvePath: 'members',
    },
    {
      issueClass: 'api_token_without_expiry',
      product: 'api_tokens',
      detection: 'API token scan',
      resolveText: 'Set an expiry on the token',
      resolvePath: 'api-tokens',
    },
  ],
  compliance_violation: [
    {
      issueClass: 'waf_managed_rules_disabled',
      product: 'waf',
      detection: 'Zone settings scan',
      resolveText: 'Deploy the managed ruleset',
      resolvePath: 'security/waf',
    },
    {
      issueClass: 'pci_tls_1_0_enabled',
      product: 'ssl',
      detection: 'Compliance scan',
      resolveText: 'Disable TLS 1.0',
      resolvePath: 'ssl-tls/edge-certificates',
    },
  ],
  configuration_suggestion: [
    {
      issueClass: 'bot_fight_mode_disabled',
      product: 'bots',
      detection: 'Zone settings scan',
      resolveText: 'Turn on Bot Fight Mode',
      resolvePath: 'security/bots',
    },
    {
      issueClass: 'ddos_alerts_missing',
      product: 'notifications',
      detection: 'Notification scan',
      resolveText: 'Create a DDoS alert',
      resolvePath: 'notifications',
    },
  ],
};

/** Internal: the Issue plus its product (F filter `product` has no Issue field, contract#insights). */
export interface StoredIssue {
  issue: Issue;
  product: string;
  /**
   * SDK 7.3.0 filter `source` (contract#versions): who found it. The Issue type has no such field; the simulator's
   * choice is that every 4th insight comes from RiskRecon (deterministic, no extra PRNG draw).
   */
  source: 'cloudflare' | 'riskrecon';
  /** `zone_tag` of zone-scoped issues, also used as the numeric audit `zone_id`. */
  numericZoneId?: number;
  context: Record<string, unknown>;
}

export interface InsightSeed {
  issues: StoredIssue[];
  audit: AuditLogEntry[];
}

export function productOf(issueClass: string): string | undefined {
  for (const list of Object.values(CLASSES)) for (const c of list) if (c.issueClass === issueClass) return c.product;
  return undefined;
}

export function seedInsights(
  rng: Rng,
  opts: {
    count: number;
    now: number;
    subjects: readonly string[];
    accountId: string;
    zoneTag?: string;
    numericZoneId?: number;
  },
): InsightSeed {
  const issues: StoredIssue[] = [];
  const audit: AuditLogEntry[] = [];
  for (let i = 0; i < opts.count; i++) {
    const issueType = i < ISSUE_TYPES.length ? (ISSUE_TYPES[i] as IssueType) : pick(rng, ISSUE_TYPES);
    const def = pick(rng, CLASSES[issueType]);
    const since = opts.now - int(rng, 2, 120) * DAY - int(rng, 0, 86_399) * 1000;
    const resolved = chance(rng, 0.25);
    const dismissed = !resolved && chance(rng, 0.12);
    const classification: UserClassification | null =
      i % 7 === 3
        ? weighted(rng, [
            ['false_positive', 2],
            ['accept_risk', 2],
            ['other', 1],
          ] as const)
        : null;
    const subject = pick(rng, opts.subjects);
    const id = hex(rng, 32);
    const extended = chance(rng, 0.2);
    const zoneTag = opts.zoneTag ?? hex(rng, 32);
    const issue: Issue = {
      id,
      dismissed,
      has_extended_context: extended,
      issue_class: def.issueClass,
      issue_type: issueType,
      payload: { detection_method: def.detection, zone_tag: zoneTag },
      resolve_link: `https://dash.cloudflare.com/${opts.accountId}/${subject}/${def.resolvePath}`,
      resolve_text: def.resolveText,
      severity:
        i < SEVERITIES.length
          ? SEVERITIES[i]
          : weighted(rng, [
              ['Low', 5],
              ['Moderate', 4],
              ['Critical', 2],
            ] as const),
      since: isoZ(since),
      status: resolved ? 'resolved' : 'active',
      subject,
      timestamp: isoZ(since + int(rng, 0, 2) * DAY + int(rng, 1, 3600) * 1000),
      user_classification: classification,
    };
    const context: Record<string, unknown> = extended
      ? {
          issue_id: id,
          records: Array.from({ length: int(rng, 3, 8) }, (_, n) => ({
            name: `host${n}.${subject}`,
            type: pick(rng, ['A', 'AAAA', 'CNAME']),
            proxied: false,
            ttl: 300,
          })),
          scanned_at: issue.timestamp,
          scanner: def.detection,
        }
      : { issue_id: id, summary: def.resolveText, scanned_at: issue.timestamp };
    const stored: StoredIssue = {
      issue,
      product: def.product,
      source: i % 4 === 2 ? 'riskrecon' : 'cloudflare',
      context,
    };
    if (opts.numericZoneId !== undefined) stored.numericZoneId = opts.numericZoneId;
    issues.push(stored);

    const entry = (
      when: number,
      field: AuditLogEntry['field_changed'],
      previous: string | null,
      current: string | null,
      by: string,
      rationale: string | null,
    ): AuditLogEntry => {
      const at = Math.min(when, opts.now - 60_000); // never in the future
      const e: AuditLogEntry = {
        id: uuid7(rng, at),
        changed_at: isoZ(at),
        changed_by: by,
        current_value: current,
        previous_value: previous,
        field_changed: field,
        issue_id: id,
        rationale,
      };
      if (opts.numericZoneId !== undefined) e.zone_id = opts.numericZoneId; // contract#insights: numeric, zone insights only
      return e;
    };
    if (resolved) audit.push(entry(since + int(rng, 1, 20) * DAY, 'status', 'active', 'resolved', 'system', null));
    if (classification) {
      audit.push(
        entry(
          since + int(rng, 1, 30) * 3_600_000,
          'user_classification',
          null,
          classification,
          `${pick(rng, ['alice', 'bob', 'priya', 'sven'])}@contoso.com`,
          classification === 'false_positive' ? null : 'Compensating control in place',
        ),
      );
    }
  }
  audit.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
  return { issues, audit };
}
