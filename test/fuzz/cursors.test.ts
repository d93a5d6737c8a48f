import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { ASSERT, expectTyped, intArb, MESSAGES, nastyString, notAnInt, run, t, useFuzzGateway } from './helpers.js';

useFuzzGateway();

describe('cursors and page sizes', () => {
  let real: { start: string; end: string; other: string };
  beforeAll(async () => {
    const first = await t.query<{ messages: { pageInfo: { startCursor: string; endCursor: string } } }>(MESSAGES, {
      first: 5,
    });
    const other = await t.query<{ messages: { pageInfo: { endCursor: string } } }>(MESSAGES, {
      first: 5,
      filter: { finalDisposition: 'SPAM' },
    });
    const pageInfo = first.body.data?.messages.pageInfo;
    real = {
      start: pageInfo?.startCursor as string,
      end: pageInfo?.endCursor as string,
      other: other.body.data?.messages.pageInfo.endCursor as string,
    };
  });

  const flipByte = (cursor: string, index: number, bit: number) => {
    const bytes = Buffer.from(cursor, 'base64url');
    const at = index % bytes.length;
    bytes[at] = (bytes[at] as number) ^ (1 << bit);
    return bytes.toString('base64url');
  };

  test('tampered cursors (random base64, flipped bytes, truncated, another filter) are BAD_USER_INPUT with zero calls or a valid page', async () => {
    const cursorArb = fc.oneof(
      fc.base64String({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 150 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([index, bit]) => flipByte(real.end, index, bit)),
      fc.nat({ max: 120 }).map((cut) => real.end.slice(0, cut)),
      fc.constant('OTHER'),
      fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
      fc
        .record({
          v: fc.constantFrom(1, 2),
          k: fc.string({ maxLength: 70 }),
          o: fc.oneof(fc.integer(), fc.double()),
          s: fc.string(),
          e: fc.string(),
        })
        .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
      nastyString,
    );
    await fc.assert(
      fc.asyncProperty(cursorArb, fc.boolean(), async (raw, backward) => {
        const cursor = raw === 'OTHER' ? real.other : raw;
        const variables = backward ? { last: 5, before: cursor } : { first: 5, after: cursor };
        const outcome = await run(MESSAGES, variables);
        const refused = expectTyped(outcome, variables);
        if (raw === 'OTHER') expect(refused).toBe(true);
        if (!refused) expect(outcome.simCalls).toBeLessThanOrEqual(2);
      }),
      { ...ASSERT, numRuns: 200 },
    );
  });

  const forge = (patch: Record<string, unknown>) => {
    const payload = JSON.parse(Buffer.from(real.end, 'base64url').toString('utf8')) as Record<string, unknown>;
    return Buffer.from(JSON.stringify({ ...payload, ...patch })).toString('base64url');
  };

  test('a cursor forged with the real filter digest but a window that is not a date is BAD_USER_INPUT without a call, not INTERNAL_SERVER_ERROR', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('s', 'e'),
        fc.oneof(
          fc.constantFrom('garbage', '', '2024-13-45T00:00:00Z', 'NaN'),
          fc.string({ maxLength: 12 }).filter((value) => Number.isNaN(Date.parse(value))),
        ),
        fc.boolean(),
        async (field, value, backward) => {
          const cursor = forge({ [field]: value });
          const variables = backward ? { last: 3, before: cursor } : { first: 3, after: cursor };
          const outcome = await run(MESSAGES, variables);
          expect(expectTyped(outcome, { field, value }), 'refused').toBe(true);
        },
      ),
      { ...ASSERT, numRuns: 50 },
    );
  });

  test('a cursor forged with the real filter digest and a window starting in the future or inverted is refused without an upstream call', async () => {
    const pinned = JSON.parse(Buffer.from(forge({}), 'base64url').toString('utf8')) as { s: string; e: string };
    const cases = [
      { s: '3026-01-01T00:00:00.000Z' },
      { s: pinned.e, e: pinned.s },
      { s: '2999-01-01T00:00:00.000Z', e: '3000-01-01T00:00:00.000Z' },
    ];
    for (const patch of cases) {
      const outcome = await run(MESSAGES, { first: 3, after: forge(patch) });
      expectTyped(outcome, patch);
      expect(outcome.simCalls, JSON.stringify(patch)).toBe(0);
    }
  });

  test('first/last out of range are BAD_USER_INPUT with zero calls; non-Int values are refused by coercion; 0 costs no call', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(intArb, notAnInt),
        fc.oneof(fc.constant(undefined), intArb),
        fc.boolean(),
        async (a, b, lastFirst) => {
          const variables = lastFirst ? { last: a, first: b } : { first: a, last: b };
          const outcome = await run(MESSAGES, variables);
          const refused = expectTyped(outcome, variables);
          const values = [a, b].filter((value) => value !== undefined);
          const bad =
            values.some(
              (value) =>
                typeof value !== 'number' ||
                !Number.isInteger(value) ||
                value < 0 ||
                value > 100 ||
                value > 2_147_483_647,
            ) ||
            values.length === 2 ||
            // `last` needs `before`: Cloudflare's cursor-paged E1 has no addressable end (contract#current-api).
            (typeof variables.last === 'number' && variables.last > 0);
          expect(refused, JSON.stringify(variables)).toBe(bad);
          if (!refused && values.length === 1 && values[0] === 0 && variables.first === 0)
            expect(outcome.simCalls).toBe(0);
          // Forward: one page, two when it straddles.
          if (!refused)
            expect(
              outcome.simCalls,
              JSON.stringify({ variables, requests: t.sim.requests.map((r) => r.query) }),
            ).toBeLessThanOrEqual(2);
        },
      ),
      { ...ASSERT, numRuns: 200 },
    );
  });
});
