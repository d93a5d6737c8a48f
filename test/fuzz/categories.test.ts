import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ASSERT, expectTyped, nastyString, notAnInt, run, useFuzzGateway } from './helpers.js';

useFuzzGateway();

const categoryArb = fc.oneof(
  fc.constantFrom(169, 177, 0, -1, 1, 2_147_483_647, -2_147_483_648, 82, 83),
  fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
  fc.integer({ min: -5, max: 200 }),
);
const categoryList = fc.option(
  fc.oneof(
    fc.array(categoryArb, { maxLength: 8 }),
    categoryArb.chain((value) => fc.constant([value, value, value])),
  ),
  { nil: undefined },
);
const SUBMIT = `mutation($input: SubmitMiscategorizationInput!) { submitMiscategorization(input: $input) {
  __typename ... on SubmitMiscategorizationPayload { indicator contentAdds } ... on MutationError { code message } } }`;

describe('categories', () => {
  test('miscategorization category lists (negative, zero, huge, 169/177, duplicates) answer a typed union member; invalid ones cost zero calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            indicatorType: fc.constantFrom('DOMAIN', 'URL', 'IPV4', 'IPV6'),
            url: fc.option(
              fc.oneof(
                fc.constantFrom('example.com', 'https://example.com/news/', 'http//broken', 'a..b', 'xn--nxasmq6b.com'),
                nastyString,
              ),
              { nil: undefined },
            ),
            ip: fc.option(
              fc.oneof(
                fc.constantFrom('1.2.3.4', '2001:db8::1', '256.1.1.1', '::', '1.2.3'),
                fc.ipV4(),
                fc.ipV6(),
                nastyString,
              ),
              { nil: undefined },
            ),
            contentAdds: categoryList,
            contentRemoves: categoryList,
            securityAdds: categoryList,
            securityRemoves: categoryList,
          },
          { requiredKeys: ['indicatorType'] },
        ),
        async (input) => {
          const outcome = await run(SUBMIT, { input });
          const refused = expectTyped(outcome, input);
          expect(outcome.errors).toEqual([]);
          const lists = [input.contentAdds, input.contentRemoves, input.securityAdds, input.securityRemoves].flatMap(
            (list) => list ?? [],
          );
          if (lists.some((value) => value <= 0 || value === 169 || value === 177))
            expect(refused, JSON.stringify(input)).toBe(true);
          expect(outcome.simCalls).toBeLessThanOrEqual(1);
        },
      ),
      { ...ASSERT, numRuns: 200 },
    );
  });

  test('category values that are not GraphQL Ints are refused before any resolver', async () => {
    await fc.assert(
      fc.asyncProperty(notAnInt, async (value) => {
        const outcome = await run(SUBMIT, {
          input: { indicatorType: 'DOMAIN', url: 'example.com', contentAdds: [value] },
        });
        expect(expectTyped(outcome, { value })).toBe(true);
      }),
      { ...ASSERT, numRuns: 50 },
    );
  });
});
