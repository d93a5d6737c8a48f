import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID, SIMULATOR_ZONE_ID } from '../../../src/simulator/index.js';
import { mulberry32 } from '../../../src/simulator/prng.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTokenSigner } from '../../helpers/tokens.js';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.sim.reset();
  t.logs.length = 0;
});

const ACCOUNT = { accountId: SIMULATOR_ACCOUNT_ID };
const ZONE = { zoneId: SIMULATOR_ZONE_ID };
const LIST = 'securityCenter.insights.list';
const PATCH = 'securityCenter.insights.classification.update';

interface InsightPage {
  insights: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
    edges: { cursor: string; node: { id: string } }[];
  };
}

const PAGE = /* GraphQL */ `
  query Page($scope: InsightScope!, $filter: InsightFilter, $first: Int, $last: Int, $after: String, $before: String) {
    insights(scope: $scope, filter: $filter, first: $first, last: $last, after: $after, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
`;

async function page(variables: Record<string, unknown>): Promise<InsightPage> {
  const { body } = await t.query<InsightPage>(PAGE, { scope: ACCOUNT, ...variables });
  expect(body.errors).toBeUndefined();
  return body.data as InsightPage;
}

const ids = (result: InsightPage) => result.insights.edges.map((edge) => edge.node.id);
const simIds = (scopeId = SIMULATOR_ACCOUNT_ID) => t.sim.state.listInsights(scopeId).map((issue) => issue.id as string);
const unclassified = (scopeId = SIMULATOR_ACCOUNT_ID) =>
  t.sim.state.listInsights(scopeId).find((issue) => issue.user_classification == null && issue.dismissed === false)
    ?.id as string;
const classifiedAs = (value: string) =>
  t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID).find((issue) => issue.user_classification === value)?.id as string;
const auditLines = () => t.logs.filter((line) => 'audit' in line).map((line) => line.audit as Record<string, unknown>);

const CLASSIFY = /* GraphQL */ `
  mutation Classify($input: ClassifyInsightInput!) {
    classifyInsight(input: $input) {
      __typename
      ... on ClassifyInsightPayload {
        id scopeKind accountId zoneId classification previousClassification previousClassificationKnown steps complete replayed
        failure { step code message }
        insight { id userClassification }
      }
      ... on MutationError { code message }
      ... on ValidationError { issues { path message } }
    }
  }
`;

interface ClassifyResult {
  classifyInsight: {
    __typename: string;
    classification?: string | null;
    previousClassification?: string | null;
    previousClassificationKnown?: boolean;
    steps?: string[];
    complete?: boolean;
    replayed?: boolean;
    failure?: { step: string; code: string; message: string } | null;
    insight?: { id: string; userClassification: string | null } | null;
    code?: string;
    message?: string;
    issues?: { path: string[]; message: string }[];
  };
}

async function classify(input: Record<string, unknown>, headers?: Record<string, string>) {
  const { body } = await t.query<ClassifyResult>(CLASSIFY, { input: { scope: ACCOUNT, ...input } }, headers);
  expect(body.errors).toBeUndefined();
  return (body.data as ClassifyResult).classifyInsight;
}

