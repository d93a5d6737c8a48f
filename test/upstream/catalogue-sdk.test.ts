/**
 * The gateway's endpoint catalogue against the official SDK (`cloudflare` 7.3.0): the SDK sends each
 * request to a recording server on loopback, and the catalogue must name the same method and path
 * (path parameters encoded the same way), and the gateway must spell query parameters as the SDK does.
 * The simulator's own route table is held to the same requests, so neither side can drift alone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Cloudflare from 'cloudflare';
import type { InsightListParams as SdkInsightListParams } from 'cloudflare/resources/security-center/insights/insights';
import type { AuditLogListParams as SdkAuditLogListParams } from 'cloudflare/resources/security-center/insights/audit-logs';
import type { InvestigateListParams as SdkInvestigateListParams } from 'cloudflare/resources/email-security/investigate/investigate';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { matchRoute } from '../../src/simulator/router.js';
import type { AuditLogParams, InsightFilterParams, InvestigateListParams } from '../../src/upstream/client.js';
import { type EndpointId, endpointIds, endpoints } from '../../src/upstream/endpoints.js';
import { type QueryParams, buildPath, encodeQuery } from '../../src/upstream/transport.js';

const BASE_PATH = '/client/v4';
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const ZONE = 'fedcba9876543210fedcba9876543210';
/** Investigate ids carry a timestamp: the colons go out unencoded, by the SDK and the gateway alike. */
const MESSAGE = 'A1b2C3d4E5f6G7h8-2024-01-05T10:00:00-0a1b2c3d';
const JOB = '3f1c2b7e-8a4d-4e6f-9b0a-1c2d3e4f5a6b';
const ISSUE = '6fa4641aa276e557b0268a9b7a78ca1a';

interface SentRequest {
  method: string;
  /** Relative to /client/v4, as sent (still percent-encoded). */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
}

interface SdkCall {
  /** The catalogue's path parameters for the same request. */
  params: Record<string, string>;
  /** Query parameters, sent through the SDK and through the gateway's encoder. */
  query?: QueryParams;
  send: (sdk: Cloudflare) => Promise<unknown>;
}

const e1Query = {
  query: 'invoice due',
  final_disposition: 'SPAM' as const,
  detections_only: true,
  per_page: 5,
  cursor: 'c1',
};
const insightQuery = {
  dismissed: false,
  'issue_class~neq': ['a', 'b'],
  severity: ['critical' as const],
  page: 2,
  per_page: 25,
};
const auditQuery = { cursor: 'c2', per_page: 10, order: 'asc', field_changed: 'status' } as const;

