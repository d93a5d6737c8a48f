import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { ACCOUNT, t, useInsightGateway } from './helpers.js';

useInsightGateway();

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