describe('Insight fields and scope', () => {
  test('every Insight field resolves for an account insight, with lazy context and audit log', async () => {
    const id = classifiedAs('accept_risk');
    const { body } = await t.query<{ insight: Record<string, unknown> }>(
      /* GraphQL */ `
        query One($scope: InsightScope!, $id: ID!) {
          insight(scope: $scope, id: $id) {
            id scopeKind accountId zoneId dismissed hasExtendedContext issueClass issueType payload resolveLink resolveText
            severity since status subject timestamp userClassification context
            auditLog(first: 5) {
              totalCount
              pageInfo { hasNextPage hasPreviousPage }
              edges { cursor node { id changedAt changedBy currentValue previousValue fieldChanged issueId rationale zoneId } }
            }
          }
        }
      `,
      { scope: ACCOUNT, id },
    );
    expect(body.errors).toBeUndefined();
    const insight = body.data?.insight as Record<string, unknown>;
    const wire = t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id);
    expect(insight).toMatchObject({
      id,
      scopeKind: 'ACCOUNT',
      accountId: SIMULATOR_ACCOUNT_ID,
      zoneId: null,
      dismissed: wire?.dismissed,
      hasExtendedContext: wire?.has_extended_context,
      issueClass: wire?.issue_class,
      issueType: wire?.issue_type?.toUpperCase(),
      payload: wire?.payload,
      resolveLink: wire?.resolve_link,
      resolveText: wire?.resolve_text,
      severity: wire?.severity?.toUpperCase(),
      since: new Date(wire?.since as string).toISOString(),
      status: wire?.status?.toUpperCase(),
      subject: wire?.subject,
      timestamp: new Date(wire?.timestamp as string).toISOString(),
      userClassification: 'ACCEPT_RISK',
    });
    expect((insight.context as { issue_id: string }).issue_id).toBe(id);
    const auditLog = insight.auditLog as { totalCount: null; edges: { node: Record<string, unknown> }[] };
    expect(auditLog.totalCount).toBeNull();
    expect(
      auditLog.edges.some(
        (e) =>
          e.node.fieldChanged === 'USER_CLASSIFICATION' &&
          e.node.currentValue === 'accept_risk' &&
          e.node.issueId === id,
      ),
    ).toBe(true);
    expect(t.sim.count(LIST)).toBe(1);
    expect(t.sim.count('securityCenter.insights.context.get')).toBe(1);
    expect(t.sim.count('securityCenter.insights.auditLogs.listByInsight')).toBe(1);
  });

  test('zone insights are listed under /zones/, carry the zone id, and have a null context without a call', async () => {
    const { body } = await t.query<{
      insights: {
        totalCount: number;
        nodes: {
          scopeKind: string;
          zoneId: string;
          accountId: null;
          context: null;
          auditLog: { nodes: { zoneId: string | null }[] };
        }[];
      };
    }>(
      `query($scope: InsightScope!) { insights(scope: $scope, first: 20) { totalCount nodes { scopeKind zoneId accountId context auditLog(first: 5) { nodes { zoneId } } } } }`,
      { scope: ZONE },
    );
    expect(body.errors).toBeUndefined();
    const nodes = body.data?.insights.nodes ?? [];
    expect(body.data?.insights.totalCount).toBe(simIds(SIMULATOR_ZONE_ID).length);
    expect(
      nodes.every(
        (n) => n.scopeKind === 'ZONE' && n.zoneId === SIMULATOR_ZONE_ID && n.accountId === null && n.context === null,
      ),
    ).toBe(true);
    // contract#insights: Cloudflare's numeric zone_id arrives as a string.
    const zoneIds = nodes.flatMap((n) => n.auditLog.nodes.map((e) => e.zoneId));
    expect(zoneIds.length).toBeGreaterThan(0);
    expect(zoneIds.every((z) => typeof z === 'string' && /^\d+$/.test(z))).toBe(true);
    expect(t.sim.requests.find((r) => r.endpoint === LIST)?.path).toContain(`/zones/${SIMULATOR_ZONE_ID}/`);
    expect(t.sim.count('securityCenter.insights.context.get')).toBe(0);
  });

  test.each([
    ['both ids', { accountId: SIMULATOR_ACCOUNT_ID, zoneId: SIMULATOR_ZONE_ID }],
    ['neither id', {}],
    ['an id that is not 32 hex characters', { accountId: 'not-an-account' }],
    ['a zone id of the wrong length', { zoneId: 'abc123' }],
  ])('a scope with %s is BAD_USER_INPUT and costs no Cloudflare call', async (_name, scope) => {
    for (const doc of [
      `query($scope: InsightScope!) { insights(scope: $scope) { totalCount } }`,
      `query($scope: InsightScope!) { insight(scope: $scope, id: "x") { id } }`,
      `query($scope: InsightScope!) { insightCounts(scope: $scope, groupBy: CLASS) { value } }`,
      `query($scope: InsightScope!) { insightAuditLog(scope: $scope) { totalCount } }`,
    ]) {
      const { body } = await t.query(doc, { scope });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const result = await classify({ scope, id: 'x', classification: 'FALSE_POSITIVE' });
    expect(result.__typename).toBe('ValidationError');
    expect(t.sim.requests).toHaveLength(0);
  });

  test('insight returns null for an unknown id after one S1 call', async () => {
    const { body } = await t.query(
      `query($scope: InsightScope!) { insight(scope: $scope, id: "00000000000000000000000000000000") { id } }`,
      { scope: ACCOUNT },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ insight: null });
    expect(t.sim.count(LIST)).toBe(1);
  });

  test('insight reuses an insights list of the same request instead of scanning S1 again', async () => {
    const id = simIds()[3] as string;
    const { body } = await t.query<{ insights: { totalCount: number }; insight: { id: string } }>(
      `query($scope: InsightScope!, $id: ID!) { insights(scope: $scope, first: 10) { totalCount } insight(scope: $scope, id: $id) { id } }`,
      { scope: ACCOUNT, id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.insight.id).toBe(id);
    expect(t.sim.count(LIST)).toBe(1);
  });
});

