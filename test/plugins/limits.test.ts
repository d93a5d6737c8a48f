import { beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'graphql';
import { schema } from '../../src/graphql/index.js';
import { cachedUpstreamCost, declaredCosts, estimateUpstreamCost } from '../../src/plugins/limits.js';
import { startTestGateway, useTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
useTestGateway((gateway) => {
  t = gateway;
});
beforeEach(() => {
  t.sim.resetRequests();
});

describe('query limits', () => {
  test('a page that would fan out to hundreds of Cloudflare calls is refused as QUERY_TOO_COMPLEX before any call', async () => {
    const { body } = await t.query(
      '{ messages(first: 100) { nodes { detection { action } raw trace { inbound { pending } } } } }',
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      estimatedUpstreamCalls: 301,
      maxUpstreamCalls: 150,
    });
    expect(t.sim.count()).toBe(0);
  });

  test('the issue example messages(first: 500) { nodes { detection raw } } is refused before any call', async () => {
    const { body } = await t.query('{ messages(first: 500) { nodes { detection { action } raw } } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(t.sim.count()).toBe(0);
  });

  test('variables are part of the estimate', async () => {
    const query = 'query($n: Int) { messages(first: $n) { nodes { detection { action } preview { source } } } }';
    expect((await t.query(query, { n: 100 })).body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const small = await t.query(query, { n: 10 });
    expect(small.body.errors).toBeUndefined();
    expect(t.sim.count()).toBe(21);
  });

  test('the estimate is cached per document and variables: the same query text alternating page sizes is judged each time by its own variables', async () => {
    const query = 'query Cached($n: Int) { messages(first: $n) { nodes { detection { action } preview { source } } } }';
    for (let round = 0; round < 2; round++) {
      expect((await t.query(query, { n: 100 })).body.errors?.[0]?.extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        estimatedUpstreamCalls: 201,
      });
      expect((await t.query(query, { n: 5 })).body.errors).toBeUndefined();
    }
    expect(t.sim.count()).toBe(2 * 11);
  });

  test('cachedUpstreamCost answers what estimateUpstreamCost answers, keyed by operation name and variables', () => {
    const estimate = cachedUpstreamCost();
    const document = parse(
      'query A($n: Int) { messages(first: $n) { nodes { detection { action } } } } query B { messages(first: 3) { nodes { raw } } }',
    );
    for (const [operationName, variables] of [
      ['A', { n: 10 }],
      ['A', { n: 40 }],
      ['B', {}],
      ['A', { n: 10 }],
    ] as const) {
      expect(estimate(schema, document, operationName, variables)).toBe(
        estimateUpstreamCost(schema, document, operationName, variables),
      );
    }
    expect(estimate(schema, document, 'A', { n: 40 })).toBe(41);
    // Long variables (id lists) are not kept as keys, and still estimated.
    const ids = Array.from({ length: 200 }, (_, index) => `id-${index}`);
    const moves = parse(
      'mutation M($ids: [ID!]!) { moveMessages(input: { ids: $ids, destination: INBOX, idempotencyKey: "k" }) { __typename } }',
    );
    expect(estimate(schema, moves, 'M', { ids })).toBe(estimateUpstreamCost(schema, moves, 'M', { ids }));
  });

  test('a connection without first or last is priced at its own default page: 25 messages, 20 bulk jobs', () => {
    const estimate = (query: string) => estimateUpstreamCost(schema, parse(query), undefined, {});
    expect(estimate('{ messages { nodes { detection { action } } } }')).toBe(1 + 25);
    expect(estimate('{ bulkJobs { edges { node { messages(first: 3) { totalCount } } } } }')).toBe(1 + 20);
  });

  test('a move of 2,500 ids is priced as 3 batch calls and one fresh read per outcome message', () => {
    const ids = Array.from({ length: 2500 }, (_, index) => `id-${index}`);
    const document = parse(
      'mutation($ids: [ID!]!) { moveMessages(input: { ids: $ids, destination: INBOX }) { ... on MoveMessagesPayload { outcomes { message { id } } } } }',
    );
    expect(estimateUpstreamCost(schema, document, undefined, { ids })).toBe(3 + 2500);
  });

  test('the prices are the schema directives: deleteBulkJob declares its read and its DELETE', () => {
    expect(declaredCosts(schema).get('Mutation.deleteBulkJob')).toEqual({ weight: 2, listSize: null });
    expect(declaredCosts(schema).get('Query.insights')).toEqual({
      weight: 1,
      listSize: { assumedSize: 25, slicingArguments: ['first', 'last'], sizedFields: ['edges', 'nodes'] },
    });
    expect(declaredCosts(schema).has('Message.subject')).toBe(false);
  });

  test('fragments are followed: a cost hidden in a fragment still counts', async () => {
    const { body } = await t.query(
      'query { messages(first: 80) { nodes { ...heavy } } } fragment heavy on Message { detection { action } trace { inbound { pending } } }',
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('the usual triage page (25 messages with detection) is well within the limit', async () => {
    const { body } = await t.query('{ messages(first: 25) { nodes { id detection { action } } } }');
    expect(body.errors).toBeUndefined();
  });

  test('a query deeper than the depth limit is refused before any call', async () => {
    const shallow = await startTestGateway({ env: { LIMIT_MAX_DEPTH: '4' } });
    try {
      const { body } = await shallow.query('{ messages(first: 1) { nodes { detection { attachments { name } } } } }');
      expect(body.errors?.[0]?.message).toMatch(/depth/i);
      expect(shallow.sim.count()).toBe(0);
    } finally {
      await shallow.close();
    }
  });

  test('more aliases than allowed are refused before any call', async () => {
    const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: upstreamBudget { remaining }`).join(' ');
    const { body } = await t.query(`{ ${aliases} }`);
    expect(body.errors?.[0]?.message).toMatch(/aliases/i);
    expect(t.sim.count()).toBe(0);
  });

  test('a document with more tokens than allowed is refused before any call', async () => {
    const fields = Array.from({ length: 2000 }, (_, index) => `f${index}: id`).join(' ');
    const { body } = await t.query(`{ messages(first: 1) { nodes { ${fields} } } }`);
    expect(JSON.stringify(body.errors)).toMatch(/token/i);
    expect(t.sim.count()).toBe(0);
  });
});
