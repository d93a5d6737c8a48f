import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import type { MiscategorizationBody } from '../../upstream/client.js';
import { accountIdArgOptions } from '../account.js';
import { builder, cloudflareCalls } from '../builder.js';
import { IndicatorType } from '../enums.js';
import { defineMutation, idempotencyKeyField } from '../mutation.js';
import { accountIdFor } from '../validation.js';

/**
 * "New Domains" (169) and "Newly Seen" (177) are applied automatically and fall off after 30 days;
 * Cloudflare answers 400 when a request names them (contract#intel constraints).
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

const MiscategorizationPayloadRef = builder
  .objectRef<MiscategorizationPayload>('SubmitMiscategorizationPayload')
  .implement({
    description:
      'Cloudflare accepted the request to change the categories of an indicator (it reviews it asynchronously).',
    fields: (t) => ({
      indicatorType: t.field({
        type: IndicatorType.ref,
        nullable: false,
        description: 'Kind of indicator.',
        resolve: (p) => p.indicatorType as never,
      }),
      indicator: t.exposeString('indicator', { nullable: false, description: 'The domain, URL or IP reported.' }),
      contentAdds: t.exposeIntList('contentAdds', {
        nullable: false,
        description: 'Content categories requested to add.',
      }),
      contentRemoves: t.exposeIntList('contentRemoves', {
        nullable: false,
        description: 'Content categories requested to remove.',
      }),
      securityAdds: t.exposeIntList('securityAdds', {
        nullable: false,
        description: 'Security categories requested to add.',
      }),
      securityRemoves: t.exposeIntList('securityRemoves', {
        nullable: false,
        description: 'Security categories requested to remove.',
      }),
      replayed: t.exposeBoolean('replayed', {
        nullable: false,
        description: 'True when this is the stored result of an earlier request with the same idempotency key.',
      }),
    }),
  });

const SubmitMiscategorizationInput = builder.inputType('SubmitMiscategorizationInput', {
  description: 'A request to change the categories of a domain, URL or IP (I1). Checked before anything is sent.',
  fields: (t) => ({
    indicatorType: t.field({ type: IndicatorType.ref, required: true, description: 'Kind of indicator.' }),
    url: t.string({
      description:
        'The domain (e.g. `example.com`) or URL (e.g. `https://example.com/news/`); only with DOMAIN or URL.',
    }),
    ip: t.string({ description: 'The IP address; only with IPV4 or IPV6, and of that family.' }),
    contentAdds: t.intList({ description: 'Content category ids to add.' }),
    contentRemoves: t.intList({ description: 'Content category ids to remove.' }),
    securityAdds: t.intList({ description: 'Security category ids to add.' }),
    securityRemoves: t.intList({ description: 'Security category ids to remove.' }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

/**
 * Every rule of I1 that can be checked locally, so an invalid report costs no call. Parses into the
 * I1 body and the indicator it names.
 */