describe('insights paging and filters', () => {
  test('paging forward through 60 insights gives stable pages, hasNextPage/hasPreviousPage and totalCount', async () => {
    const all = simIds();
    const first = await page({ first: 25 });
    expect(first.insights.totalCount).toBe(all.length);
    expect(first.insights.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(ids(first)).toEqual(all.slice(0, 25));
    t.sim.resetRequests();
    const second = await page({ first: 25, after: first.insights.pageInfo.endCursor });
    expect(t.sim.count(LIST)).toBe(1);
    expect(ids(second)).toEqual(all.slice(25, 50));
    expect(second.insights.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const third = await page({ first: 25, after: second.insights.pageInfo.endCursor });
    expect(ids(third)).toEqual(all.slice(50));
    expect(third.insights.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  test('paging backward with last/before returns the tail, then the page before it', async () => {
    const all = simIds();
    const tail = await page({ last: 10 });
    expect(ids(tail)).toEqual(all.slice(-10));
    expect(tail.insights.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const before = await page({ last: 10, before: tail.insights.pageInfo.startCursor });
    expect(ids(before)).toEqual(all.slice(-20, -10));
    expect(before.insights.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const head = await page({ last: 5, before: (await page({ first: 5, after: null })).insights.edges[4]?.cursor });
    expect(ids(head)).toEqual(all.slice(0, 4));
    expect(head.insights.pageInfo.hasPreviousPage).toBe(false);
  });

  test('a cursor replayed under a different filter is BAD_USER_INPUT without a call', async () => {
    const first = await page({ first: 5 });
    t.sim.resetRequests();
    const { body } = await t.query(PAGE, {
      scope: ACCOUNT,
      first: 5,
      after: first.insights.pageInfo.endCursor,
      filter: { dismissed: true },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.requests).toHaveLength(0);
  });

  test('first above the cap of 100 is BAD_USER_INPUT without a call', async () => {
    const { body } = await t.query(PAGE, { scope: ACCOUNT, first: 101 });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.requests).toHaveLength(0);
  });

  test('every filter reaches S1 literally, ~neq exclusions and lower-case severities included', async () => {
    const filter = {
      dismissed: false,
      issueClass: ['a_class'],
      issueClassNot: ['b_class'],
      issueType: ['EMAIL_SECURITY', 'INSECURE_CONFIGURATION'],
      issueTypeNot: ['COMPLIANCE_VIOLATION'],
      product: ['dns'],
      productNot: ['waf'],
      severity: ['CRITICAL'],
      severityNot: ['LOW', 'MODERATE'],
      subject: ['contoso.com'],
      subjectNot: ['contoso.net'],
    };
    await page({ first: 5, filter });
    const query = t.sim.requests.find((r) => r.endpoint === LIST)?.query;
    expect(query).toMatchObject({
      dismissed: ['false'],
      issue_class: ['a_class'],
      'issue_class~neq': ['b_class'],
      issue_type: ['email_security', 'insecure_configuration'],
      'issue_type~neq': ['compliance_violation'],
      product: ['dns'],
      'product~neq': ['waf'],
      severity: ['critical'],
      'severity~neq': ['low', 'moderate'],
      subject: ['contoso.com'],
      'subject~neq': ['contoso.net'],
      page: ['1'],
      per_page: ['5'],
    });
  });

  test('a severity exclusion filters the results and the total', async () => {
    const expected = t.sim.state
      .listInsights(SIMULATOR_ACCOUNT_ID)
      .filter((i) => i.severity !== 'Low')
      .map((i) => i.id);
    const result = await page({ first: 100, filter: { severityNot: ['LOW'] } });
    expect(ids(result)).toEqual(expected);
    expect(result.insights.totalCount).toBe(expected.length);
  });
});

describe('insight counts', () => {
  test.each([
    ['CLASS', 'securityCenter.insights.class.get', 'issue_class'],
    ['SEVERITY', 'securityCenter.insights.severity.get', 'severity'],
    ['TYPE', 'securityCenter.insights.type.get', 'issue_type'],
  ] as const)(
    'counts grouped by %s come from one call, add up to the insights and name severities as the enum does',
    async (groupBy, endpoint, field) => {
      const { body } = await t.query<{ insightCounts: { value: string; count: number }[] }>(
        `query($scope: InsightScope!, $groupBy: InsightCountGroup!) { insightCounts(scope: $scope, groupBy: $groupBy) { value count } }`,
        { scope: ACCOUNT, groupBy },
      );
      expect(body.errors).toBeUndefined();
      const expected = new Map<string, number>();
      for (const issue of t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID)) {
        // Severities come back as the Severity enum names (LOW), the spelling the filter takes.
        const value = groupBy === 'SEVERITY' ? String(issue[field]).toUpperCase() : (issue[field] as string);
        expected.set(value, (expected.get(value) ?? 0) + 1);
      }
      expect(new Map(body.data?.insightCounts.map((c) => [c.value, c.count]))).toEqual(expected);
      expect(t.sim.count(endpoint)).toBe(1);
      expect(t.sim.requests).toHaveLength(1);
    },
  );

  test('the count filter reaches Cloudflare with ~neq keys', async () => {
    const { body } = await t.query(
      `query($scope: InsightScope!) { insightCounts(scope: $scope, groupBy: TYPE, filter: { severityNot: [CRITICAL], dismissed: false }) { value count } }`,
      { scope: ACCOUNT },
    );
    expect(body.errors).toBeUndefined();
    expect(t.sim.requests[0]?.query['severity~neq']).toEqual(['critical']);
    expect(t.sim.requests[0]?.query.dismissed).toEqual(['false']);
  });
});

describe('insight audit log', () => {
  const AUDIT = /* GraphQL */ `
    query Audit($scope: InsightScope!, $first: Int, $after: String, $filter: InsightAuditLogFilter) {
      insightAuditLog(scope: $scope, first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { id changedAt fieldChanged issueId } }
      }
    }
  `;
  type AuditPage = {
    insightAuditLog: {
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string };
      edges: { cursor: string; node: { id: string } }[];
    };
  };

  test('the account audit log pages forward with one S7 call per page, newest first, until hasNextPage is false', async () => {
    const expected = t.sim.state
      .listAuditLog(SIMULATOR_ACCOUNT_ID)
      .reverse()
      .map((e) => e.id);
    expect(expected.length).toBeGreaterThan(10);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: { body: { data?: AuditPage; errors?: unknown[] } } = await t.query<AuditPage>(AUDIT, {
        scope: ACCOUNT,
        first: 7,
        after,
      });
      expect(response.body.errors).toBeUndefined();
      const log: AuditPage['insightAuditLog'] = (response.body.data as AuditPage).insightAuditLog;
      seen.push(...log.edges.map((e) => e.node.id));
      expect(log.pageInfo.hasPreviousPage).toBe(after !== null);
      pages++;
      if (!log.pageInfo.hasNextPage) break;
      after = log.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 7));
    expect(t.sim.count('securityCenter.insights.auditLogs.list')).toBe(pages);
  });

  test('a cursor from the middle of a page continues right after that entry', async () => {
    const { body } = await t.query<AuditPage>(AUDIT, { scope: ACCOUNT, first: 5, filter: { order: 'ASC' } });
    const firstPage = (body.data as AuditPage).insightAuditLog.edges;
    const next = await t.query<AuditPage>(AUDIT, {
      scope: ACCOUNT,
      first: 3,
      after: firstPage[1]?.cursor,
      filter: { order: 'ASC' },
    });
    expect(next.body.errors).toBeUndefined();
    expect((next.body.data as AuditPage).insightAuditLog.edges.map((e) => e.node.id)).toEqual(
      firstPage.slice(2, 5).map((e) => e.node.id),
    );
    expect(t.sim.requests.at(-1)?.query.order).toEqual(['asc']);
  });

  test('the audit filter reaches S7 and a last/before request is BAD_USER_INPUT without a call', async () => {
    await t.query(AUDIT, {
      scope: ACCOUNT,
      first: 5,
      filter: {
        fieldChanged: 'USER_CLASSIFICATION',
        changedBy: 'system',
        since: '2020-01-01T00:00:00Z',
        order: 'DESC',
      },
    });
    expect(t.sim.requests[0]?.query).toMatchObject({
      field_changed: ['user_classification'],
      changed_by: ['system'],
      since: ['2020-01-01T00:00:00.000Z'],
      order: ['desc'],
      per_page: ['5'],
    });
    t.sim.resetRequests();
    const { body } = await t.query(
      `query($scope: InsightScope!) { insightAuditLog(scope: $scope, last: 5) { totalCount } }`,
      { scope: ACCOUNT },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.requests).toHaveLength(0);
  });
});

describe('classifyInsight', () => {
  test('a classification succeeds, shows in a later query and in the insight audit log', async () => {
    const id = unclassified();
    const result = await classify({ id, classification: 'FALSE_POSITIVE' });
    expect(result).toMatchObject({
      __typename: 'ClassifyInsightPayload',
      classification: 'FALSE_POSITIVE',
      steps: ['SET'],
      complete: true,
      replayed: false,
      failure: null,
    });
    expect(result.insight).toEqual({ id, userClassification: 'FALSE_POSITIVE' });
    expect(t.sim.count(PATCH)).toBe(1);
    expect(t.sim.requests.find((r) => r.endpoint === PATCH)?.body).toEqual({ classification: 'false_positive' });

    const { body } = await t.query<{
      insight: {
        userClassification: string;
        auditLog: {
          nodes: { fieldChanged: string; currentValue: string; previousValue: string | null; changedBy: string }[];
        };
      };
    }>(
      `query($scope: InsightScope!, $id: ID!) { insight(scope: $scope, id: $id) { userClassification auditLog(first: 1) { nodes { fieldChanged currentValue previousValue changedBy } } } }`,
      { scope: ACCOUNT, id },
    );
    expect(body.data?.insight.userClassification).toBe('FALSE_POSITIVE');
    expect(body.data?.insight.auditLog.nodes[0]).toMatchObject({
      fieldChanged: 'USER_CLASSIFICATION',
      currentValue: 'false_positive',
      previousValue: null,
    });
  });

  test.each(['ACCEPT_RISK', 'OTHER'])(
    '%s without a rationale is a ValidationError and costs no call',
    async (classification) => {
      const result = await classify({ id: unclassified(), classification, rationale: '   ' });
      expect(result.__typename).toBe('ValidationError');
      expect(result.issues?.[0]?.path).toEqual(['input', 'rationale']);
      expect(t.sim.requests).toHaveLength(0);
    },
  );

  test('ACCEPT_RISK with a rationale sends it to Cloudflare', async () => {
    const id = unclassified();
    const result = await classify({ id, classification: 'ACCEPT_RISK', rationale: 'Compensating control' });
    expect(result.__typename).toBe('ClassifyInsightPayload');
    expect(t.sim.requests.find((r) => r.endpoint === PATCH)?.body).toEqual({
      classification: 'accept_risk',
      rationale: 'Compensating control',
    });
    expect(t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBe('accept_risk');
  });

  test('a direct change between two classifications without replaceExisting is a ConflictError naming the way out', async () => {
    const id = classifiedAs('accept_risk');
    const result = await classify({ id, classification: 'FALSE_POSITIVE' });
    expect(result.__typename).toBe('ConflictError');
    expect(result.message).toMatch(/reset to null first or pass replaceExisting: true/);
    expect(t.sim.count(PATCH)).toBe(1);
    expect(t.sim.count(LIST)).toBe(0);
    expect(t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBe('accept_risk');
  });

  test('replaceExisting resets then sets with exactly two PATCHes and reports both steps', async () => {
    const id = classifiedAs('accept_risk');
    const result = await classify({ id, classification: 'FALSE_POSITIVE', replaceExisting: true });
    expect(result).toMatchObject({
      __typename: 'ClassifyInsightPayload',
      steps: ['RESET', 'SET'],
      complete: true,
      previousClassification: 'ACCEPT_RISK',
      previousClassificationKnown: true,
      insight: { id, userClassification: 'FALSE_POSITIVE' },
    });
    const patches = t.sim.requests.filter((r) => r.endpoint === PATCH);
    expect(patches.map((r) => (r.body as { classification: unknown }).classification)).toEqual([
      null,
      'false_positive',
    ]);
    expect(patches.every((r) => r.status === 200)).toBe(true);
    // One S1 read before (current value), one after (the payload's fresh insight).
    expect(t.sim.count(LIST)).toBe(2);
    expect(t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBe('false_positive');
  });

  test('replaceExisting on an unclassified insight sends a single PATCH', async () => {
    const id = unclassified();
    const result = await classify({
      id,
      classification: 'OTHER',
      rationale: 'Tracked elsewhere',
      replaceExisting: true,
    });
    expect(result).toMatchObject({
      steps: ['SET'],
      previousClassification: null,
      previousClassificationKnown: true,
      complete: true,
    });
    expect(t.sim.count(PATCH)).toBe(1);
  });

  test('a reset that succeeds followed by a failed set is reported as half-applied, not hidden', async () => {
    const id = classifiedAs('false_positive');
    // The simulator rolls its seeded fault PRNG once per matching request: with these rolls a
    // probability of 0.5 lets the RESET through and fails the SET.
    const rolls = mulberry32((1 ^ 0x3c6ef372) >>> 0);
    const [r1, r2] = [rolls(), rolls()];
    expect(r1 >= 0.5 && r2 < 0.5).toBe(true);
    t.sim.injectFault({ endpoint: PATCH, probability: 0.5, response: { kind: 'status', status: 400 } });
    const result = await classify({
      id,
      classification: 'OTHER',
      rationale: 'Moved to the risk register',
      replaceExisting: true,
    });
    expect(result).toMatchObject({
      __typename: 'ClassifyInsightPayload',
      steps: ['RESET'],
      complete: false,
      previousClassification: 'FALSE_POSITIVE',
      failure: { step: 'SET', code: 'UPSTREAM_ERROR' },
      insight: { id, userClassification: null },
    });
    expect(result.failure?.message).toMatch(/now unclassified/);
    expect(t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBeNull();
    expect(auditLines().find((a) => a.action === 'classifyInsight')).toMatchObject({ result: 'partial' });
  });

  test('a null classification resets an existing one', async () => {
    const id = classifiedAs('other');
    const result = await classify({ id, classification: null });
    expect(result).toMatchObject({ steps: ['RESET'], complete: true, insight: { id, userClassification: null } });
    expect(t.sim.requests.find((r) => r.endpoint === PATCH)?.body).toEqual({ classification: null });
  });

  test('an unknown insight is a NotFoundError', async () => {
    const result = await classify({ id: 'ffffffffffffffffffffffffffffffff', classification: 'FALSE_POSITIVE' });
    expect(result.__typename).toBe('NotFoundError');
  });

  test('a zone insight is classified through the zone path', async () => {
    const id = unclassified(SIMULATOR_ZONE_ID);
    const result = await classify({ scope: ZONE, id, classification: 'FALSE_POSITIVE' });
    expect(result).toMatchObject({
      __typename: 'ClassifyInsightPayload',
      steps: ['SET'],
      insight: { id, userClassification: 'FALSE_POSITIVE' },
    });
    expect(t.sim.requests.find((r) => r.endpoint === PATCH)?.path).toContain(`/zones/${SIMULATOR_ZONE_ID}/`);
  });

  test('repeating a classification with the same idempotency key sends one PATCH and replays the first result', async () => {
    const id = unclassified();
    const input = { id, classification: 'FALSE_POSITIVE', idempotencyKey: 'classify-once-1' };
    const first = await classify(input);
    const second = await classify(input);
    expect(first).toMatchObject({ __typename: 'ClassifyInsightPayload', replayed: false });
    expect(second).toMatchObject({ __typename: 'ClassifyInsightPayload', replayed: true, steps: ['SET'] });
    expect(t.sim.count(PATCH)).toBe(1);
  });

  test('the audit line of a classification names actor, action, scope, id and outcome and holds no secret', async () => {
    const id = unclassified();
    await classify({ id, classification: 'ACCEPT_RISK', rationale: 'Compensating control', idempotencyKey: 'k-audit' });
    const lines = auditLines().filter((a) => a.action === 'classifyInsight');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      actor: 'development',
      action: 'classifyInsight',
      accountId: SIMULATOR_ACCOUNT_ID,
      scope: `accounts/${SIMULATOR_ACCOUNT_ID}`,
      result: 'applied',
      idempotencyKey: 'k-audit',
      outcomes: [{ id, outcome: 'CLASSIFIED' }],
      details: { classification: 'accept_risk', replaceExisting: false, withRationale: true, steps: ['SET'] },
    });
    expect(typeof lines[0]?.requestId).toBe('string');
    expect(JSON.stringify(t.logs)).not.toContain('test-token');
  });

  test('a refused classification is audited too', async () => {
    await classify({ id: classifiedAs('accept_risk'), classification: 'OTHER', rationale: 'x' });
    expect(auditLines().find((a) => a.action === 'classifyInsight')).toMatchObject({
      result: 'refused',
      outcomes: [{ outcome: 'CONFLICT' }],
    });
  });
});

describe('dismissInsight', () => {
  const DISMISS = /* GraphQL */ `
    mutation Dismiss($input: DismissInsightInput!) {
      dismissInsight(input: $input) {
        __typename
        ... on DismissInsightPayload { id dismissed replayed insight { id dismissed } }
        ... on MutationError { code message }
      }
    }
  `;

  test('a dismissal is one PUT and shows in a later filtered query', async () => {
    const id = unclassified();
    const { body } = await t.query<{ dismissInsight: Record<string, unknown> }>(DISMISS, {
      input: { scope: ACCOUNT, id },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?.dismissInsight).toEqual({
      __typename: 'DismissInsightPayload',
      id,
      dismissed: true,
      replayed: false,
      insight: { id, dismissed: true },
    });
    expect(t.sim.count('securityCenter.insights.dismiss')).toBe(1);
    expect(t.sim.requests.find((r) => r.endpoint === 'securityCenter.insights.dismiss')?.body).toEqual({
      dismiss: true,
    });
    const later = await page({ first: 100, filter: { dismissed: true } });
    expect(ids(later)).toContain(id);
    expect(auditLines().find((a) => a.action === 'dismissInsight')).toMatchObject({
      result: 'applied',
      outcomes: [{ id, outcome: 'DISMISSED' }],
    });
  });

  test('dismiss false restores a dismissed insight', async () => {
    const id = t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID).find((i) => i.dismissed)?.id as string;
    const { body } = await t.query<{ dismissInsight: Record<string, unknown> }>(DISMISS, {
      input: { scope: ACCOUNT, id, dismiss: false },
    });
    expect(body.data?.dismissInsight).toMatchObject({ dismissed: false, insight: { id, dismissed: false } });
  });
});

describe('insight mutations authorisation', () => {
  test('a caller without email-security:write gets a ForbiddenError and no Cloudflare call', async () => {
    const signer = await createTokenSigner();
    const jwtGateway = await startTestGateway({ env: signer.env });
    try {
      const headers = await signer.bearer({ sub: 'reader', scope: 'email-security:read' });
      const { body } = await jwtGateway.query<ClassifyResult>(
        CLASSIFY,
        { input: { scope: ACCOUNT, id: 'x', classification: 'FALSE_POSITIVE' } },
        headers,
      );
      expect(body.data?.classifyInsight).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      const dismissed = await jwtGateway.query<{ dismissInsight: { __typename: string } }>(
        `mutation($input: DismissInsightInput!) { dismissInsight(input: $input) { __typename } }`,
        { input: { scope: ACCOUNT, id: 'x' } },
        headers,
      );
      expect(dismissed.body.data?.dismissInsight.__typename).toBe('ForbiddenError');
      // Reading is allowed with the read scope.
      const read = await jwtGateway.query(
        `query($scope: InsightScope!) { insights(scope: $scope, first: 1) { totalCount } }`,
        { scope: ACCOUNT },
        headers,
      );
      expect(read.body.errors).toBeUndefined();
      expect(jwtGateway.sim.count(PATCH) + jwtGateway.sim.count('securityCenter.insights.dismiss')).toBe(0);
    } finally {
      await jwtGateway.close();
    }
  });
});

describe('classifyInsight decides on a fresh read', () => {
  test('with replaceExisting, a classification another tool reset after the gateway cached it is set again, not reported as already applied', async () => {
    const cached = await startTestGateway({ env: { CACHE_ENABLED: 'true' } });
    try {
      const simScope = cached.sim.state.insightScope('accounts', SIMULATOR_ACCOUNT_ID);
      if (!simScope) throw new Error('no simulated account scope');
      const id = cached.sim.state.listInsights(SIMULATOR_ACCOUNT_ID).find((issue) => !issue.user_classification)
        ?.id as string;
      // Another tool classifies it; the gateway reads (and caches) that.
      cached.sim.state.classify(simScope, id, 'false_positive', undefined, 'another-tool');
      const read = await cached.query<{ insight: { userClassification: string } }>(
        'query($scope: InsightScope!, $id: ID!) { insight(scope: $scope, id: $id) { userClassification } }',
        { scope: ACCOUNT, id },
      );
      expect(read.body.data?.insight.userClassification).toBe('FALSE_POSITIVE');
      // Then resets it, behind the gateway's back: the shared cache still says FALSE_POSITIVE.
      cached.sim.state.classify(simScope, id, null, undefined, 'another-tool');

      const { body } = await cached.query<ClassifyResult>(CLASSIFY, {
        input: { scope: ACCOUNT, id, classification: 'FALSE_POSITIVE', replaceExisting: true },
      });
      expect(body.data?.classifyInsight).toMatchObject({
        __typename: 'ClassifyInsightPayload',
        previousClassification: null,
        previousClassificationKnown: true,
        steps: ['SET'],
        complete: true,
      });
      expect(cached.sim.count(PATCH)).toBe(1);
      expect(cached.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBe('false_positive');
    } finally {
      await cached.close();
    }
  });
});
