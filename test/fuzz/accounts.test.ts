import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID, SIMULATOR_ZONE_ID } from '../../src/simulator/index.js';
import { ASSERT, expectTyped, hex, intArb, MESSAGES, nastyString, run, useFuzzGateway } from './helpers.js';

useFuzzGateway();

const accountIdArb = fc.oneof(
  hex(32),
  hex(32).map((id) => id.toUpperCase()),
  fc.constantFrom(
    SIMULATOR_ACCOUNT_ID,
    `${SIMULATOR_ACCOUNT_ID}0`,
    SIMULATOR_ACCOUNT_ID.slice(1),
    `../${SIMULATOR_ACCOUNT_ID.slice(3)}`,
    `${SIMULATOR_ACCOUNT_ID.slice(0, 31)}g`,
  ),
  nastyString,
  fc.string({ minLength: 32, maxLength: 32 }),
);
const INSIGHTS = `query($scope: InsightScope!, $first: Int, $after: String) { insights(scope: $scope, first: $first, after: $after) { totalCount nodes { id } } }`;

describe('accounts and scopes', () => {
  test('accountId strings: anything but 32 hex characters is BAD_USER_INPUT with zero calls; valid unknown accounts are a typed upstream error', async () => {
    await fc.assert(
      fc.asyncProperty(accountIdArb, async (accountId) => {
        const outcome = await run(MESSAGES, { first: 2, accountId });
        const refused = expectTyped(outcome, { accountId });
        const valid = /^[0-9a-f]{32}$/i.test(accountId);
        expect(refused, accountId).toBe(!valid);
        if (valid) expect(outcome.simCalls).toBeLessThanOrEqual(1);
      }),
      ASSERT,
    );
  });

  test('insight scopes: anything but exactly one 32-hex accountId or zoneId is BAD_USER_INPUT with zero calls', async () => {
    const scopeArb = fc.record(
      {
        accountId: fc.option(accountIdArb, { nil: undefined }),
        zoneId: fc.option(fc.oneof(accountIdArb, fc.constant(SIMULATOR_ZONE_ID)), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(scopeArb, fc.option(intArb, { nil: undefined }), async (scope, first) => {
        const outcome = await run(INSIGHTS, { scope, first });
        const refused = expectTyped(outcome, { scope, first });
        const ids = [scope.accountId, scope.zoneId].filter((value) => value !== undefined);
        if (ids.length !== 1 || !/^[0-9a-f]{32}$/i.test(ids[0] as string))
          expect(refused, JSON.stringify(scope)).toBe(true);
        expect(outcome.simCalls).toBeLessThanOrEqual(2);
      }),
      ASSERT,
    );
  });
});