/** One request per catalogue endpoint, made the way an SDK user would. */
const SDK_CALLS: Record<EndpointId, SdkCall> = {
  'emailSecurity.investigate.list': {
    params: { account_id: ACCOUNT },
    query: e1Query,
    send: (cf) => cf.emailSecurity.investigate.list({ account_id: ACCOUNT, ...e1Query }),
  },
  'emailSecurity.investigate.get': {
    params: { account_id: ACCOUNT, investigate_id: MESSAGE },
    query: { submission: true },
    send: (cf) => cf.emailSecurity.investigate.get(MESSAGE, { account_id: ACCOUNT, submission: true }),
  },
  'emailSecurity.investigate.detections.get': {
    params: { account_id: ACCOUNT, investigate_id: MESSAGE },
    send: (cf) => cf.emailSecurity.investigate.detections.get(MESSAGE, { account_id: ACCOUNT }),
  },
  'emailSecurity.investigate.preview.get': {
    params: { account_id: ACCOUNT, investigate_id: MESSAGE },
    send: (cf) => cf.emailSecurity.investigate.preview.get(MESSAGE, { account_id: ACCOUNT }),
  },
  'emailSecurity.investigate.preview.create': {
    params: { account_id: ACCOUNT },
    send: (cf) => cf.emailSecurity.investigate.preview.create({ account_id: ACCOUNT, id: MESSAGE }),
  },
  'emailSecurity.investigate.raw.get': {
    params: { account_id: ACCOUNT, investigate_id: MESSAGE },
    send: (cf) => cf.emailSecurity.investigate.raw.get(MESSAGE, { account_id: ACCOUNT }),
  },
  'emailSecurity.investigate.trace.get': {
    params: { account_id: ACCOUNT, investigate_id: MESSAGE },
    send: (cf) => cf.emailSecurity.investigate.trace.get(MESSAGE, { account_id: ACCOUNT }),
  },
  'emailSecurity.investigate.move.create': {
    params: { account_id: ACCOUNT, investigate_id: MESSAGE },
    send: (cf) => cf.emailSecurity.investigate.move.create(MESSAGE, { account_id: ACCOUNT, destination: 'JunkEmail' }),
  },
  'emailSecurity.investigate.move.bulk': {
    params: { account_id: ACCOUNT },
    send: (cf) =>
      cf.emailSecurity.investigate.move.bulk({ account_id: ACCOUNT, destination: 'JunkEmail', ids: [MESSAGE] }),
  },
  'emailSecurity.investigate.reclassify.create': {
    params: { account_id: ACCOUNT, investigate_id: MESSAGE },
    send: (cf) =>
      cf.emailSecurity.investigate.reclassify.create(MESSAGE, { account_id: ACCOUNT, expected_disposition: 'SPAM' }),
  },
  'emailSecurity.investigate.release.bulk': {
    params: { account_id: ACCOUNT },
    send: (cf) => cf.emailSecurity.investigate.release.bulk({ account_id: ACCOUNT, ids: [MESSAGE] }),
  },
  'emailSecurity.investigate.bulk.create': {
    params: { account_id: ACCOUNT },
    send: (cf) =>
      cf.emailSecurity.investigate.bulk.create({ account_id: ACCOUNT, action: 'RELEASE', search_params: {} }),
  },
  'emailSecurity.investigate.bulk.list': {
    params: { account_id: ACCOUNT },
    query: { page: 2, per_page: 10, status: 'PENDING' },
    send: (cf) =>
      cf.emailSecurity.investigate.bulk.list({ account_id: ACCOUNT, page: 2, per_page: 10, status: 'PENDING' }),
  },
  'emailSecurity.investigate.bulk.get': {
    params: { account_id: ACCOUNT, job_id: JOB },
    send: (cf) => cf.emailSecurity.investigate.bulk.get(JOB, { account_id: ACCOUNT }),
  },
  'emailSecurity.investigate.bulk.delete': {
    params: { account_id: ACCOUNT, job_id: JOB },
    send: (cf) => cf.emailSecurity.investigate.bulk.delete(JOB, { account_id: ACCOUNT }),
  },
  'emailSecurity.investigate.bulk.cancel.create': {
    params: { account_id: ACCOUNT, job_id: JOB },
    send: (cf) => cf.emailSecurity.investigate.bulk.cancel.create(JOB, { account_id: ACCOUNT }),
  },
  'emailSecurity.investigate.bulk.messages.list': {
    params: { account_id: ACCOUNT, job_id: JOB },
    query: { page: 1, per_page: 50, status: 'FAILED' },
    send: (cf) =>
      cf.emailSecurity.investigate.bulk.messages.list(JOB, {
        account_id: ACCOUNT,
        page: 1,
        per_page: 50,
        status: 'FAILED',
      }),
  },
  'intel.miscategorizations.create': {
    params: { account_id: ACCOUNT },
    send: (cf) =>
      cf.intel.miscategorizations.create({ account_id: ACCOUNT, indicator_type: 'domain', url: 'example.com' }),
  },
  'securityCenter.insights.list': {
    params: { scope: 'zones', scope_id: ZONE },
    query: insightQuery,
    send: (cf) => cf.securityCenter.insights.list({ zone_id: ZONE, ...insightQuery }),
  },
  'securityCenter.insights.dismiss': {
    params: { scope: 'accounts', scope_id: ACCOUNT, issue_id: ISSUE },
    send: (cf) => cf.securityCenter.insights.dismiss(ISSUE, { account_id: ACCOUNT, dismiss: true }),
  },
  'securityCenter.insights.classification.update': {
    params: { scope: 'accounts', scope_id: ACCOUNT, issue_id: ISSUE },
    send: (cf) =>
      cf.securityCenter.insights.classification.update(ISSUE, {
        account_id: ACCOUNT,
        classification: 'false_positive',
      }),
  },
  'securityCenter.insights.class.get': {
    params: { scope: 'accounts', scope_id: ACCOUNT },
    query: { 'severity~neq': ['low'] },
    send: (cf) => cf.securityCenter.insights.class.get({ account_id: ACCOUNT, 'severity~neq': ['low'] }),
  },
  'securityCenter.insights.severity.get': {
    params: { scope: 'zones', scope_id: ZONE },
    send: (cf) => cf.securityCenter.insights.severity.get({ zone_id: ZONE }),
  },
  'securityCenter.insights.type.get': {
    params: { scope: 'accounts', scope_id: ACCOUNT },
    query: { issue_type: ['email_security', 'weak_authentication'] },
    send: (cf) =>
      cf.securityCenter.insights.type.get({
        account_id: ACCOUNT,
        issue_type: ['email_security', 'weak_authentication'],
      }),
  },
  'securityCenter.insights.auditLogs.list': {
    params: { scope: 'accounts', scope_id: ACCOUNT },
    query: auditQuery,
    send: (cf) => cf.securityCenter.insights.auditLogs.list({ account_id: ACCOUNT, ...auditQuery }),
  },
  'securityCenter.insights.auditLogs.listByInsight': {
    params: { scope: 'zones', scope_id: ZONE, issue_id: ISSUE },
    send: (cf) => cf.securityCenter.insights.auditLogs.listByInsight(ISSUE, { zone_id: ZONE }),
  },
  'securityCenter.insights.context.get': {
    params: { account_id: ACCOUNT, issue_id: ISSUE },
    send: (cf) => cf.securityCenter.insights.context.get(ISSUE, { account_id: ACCOUNT }),
  },
};