const miscategorizationSchema = (context: GatewayContext) =>
  z
    .object({
      accountId: accountIdFor(context),
      indicatorType: z.enum(['domain', 'ipv4', 'ipv6', 'url']),
      url: z.string().nullish(),
      ip: z.string().nullish(),
      contentAdds: z.array(z.number()).nullish(),
      contentRemoves: z.array(z.number()).nullish(),
      securityAdds: z.array(z.number()).nullish(),
      securityRemoves: z.array(z.number()).nullish(),
    })
    .transform((input, ctx) => {
      const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
      const lists = {
        contentAdds: input.contentAdds ?? [],
        contentRemoves: input.contentRemoves ?? [],
        securityAdds: input.securityAdds ?? [],
        securityRemoves: input.securityRemoves ?? [],
      };
      for (const [name, values] of Object.entries(lists)) {
        if (values.length > MAX_CATEGORIES_PER_LIST) issue([name], `at most ${MAX_CATEGORIES_PER_LIST} categories`);
        values.forEach((value, index) => {
          if (!Number.isInteger(value) || value <= 0) issue([name, index], 'must be a positive category id');
          else if (AUTO_MANAGED_CATEGORIES.has(value)) {
            issue(
              [name, index],
              `category ${value} is managed automatically by Cloudflare (New Domains / Newly Seen) and cannot be changed`,
            );
          }
        });
      }
      if (Object.values(lists).every((values) => values.length === 0)) {
        issue(
          [],
          'at least one category change (contentAdds, contentRemoves, securityAdds or securityRemoves) is required',
        );
      }
      for (const [adds, removes] of [
        ['contentAdds', 'contentRemoves'],
        ['securityAdds', 'securityRemoves'],
      ] as const) {
        const both = lists[adds].filter((value) => lists[removes].includes(value));
        if (both.length) issue([removes], `categories ${[...new Set(both)].join(', ')} are both added and removed`);
      }

      const type = input.indicatorType;
      const url = input.url?.trim();
      const ip = input.ip?.trim();
      let indicator = '';
      if (type === 'ipv4' || type === 'ipv6') {
        if (url) issue(['url'], 'only with indicatorType DOMAIN or URL');
        if (!ip) issue(['ip'], `is required for indicatorType ${type.toUpperCase()}`);
        else if (type === 'ipv4' ? !isIPv4(ip) : !isIPv6(ip))
          issue(['ip'], `is not a valid ${type === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
        indicator = ip ?? '';
      } else {
        if (ip) issue(['ip'], 'only with indicatorType IPV4 or IPV6');
        if (!url) issue(['url'], `is required for indicatorType ${type.toUpperCase()}`);
        else if (type === 'domain' && !DOMAIN.test(url))
          issue(['url'], 'is not a valid domain name (e.g. example.com)');
        else if (type === 'url' && !isHttpUrl(url)) issue(['url'], 'is not a valid http(s) URL');
        indicator = url ?? '';
      }

      const dedupe = (values: number[]) => [...new Set(values)];
      const body: MiscategorizationBody = {
        indicator_type: type,
        ...(type === 'ipv4' || type === 'ipv6' ? { ip: indicator } : { url: indicator }),
        ...(lists.contentAdds.length ? { content_adds: dedupe(lists.contentAdds) } : {}),
        ...(lists.contentRemoves.length ? { content_removes: dedupe(lists.contentRemoves) } : {}),
        ...(lists.securityAdds.length ? { security_adds: dedupe(lists.securityAdds) } : {}),
        ...(lists.securityRemoves.length ? { security_removes: dedupe(lists.securityRemoves) } : {}),
      };
      return { accountId: input.accountId, body, indicator };
    });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

defineMutation('submitMiscategorization', {
  directives: cloudflareCalls(1),
  description:
    'Ask Cloudflare to change the categories of a domain, URL or IP (Intel I1). It affects how the indicator is classified for everyone, so the input is checked first: categories 169 and 177 are refused (managed automatically), `ip` only with IPV4/IPV6 and of that family, `url` only with DOMAIN/URL and well-formed, at least one change, and no category both added and removed. Requires `email-security:write`.',
  input: SubmitMiscategorizationInput,
  inputDescription: 'The indicator and the category changes.',
  payload: MiscategorizationPayloadRef,
  result: { name: 'SubmitMiscategorizationResult', description: 'The accepted request, or a typed error.' },
  schema: miscategorizationSchema,
  target: ({ accountId, indicator, body }) => ({
    accountId,
    ids: [indicator],
    details: {
      indicatorType: body.indicator_type,
      indicator,
      changes: { ...body, indicator_type: undefined, url: undefined, ip: undefined },
    },
  }),
  run: async (context, { accountId, indicator, body }) => {
    await context.client.intel.miscategorizations.create(accountId, body);
    return {
      indicatorType: body.indicator_type as string,
      indicator,
      contentAdds: body.content_adds ?? [],
      contentRemoves: body.content_removes ?? [],
      securityAdds: body.security_adds ?? [],
      securityRemoves: body.security_removes ?? [],
      replayed: false,
    };
  },
  audit: (payload) => ({ result: 'applied', outcomes: [{ id: payload.indicator, outcome: 'SUBMITTED' }] }),
});
