/** The SDK 7.3.0 `source` filter of S1/S4–S6 (contract#versions), end to end against the simulator. */
import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { useTestGateway, type TestGateway } from '../../helpers/gateway.js';

let t: TestGateway;

useTestGateway((gateway) => {
  t = gateway;
});

const SCOPE = { accountId: SIMULATOR_ACCOUNT_ID };

describe('insight source filter', () => {
  test('source RISKRECON reaches S1 and S4 as source=riskrecon and returns only RiskRecon insights', async () => {
    t.sim.resetRequests();
    const { body } = await t.query<{
      insights: { totalCount: number; nodes: { id: string }[] };
      insightCounts: { count: number | null }[];
    }>(
      `query($scope: InsightScope!, $filter: InsightFilter) {
        insights(scope: $scope, filter: $filter, first: 100) { totalCount nodes { id } }
        insightCounts(scope: $scope, filter: $filter, groupBy: CLASS) { count }
      }`,
      { scope: SCOPE, filter: { source: ['RISKRECON'] } },
    );
    expect(body.errors).toBeUndefined();
    const all = t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID);
    expect(body.data?.insights.totalCount).toBeGreaterThan(0);
    expect(body.data?.insights.totalCount).toBeLessThan(all.length);
    const counted = (body.data?.insightCounts ?? []).reduce((sum, item) => sum + (item.count ?? 0), 0);
    expect(counted).toBe(body.data?.insights.totalCount);
    const sent = t.sim.requests.filter(
      (r) => r.endpoint === 'securityCenter.insights.list' || r.endpoint === 'securityCenter.insights.class.get',
    );
    expect(sent).toHaveLength(2);
    for (const request of sent) expect(request.query.source).toEqual(['riskrecon']);
  });

  test('CLOUDFLARE and RISKRECON together cover every insight', async () => {
    const { body } = await t.query<{
      both: { totalCount: number };
      cloudflare: { totalCount: number };
      riskrecon: { totalCount: number };
    }>(
      `query($scope: InsightScope!) {
        both: insights(scope: $scope, filter: { source: [CLOUDFLARE, RISKRECON] }, first: 1) { totalCount }
        cloudflare: insights(scope: $scope, filter: { source: [CLOUDFLARE] }, first: 1) { totalCount }
        riskrecon: insights(scope: $scope, filter: { source: [RISKRECON] }, first: 1) { totalCount }
      }`,
      { scope: SCOPE },
    );
    expect(body.errors).toBeUndefined();
    const all = t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID).length;
    expect(body.data?.both.totalCount).toBe(all);
    expect((body.data?.cloudflare.totalCount ?? 0) + (body.data?.riskrecon.totalCount ?? 0)).toBe(all);
  });
});