/**
 * Where the gateway deliberately speaks more than SDK 7.3.0 knows. Checked at typecheck time below:
 * a parameter added to (or dropped from) either side without being listed here fails the build.
 */
const GATEWAY_ONLY_QUERY_KEYS = {
  // E1 parameters only the older docs list (contract#versions), sent only when a caller asks for them.
  'emailSecurity.investigate.list': ['exact_subject', 'submissions'],
} as const;

/** Keys written in an interface, without the index signature that QueryParams brings. */
type DeclaredKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The SDK's path parameters are not query parameters. */
type SdkQueryKeys<T> = Exclude<DeclaredKeys<T>, 'account_id' | 'zone_id'>;

const e1KeysAgree: SameKeys<
  DeclaredKeys<InvestigateListParams>,
  SdkQueryKeys<SdkInvestigateListParams> | (typeof GATEWAY_ONLY_QUERY_KEYS)['emailSecurity.investigate.list'][number]
> = true;
const insightFilterKeysAgree: SameKeys<
  DeclaredKeys<InsightFilterParams>,
  Exclude<SdkQueryKeys<SdkInsightListParams>, 'page' | 'per_page'>
> = true;
const auditLogKeysAgree: SameKeys<DeclaredKeys<AuditLogParams>, SdkQueryKeys<SdkAuditLogListParams>> = true;

const sent: SentRequest[] = [];
let server: http.Server;
let sdk: Cloudflare;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://recorder.invalid');
    const path = url.pathname.startsWith(BASE_PATH) ? url.pathname.slice(BASE_PATH.length) : url.pathname;
    sent.push({ method: req.method ?? '', path, query: url.search.slice(1) });
    req.resume();
    req.on('end', () => {
      // What the SDK makes of the answer does not matter here; a success envelope keeps it quiet.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: true, errors: [], messages: [], result: [], result_info: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  sdk = new Cloudflare({ apiToken: 'catalogue-test', baseURL: `http://127.0.0.1:${port}${BASE_PATH}`, maxRetries: 0 });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The one request the SDK sent for this call. */
async function sentBy(call: SdkCall): Promise<SentRequest> {
  const before = sent.length;
  await call.send(sdk).catch(() => undefined);
  expect(sent.length - before).toBe(1);
  return sent[sent.length - 1] as SentRequest;
}

const sortedParts = (query: string) => query.split('&').filter(Boolean).sort();

describe('the endpoint catalogue against the cloudflare 7.3.0 SDK', () => {
  test('every catalogue endpoint has an SDK request to compare with', () => {
    expect(Object.keys(SDK_CALLS).sort()).toEqual([...endpointIds].sort());
  });

  test.each(endpointIds)('%s has the method and path the SDK sends', async (id) => {
    const call = SDK_CALLS[id];
    const request = await sentBy(call);
    expect(endpoints[id].method).toBe(request.method);
    expect(buildPath(id, endpoints[id].path, call.params)).toBe(request.path);
  });

  test.each(endpointIds.filter((id) => SDK_CALLS[id].query !== undefined))(
    '%s spells its query parameters as the SDK does',
    async (id) => {
      const call = SDK_CALLS[id];
      const request = await sentBy(call);
      expect(sortedParts(encodeQuery(call.query).slice(1))).toEqual(sortedParts(request.query));
    },
  );

  test('the gateway-only query parameters are exactly the listed ones (typechecked)', () => {
    expect([e1KeysAgree, insightFilterKeysAgree, auditLogKeysAgree]).toEqual([true, true, true]);
  });
});

describe('the simulator’s own route table against the cloudflare 7.3.0 SDK', () => {
  test.each(endpointIds)('the simulator routes the SDK’s %s request to that endpoint', async (id) => {
    const request = await sentBy(SDK_CALLS[id]);
    const match = matchRoute(request.method, request.path);
    expect(match.kind === 'route' ? match.id : match.kind).toBe(id);
  });
});
