import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { ASSERT, expectTyped, hex, MESSAGES, nastyString, run, SEED, t, useFuzzGateway } from './helpers.js';

useFuzzGateway();

/** Investigate-id shaped (`<postfix id>-<ISO time>-<hash>`) but not a seeded message. */
const plausibleMessageId = fc
  .tuple(
    fc.string({
      unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789'),
      minLength: 10,
      maxLength: 16,
    }),
    fc.date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
    hex(8),
  )
  .map(([postfix, date, hash]) => `${postfix}-${date.toISOString().slice(0, 19)}-${hash}`);
const MESSAGE = `query($id: ID!, $accountId: String) { message(id: $id, accountId: $accountId) { id subject } }`;
const MOVE = `mutation($input: MoveMessagesInput!) { moveMessages(input: $input) {
  __typename ... on MoveMessagesPayload { movedCount failedCount outcomes { id status } } ... on MutationError { code message } } }`;
const RELEASE = `mutation($input: ReleaseMessagesInput!) { releaseMessages(input: $input) {
  __typename ... on ReleaseMessagesPayload { releasedCount outcomes { id status } } ... on MutationError { code message } } }`;
const RECLASSIFY = `mutation($input: ReclassifyMessageInput!) { reclassifyMessage(input: $input) {
  __typename ... on ReclassifyMessagePayload { id } ... on MutationError { code message } } }`;
const BULK_JOB = `query($id: ID!, $accountId: String) { bulkJob(id: $id, accountId: $accountId) { id statusRaw } }`;
const INSIGHT = `query($id: ID!, $scope: InsightScope!) { insight(id: $id, scope: $scope) { id subject } }`;

