import { expect } from 'vitest';
import { SIMULATOR_ACCOUNT_ID, SIMULATOR_ZONE_ID } from '../../../src/simulator/index.js';
import { useTestGateway, type TestGateway } from '../../helpers/gateway.js';

/** The gateway of the test file that called `useInsightGateway`; set before its first test runs. */
export let t: TestGateway;

/** One gateway for the file; every test starts on a freshly seeded simulator with an empty log. */
export function useInsightGateway(): void {
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { reset: true },
  );
}

export const ACCOUNT = { accountId: SIMULATOR_ACCOUNT_ID };
export const ZONE = { zoneId: SIMULATOR_ZONE_ID };
export const LIST = 'securityCenter.insights.list';

interface InsightPage {
  insights: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
    edges: { cursor: string; node: { id: string } }[];
  };
}

export const PAGE = /* GraphQL */ `
  query Page($scope: InsightScope!, $filter: InsightFilter, $first: Int, $last: Int, $after: String, $before: String) {
    insights(scope: $scope, filter: $filter, first: $first, last: $last, after: $after, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
`;

export async function page(variables: Record<string, unknown>): Promise<InsightPage> {
  const { body } = await t.query<InsightPage>(PAGE, { scope: ACCOUNT, ...variables });
  expect(body.errors).toBeUndefined();
  return body.data as InsightPage;
}

export const ids = (result: InsightPage) => result.insights.edges.map((edge) => edge.node.id);
export const unclassified = (scopeId = SIMULATOR_ACCOUNT_ID) =>
  t.sim.state.listInsights(scopeId).find((issue) => issue.user_classification == null && issue.dismissed === false)
    ?.id as string;
export const classifiedAs = (value: string) =>
  t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID).find((issue) => issue.user_classification === value)?.id as string;

export const CLASSIFY = /* GraphQL */ `
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

export interface ClassifyResult {
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

export async function classify(input: Record<string, unknown>, headers?: Record<string, string>) {
  const { body } = await t.query<ClassifyResult>(CLASSIFY, { input: { scope: ACCOUNT, ...input } }, headers);
  expect(body.errors).toBeUndefined();
  return (body.data as ClassifyResult).classifyInsight;
}
