import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID, SIMULATOR_ZONE_ID } from '../../../src/simulator/index.js';
import { ACCOUNT, classifiedAs, classify, ids, LIST, PAGE, page, t, useInsightGateway, ZONE } from './helpers.js';

useInsightGateway();

const simIds = (scopeId = SIMULATOR_ACCOUNT_ID) => t.sim.state.listInsights(scopeId).map((issue) => issue.id as string);

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
