/**
 * What insight listings and counts are narrowed by: the InsightFilter input (every S1 filter and its
 * `…Not` exclusion, SDK 7.3.0's `source`), its mapping to Cloudflare's parameters, and the count groups.
 */
import type { InsightFilterParams } from '../../upstream/client.js';
import { builder } from '../builder.js';
import { IssueType, Severity } from '../enums.js';

/** SDK 7.3.0 filter `source` of S1/S4–S6 (contract#versions): who found the insight. */
export const InsightSource = builder.enumType('InsightSource', {
  description: 'Who found an insight (Cloudflare `source`).',
  values: {
    CLOUDFLARE: { value: 'cloudflare', description: 'Cloudflare’s own scans.' },
    RISKRECON: { value: 'riskrecon', description: 'RiskRecon (third-party risk ratings).' },
  } as const,
});

export const InsightFilterInput = builder.inputType('InsightFilter', {
  description:
    'The shared insight filter F of S1/S4–S6. Lists match any of their values; the `…Not` lists exclude (Cloudflare `~neq`). An empty list is the same as leaving it out.',
  fields: (t) => ({
    dismissed: t.boolean({ description: 'Only dismissed (true) or only not dismissed (false) insights.' }),
    issueClass: t.stringList({ description: 'Only these issue classes.' }),
    issueClassNot: t.stringList({ description: 'Exclude these issue classes (`issue_class~neq`).' }),
    issueType: t.field({ type: [IssueType.ref], description: 'Only these types.' }),
    issueTypeNot: t.field({ type: [IssueType.ref], description: 'Exclude these types (`issue_type~neq`).' }),
    product: t.stringList({ description: 'Only insights of these Cloudflare products.' }),
    productNot: t.stringList({ description: 'Exclude these products (`product~neq`).' }),
    severity: t.field({ type: [Severity.ref], description: 'Only these severities.' }),
    severityNot: t.field({ type: [Severity.ref], description: 'Exclude these severities (`severity~neq`).' }),
    subject: t.stringList({ description: 'Only these subjects.' }),
    subjectNot: t.stringList({ description: 'Exclude these subjects (`subject~neq`).' }),
    source: t.field({
      type: [InsightSource],
      description: 'Only insights found by these sources (SDK 7.3.0 `source`).',
    }),
  }),
});
export type InsightFilterArg = typeof InsightFilterInput.$inferInput;

/** GraphQL filter → F query keys; severities go lower case because filters take `low` (contract#enums). */
export function filterParams(filter: InsightFilterArg | null | undefined): InsightFilterParams {
  const f = filter ?? {};
  const list = (values: readonly string[] | null | undefined) =>
    values && values.length > 0 ? [...values] : undefined;
  const lower = (values: readonly string[] | null | undefined) => list(values?.map((value) => value.toLowerCase()));
  const params: InsightFilterParams = {
    dismissed: f.dismissed ?? undefined,
    issue_class: list(f.issueClass),
    'issue_class~neq': list(f.issueClassNot),
    issue_type: list(f.issueType),
    'issue_type~neq': list(f.issueTypeNot),
    product: list(f.product),
    'product~neq': list(f.productNot),
    severity: lower(f.severity),
    'severity~neq': lower(f.severityNot),
    subject: list(f.subject),
    'subject~neq': list(f.subjectNot),
    source: list(f.source),
  };
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as InsightFilterParams;
}

export const InsightCountGroup = builder.enumType('InsightCountGroup', {
  description: 'What to group insight counts by.',
  values: {
    CLASS: { description: 'By issue class (S4).' },
    SEVERITY: {
      description:
        'By severity (S5); values are the `Severity` enum names (`LOW`, `MODERATE`, `CRITICAL`), usable in `InsightFilter.severity`.',
    },
    TYPE: { description: 'By insight type (S6); values are Cloudflare’s spelling, e.g. `email_security`.' },
  } as const,
});

export const InsightCountRef = builder
  .objectRef<{ value?: string | null; count?: number | null }>('InsightCount')
  .implement({
    description: 'Number of insights with one value of the grouping.',
    fields: (t) => ({
      value: t.exposeString('value', { description: 'The group’s value, as Cloudflare spells it.' }),
      count: t.exposeInt('count', { description: 'How many insights have it.' }),
    }),
  });
