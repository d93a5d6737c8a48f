/**
 * One set of input rules (src/graphql/validation.ts) for queries and mutations: the same id is
 * refused by both, as BAD_USER_INPUT in a query and as ValidationError { issues } in a mutation, with
 * one issue per path and no upstream call.
 */
import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { useTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;

useTestGateway(
  (gateway) => {
    t = gateway;
  },
  { reset: true },
);

const ACCOUNT = { accountId: SIMULATOR_ACCOUNT_ID };
const LONG = 'a'.repeat(300);
const BAD_IDS: [string, string][] = [
  ['a 300-character id', LONG],
  ['a path-traversal id', '..'],
  ['an id with a slash', 'a/b'],
  ['an id with a control character', 'a\u0001b'],
  ['an id with a lone surrogate', 'a\ud800b'],
];

const QUERIES: [string, string, Record<string, unknown>][] = [
  ['message', 'query($id: ID!) { message(id: $id) { id } }', {}],
  ['bulkJob', 'query($id: ID!) { bulkJob(id: $id) { id } }', {}],
  ['insight', 'query($id: ID!, $scope: InsightScope!) { insight(scope: $scope, id: $id) { id } }', { scope: ACCOUNT }],
];

const MUTATIONS: [string, string, (id: string) => Record<string, unknown>, string][] = [
  ['moveMessages', 'MoveMessagesInput', (id) => ({ ids: [id], destination: 'INBOX' }), 'input.ids.0'],
  ['releaseMessages', 'ReleaseMessagesInput', (id) => ({ ids: [id] }), 'input.ids.0'],
  ['reclassifyMessage', 'ReclassifyMessageInput', (id) => ({ id, expectedDisposition: 'NONE' }), 'input.id'],
  [
    'classifyInsight',
    'ClassifyInsightInput',
    (id) => ({ scope: ACCOUNT, id, classification: 'FALSE_POSITIVE' }),
    'input.id',
  ],
  ['dismissInsight', 'DismissInsightInput', (id) => ({ scope: ACCOUNT, id }), 'input.id'],
  ['cancelBulkJob', 'CancelBulkJobInput', (id) => ({ id }), 'input.id'],
  ['deleteBulkJob', 'DeleteBulkJobInput', (id) => ({ id }), 'input.id'],
];

describe.each(BAD_IDS)('%s', (_name, id) => {
  test.each(QUERIES)(
    'is BAD_USER_INPUT at `id` in the %s query with no upstream call',
    async (_field, query, variables) => {
      const { body } = await t.query(query, { id, ...variables });
      expect(body.errors?.map((error) => [error.extensions?.code, error.extensions?.argumentPath])).toEqual([
        ['BAD_USER_INPUT', ['id']],
      ]);
      expect(t.sim.requests).toHaveLength(0);
    },
  );

  test.each(MUTATIONS)(
    'is one ValidationError issue at its path in %s with no upstream call',
    async (mutation, inputType, input, path) => {
      const { body } = await t.query<{ result: { __typename: string; issues: { path: string[]; message: string }[] } }>(
        `mutation($input: ${inputType}!) { result: ${mutation}(input: $input) { __typename ... on ValidationError { issues { path message } } } }`,
        { input: input(id) },
      );
      expect(body.data?.result.__typename).toBe('ValidationError');
      expect(body.data?.result.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
      expect(t.sim.requests).toHaveLength(0);
    },
  );
});

test('a malformed account id is refused with the same rule by a query (BAD_USER_INPUT) and a mutation (ValidationError)', async () => {
  const query = await t.query(`{ bulkJobs(accountId: "nope", first: 1) { totalCount } }`);
  expect(query.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['accountId'] });
  const { body } = await t.query<{ result: { __typename: string; issues: { path: string[]; message: string }[] } }>(
    `mutation { result: releaseMessages(input: { ids: ["a"], accountId: "nope" }) { __typename ... on ValidationError { issues { path message } } } }`,
  );
  expect(body.data?.result.issues).toEqual([
    { path: ['input', 'accountId'], message: query.body.errors?.[0]?.message },
  ]);
  expect(t.sim.requests).toHaveLength(0);
});
