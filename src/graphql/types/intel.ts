import { isIPv4, isIPv6 } from 'node:net';
import { writeAudit } from '../../audit.js';
import type { MiscategorizationBody } from '../../upstream/client.js';
import { ValidationError, type ValidationIssue } from '../action-errors.js';
import { accountIdArgOptions } from '../account.js';
import { builder } from '../builder.js';
import { IndicatorType } from '../enums.js';
import { idempotencyKeyField, runIdempotent } from '../idempotent.js';
import { actionErrorTypes, asAuditedAction } from '../results.js';
import { auditReplay, auditResultOf, resolveAccountIdForAction } from './actions.js';

/**
 * "New Domains" (169) and "Newly Seen" (177) are applied automatically and fall off after 30 days;
 * Cloudflare answers 400 when a request names them (reference §4 I1 constraints).
 */
export const AUTO_MANAGED_CATEGORIES = new Set([169, 177]);
const MAX_CATEGORIES_PER_LIST = 100;
const DOMAIN = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i;

interface MiscategorizationPayload {
  indicatorType: string;
  indicator: string;
  contentAdds: number[];
  contentRemoves: number[];
  securityAdds: number[];
  securityRemoves: number[];
  replayed: boolean;
}

const MiscategorizationPayloadRef = builder.objectRef<MiscategorizationPayload>('SubmitMiscategorizationPayload').implement({
  description: 'Cloudflare accepted the request to change the categories of an indicator (it reviews it asynchronously).',
  fields: (t) => ({
    indicatorType: t.field({ type: IndicatorType.ref, nullable: false, description: 'Kind of indicator.', resolve: (p) => p.indicatorType as never }),
    indicator: t.exposeString('indicator', { nullable: false, description: 'The domain, URL or IP reported.' }),
    contentAdds: t.exposeIntList('contentAdds', { nullable: false, description: 'Content categories requested to add.' }),
    contentRemoves: t.exposeIntList('contentRemoves', { nullable: false, description: 'Content categories requested to remove.' }),
    securityAdds: t.exposeIntList('securityAdds', { nullable: false, description: 'Security categories requested to add.' }),
    securityRemoves: t.exposeIntList('securityRemoves', { nullable: false, description: 'Security categories requested to remove.' }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

const SubmitMiscategorizationInput = builder.inputType('SubmitMiscategorizationInput', {
  description: 'A request to change the categories of a domain, URL or IP (I1). Checked before anything is sent.',
  fields: (t) => ({
    indicatorType: t.field({ type: IndicatorType.ref, required: true, description: 'Kind of indicator.' }),
    url: t.string({ description: 'The domain (e.g. `example.com`) or URL (e.g. `https://example.com/news/`); only with DOMAIN or URL.' }),
    ip: t.string({ description: 'The IP address; only with IPV4 or IPV6, and of that family.' }),
    contentAdds: t.intList({ description: 'Content category ids to add.' }),
    contentRemoves: t.intList({ description: 'Content category ids to remove.' }),
    securityAdds: t.intList({ description: 'Security category ids to add.' }),
    securityRemoves: t.intList({ description: 'Security category ids to remove.' }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

type Input = typeof SubmitMiscategorizationInput.$inferInput;

/** Every rule of I1 that can be checked locally, so an invalid report costs no call. */
export function checkMiscategorization(input: Input): { body: MiscategorizationBody; indicator: string } {
  const issues: ValidationIssue[] = [];
  const lists = {
    contentAdds: input.contentAdds ?? [],
    contentRemoves: input.contentRemoves ?? [],
    securityAdds: input.securityAdds ?? [],
    securityRemoves: input.securityRemoves ?? [],
  };
  for (const [name, values] of Object.entries(lists)) {
    if (values.length > MAX_CATEGORIES_PER_LIST) issues.push({ path: ['input', name], message: `at most ${MAX_CATEGORIES_PER_LIST} categories` });
    values.forEach((value, index) => {
      if (!Number.isInteger(value) || value <= 0) issues.push({ path: ['input', name, String(index)], message: 'must be a positive category id' });
      if (AUTO_MANAGED_CATEGORIES.has(value)) {
        issues.push({
          path: ['input', name, String(index)],
          message: `category ${value} is managed automatically by Cloudflare (New Domains / Newly Seen) and cannot be changed`,
        });
      }
    });
  }
  if (Object.values(lists).every((values) => values.length === 0)) {
    issues.push({ path: ['input'], message: 'at least one category change (contentAdds, contentRemoves, securityAdds or securityRemoves) is required' });
  }
  for (const [adds, removes] of [['contentAdds', 'contentRemoves'], ['securityAdds', 'securityRemoves']] as const) {
    const both = lists[adds].filter((value) => lists[removes].includes(value));
    if (both.length) issues.push({ path: ['input', removes], message: `categories ${[...new Set(both)].join(', ')} are both added and removed` });
  }

  const type = input.indicatorType;
  const url = input.url?.trim();
  const ip = input.ip?.trim();
  let indicator = '';
  if (type === 'ipv4' || type === 'ipv6') {
    if (url) issues.push({ path: ['input', 'url'], message: 'only with indicatorType DOMAIN or URL' });
    if (!ip) issues.push({ path: ['input', 'ip'], message: `is required for indicatorType ${type.toUpperCase()}` });
    else if (type === 'ipv4' ? !isIPv4(ip) : !isIPv6(ip)) issues.push({ path: ['input', 'ip'], message: `is not a valid ${type === 'ipv4' ? 'IPv4' : 'IPv6'} address` });
    indicator = ip ?? '';
  } else {
    if (ip) issues.push({ path: ['input', 'ip'], message: 'only with indicatorType IPV4 or IPV6' });
    if (!url) issues.push({ path: ['input', 'url'], message: `is required for indicatorType ${type.toUpperCase()}` });
    else if (type === 'domain' && !DOMAIN.test(url)) issues.push({ path: ['input', 'url'], message: 'is not a valid domain name (e.g. example.com)' });
    else if (type === 'url' && !isHttpUrl(url)) issues.push({ path: ['input', 'url'], message: 'is not a valid http(s) URL' });
    indicator = url ?? '';
  }
  if (issues.length) throw new ValidationError(issues);

  const dedupe = (values: number[]) => [...new Set(values)];
  const body: MiscategorizationBody = {
    indicator_type: type,
    ...(type === 'ipv4' || type === 'ipv6' ? { ip: indicator } : { url: indicator }),
    ...(lists.contentAdds.length ? { content_adds: dedupe(lists.contentAdds) } : {}),
    ...(lists.contentRemoves.length ? { content_removes: dedupe(lists.contentRemoves) } : {}),
    ...(lists.securityAdds.length ? { security_adds: dedupe(lists.securityAdds) } : {}),
    ...(lists.securityRemoves.length ? { security_removes: dedupe(lists.securityRemoves) } : {}),
  };
  return { body, indicator };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

builder.mutationFields((t) => ({
  submitMiscategorization: t.field({
    type: MiscategorizationPayloadRef,
    description:
      'Ask Cloudflare to change the categories of a domain, URL or IP (Intel I1). It affects how the indicator is classified for everyone, so the input is checked first: categories 169 and 177 are refused (managed automatically), `ip` only with IPV4/IPV6 and of that family, `url` only with DOMAIN/URL and well-formed, at least one change, and no category both added and removed. Requires `email-security:write`.',
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'SubmitMiscategorizationResult', description: 'The accepted request, or a typed error.' } },
    args: { input: t.arg({ type: SubmitMiscategorizationInput, required: true, description: 'The indicator and the category changes.' }) },
    resolve: (_root, { input }, context) =>
      asAuditedAction(context, 'submitMiscategorization', async () => {
        const accountId = resolveAccountIdForAction(context, input.accountId);
        const { body, indicator } = checkMiscategorization(input);
        return auditReplay(context, 'submitMiscategorization', accountId, input.idempotencyKey, [indicator], await runIdempotent(context, 'submitMiscategorization', input.idempotencyKey, { ...input, accountId }, async () => {
          const details = { indicatorType: input.indicatorType, indicator, changes: { ...body, indicator_type: undefined, url: undefined, ip: undefined } };
          try {
            await context.client.intel.miscategorizations.create(accountId, body);
          } catch (error) {
            writeAudit(context, { action: 'submitMiscategorization', accountId, result: auditResultOf(error), outcomes: [{ id: indicator, outcome: auditResultOf(error), reason: (error as Error).message }], idempotencyKey: input.idempotencyKey, details });
            throw error;
          }
          writeAudit(context, { action: 'submitMiscategorization', accountId, result: 'applied', outcomes: [{ id: indicator, outcome: 'SUBMITTED' }], idempotencyKey: input.idempotencyKey, details });
          return {
            indicatorType: input.indicatorType,
            indicator,
            contentAdds: body.content_adds ?? [],
            contentRemoves: body.content_removes ?? [],
            securityAdds: body.security_adds ?? [],
            securityRemoves: body.security_removes ?? [],
            replayed: false,
          };
        }));
      }),
  }),
}));