describe('ids', () => {
  test('message(id) with path-traversal, percent, unicode, surrogate and control-character ids answers null or a typed error, with at most one call', async () => {
    await fc.assert(
      fc.asyncProperty(nastyString, async (id) => {
        const outcome = await run(MESSAGE, { id });
        const refused = expectTyped(outcome, { id });
        expect(outcome.simCalls).toBeLessThanOrEqual(1);
        if (!refused && outcome.errors.length === 0) expect(outcome.data?.message).toBeNull();
      }),
      ASSERT,
    );
  });

  test('message(id) with a plausible id that does not exist is null after exactly one E2 call', async () => {
    await fc.assert(
      fc.asyncProperty(plausibleMessageId, async (id) => {
        const outcome = await run(MESSAGE, { id });
        expect(outcome.errors).toEqual([]);
        expect(outcome.data?.message).toBeNull();
        expect(t.sim.count('emailSecurity.investigate.get')).toBe(1);
        expect(outcome.simCalls).toBe(1);
      }),
      { ...ASSERT, numRuns: 100 },
    );
  });

  test('bulkJob(id) with nasty ids answers null or a typed error, refusals cost nothing, at most one call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nastyString, fc.uuid()), async (id) => {
        const outcome = await run(BULK_JOB, { id });
        const refused = expectTyped(outcome, { id });
        expect(outcome.simCalls).toBeLessThanOrEqual(1);
        if (!refused && outcome.errors.length === 0) expect(outcome.data?.bulkJob).toBeNull();
      }),
      ASSERT,
    );
  });

  test('insight(id) with nasty ids answers null or a typed error without scanning more than one S1 page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nastyString, hex(32)), async (id) => {
        const outcome = await run(INSIGHT, { id, scope: { accountId: SIMULATOR_ACCOUNT_ID } });
        const refused = expectTyped(outcome, { id });
        expect(outcome.simCalls).toBeLessThanOrEqual(1);
        if (!refused && outcome.errors.length === 0) expect(outcome.data?.insight).toBeNull();
      }),
      { ...ASSERT, numRuns: 100 },
    );
  });

  test('moveMessages and releaseMessages with fuzzed id lists answer a typed union member; a ValidationError costs zero calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(nastyString, plausibleMessageId), { maxLength: 12 }),
        fc.boolean(),
        fc.option(nastyString, { nil: undefined }),
        async (ids, release, idempotencyKey) => {
          const input = release ? { ids, idempotencyKey } : { ids, destination: 'JUNK_EMAIL', idempotencyKey };
          const outcome = await run(release ? RELEASE : MOVE, { input });
          expectTyped(outcome, input);
          const result = Object.values(outcome.data ?? {})[0] as { __typename: string } | undefined;
          expect(outcome.errors).toEqual([]);
          expect([
            'MoveMessagesPayload',
            'ReleaseMessagesPayload',
            'ValidationError',
            'ConflictError',
            'NotFoundError',
          ]).toContain(result?.__typename);
          // One E8/E9/E11 call per batch plus fresh E2 reads of the touched messages, nothing else.
          const writes = t.sim.requests.filter((r) => r.method !== 'GET').length;
          expect(writes).toBeLessThanOrEqual(1);
          expect(t.sim.requests.every((r) => r.endpoint?.startsWith('emailSecurity.investigate.'))).toBe(true);
        },
      ),
      ASSERT,
    );
  });

  test('reclassifyMessage with fuzzed ids and EML answers a typed union member; a ValidationError costs zero calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(nastyString, plausibleMessageId),
        fc.option(fc.oneof(nastyString, fc.base64String({ maxLength: 64 })), { nil: undefined }),
        async (id, emlContent) => {
          const input = { id, expectedDisposition: 'SPAM', emlContent };
          const outcome = await run(RECLASSIFY, { input });
          expectTyped(outcome, input);
          expect(outcome.errors).toEqual([]);
          expect(t.sim.count('emailSecurity.investigate.reclassify.create')).toBeLessThanOrEqual(1);
        },
      ),
      { ...ASSERT, numRuns: 100 },
    );
  });

  /** A 100–110 KB string that prints as its length and unit (fast-check would print all of it). */
  const huge = fc
    .tuple(fc.constantFrom('a', '%', '/', 'é', '\u0000', '🙂', '.', '-'), fc.integer({ min: 100_000, max: 110_000 }))
    .map(([unit, length]) => {
      const value = unit.repeat(Math.ceil(length / unit.length));
      return { value, [fc.toStringMethod]: () => `<${value.length} × ${JSON.stringify(unit)}>` };
    });
  const hugeCases: [string, string, (value: string) => Record<string, unknown>][] = [
    ['message(id)', MESSAGE, (value) => ({ id: value })],
    ['bulkJob(id)', BULK_JOB, (value) => ({ id: value })],
    ['moveMessages ids', MOVE, (value) => ({ input: { ids: [value], destination: 'INBOX' } })],
    ['messages(accountId)', MESSAGES, (value) => ({ first: 1, accountId: value })],
    ['messages(after)', MESSAGES, (value) => ({ first: 1, after: value })],
    ['messages(filter.query)', MESSAGES, (value) => ({ first: 1, filter: { query: value } })],
    ['insight(id)', INSIGHT, (value) => ({ id: value, scope: { accountId: SIMULATOR_ACCOUNT_ID } })],
  ];
  for (const [where, query, variables] of hugeCases) {
    test(`a 100 KB ${where} is refused or answered with a typed error, and never sent upstream as a 100 KB request`, async () => {
      await fc.assert(
        fc.asyncProperty(huge, async ({ value }) => {
          const outcome = await run(query, variables(value));
          expectTyped(outcome, { where, length: value.length });
          expect(outcome.gatewayCalls, `${where}: a ${value.length}-character input was sent upstream`).toBe(0);
        }),
        { seed: SEED, numRuns: 6 },
      );
    });
  }

  test('an id with a lone UTF-16 surrogate is BAD_USER_INPUT (or null) for message(id), never INTERNAL_SERVER_ERROR', async () => {
    for (const id of ['\ud800', '\udfff', '\udc00x\ud83d', `abc-2024-01-05T10:00:00-\ud83d`]) {
      const outcome = await run(MESSAGE, { id });
      expectTyped(outcome, { id });
      expect(outcome.simCalls).toBe(0);
    }
  });
});

describe('after the fuzzing', () => {
  test('the gateway still serves a normal page', async () => {
    const { body } = await t.query<{ messages: { nodes: { id: string }[] } }>(
      `{ messages(first: 3) { nodes { id subject } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes).toHaveLength(3);
  });
});
