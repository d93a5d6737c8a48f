/**
 * Fuzzed GraphQL inputs (fast-check, fixed seed, bounded runs). For every input the gateway answers
 * data or a TYPED error (an `extensions.code` of the closed set, or a typed union member such as
 * ValidationError) — never INTERNAL_SERVER_ERROR or an untyped error — and an input refused as
 * invalid (BAD_USER_INPUT / ValidationError) costs ZERO upstream requests. Upstream requests are
 * counted twice: at the simulator (`sim.count()`) and in the gateway's own "upstream call" log lines,
 * which also see requests the simulator's HTTP parser refused before recording them.
 *
 * Reproduce a failure with the printed seed/path: fc.assert(..., { seed, path }).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { useTestGateway, type GraphQLErrorJson, type TestGateway } from '../helpers/gateway.js';
import { TYPED_CODES } from '../resilience/helpers.js';

export const SEED = 20_260_423;
const RUNS = 150;

/** The gateway of the test file that called `useFuzzGateway`; set before its first test runs. */
export let t: TestGateway;

/** One gateway for the file; every test starts on a freshly seeded simulator. */
export function useFuzzGateway(): void {
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { reset: true },
  );
}

interface Outcome {
  status: number;
  data: Record<string, unknown> | null | undefined;
  errors: GraphQLErrorJson[];
  /** Requests the simulator recorded. */
  simCalls: number;
  /** Attempts the gateway logged (includes requests refused by the simulator's HTTP parser). */
  gatewayCalls: number;
}

/** Runs one operation from a clean slate and counts what it cost upstream. */
export async function run(query: string, variables: Record<string, unknown>): Promise<Outcome> {
  t.sim.resetRequests();
  const logStart = t.logs.length;
  const { status, body } = await t.query(query, variables);
  const gatewayCalls = t.logs.slice(logStart).filter((line) => line.msg === 'upstream call').length;
  return { status, data: body.data, errors: body.errors ?? [], simCalls: t.sim.count(), gatewayCalls };
}

/** Typed errors only; refused input cost nothing upstream. Returns whether the input was refused. */
export function expectTyped(outcome: Outcome, context: unknown): boolean {
  const label = JSON.stringify(context)?.slice(0, 300);
  expect([200, 400], label).toContain(outcome.status);
  // HTTP 400 without `data` is a request error (variable coercion, e.g. an Int beyond 32 bits): graphql-js
  // gives those no extensions.code, and nothing was executed. Every error of an executed operation must be typed.
  const requestError = outcome.status === 400 && outcome.data === undefined;
  for (const error of outcome.errors) {
    if (requestError && error.extensions?.code === undefined) continue;
    expect(
      TYPED_CODES.has(String(error.extensions?.code)),
      `${label}: untyped error ${JSON.stringify(error).slice(0, 300)}`,
    ).toBe(true);
  }
  const refused =
    requestError ||
    outcome.errors.some(
      (error) => error.extensions?.code === 'BAD_USER_INPUT' || error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED',
    );
  const typename = Object.values(outcome.data ?? {}).map(
    (value) => (value as { __typename?: string } | null)?.__typename,
  );
  const refusedByUnion = typename.includes('ValidationError');
  if (refused || refusedByUnion) {
    expect(outcome.simCalls, `${label}: refused input reached the simulator`).toBe(0);
    expect(outcome.gatewayCalls, `${label}: refused input was sent upstream`).toBe(0);
  }
  return refused || refusedByUnion;
}

// ───────────────────────────── arbitraries ─────────────────────────────

const NASTY = [
  '',
  ' ',
  '.',
  '..',
  '...',
  '/',
  '//',
  'a/b',
  '../x',
  './',
  '..\\x',
  '\\',
  '%',
  '%%',
  '%2F',
  '%2f',
  '%2e%2e',
  '..%2F..',
  '%ZZ',
  '%00',
  '%u002e',
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\n',
  '\r\n',
  '\t',
  '\u2028',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\udc00x\ud83d',
  'é',
  'ß',
  '𝕏',
  '🙂',
  '👩‍👩‍👧',
  '?',
  '#',
  '&',
  '=',
  ';',
  '*',
  '~',
  'a b',
  '"',
  "'",
  '<script>',
  '$' + '{x}',
  '{{x}}',
  'null',
  'undefined',
  '0',
  '-1',
];

const piece = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

/** Strings built from path-traversal pieces, percent signs, unicode, lone surrogates and control characters. */
export const nastyString = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

export const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

export const intArb = fc.oneof(
  fc.constantFrom(-1, 0, 1, 25, 99, 100, 101, 1000, 2_147_483_647, -2_147_483_648),
  fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
  fc.integer({ min: -3, max: 110 }),
);
/** Values that are not GraphQL Ints at all (refused by coercion, before any resolver). */
export const notAnInt = fc.oneof(
  fc.constantFrom(2_147_483_648, -2_147_483_649, 1.5, Number.MAX_SAFE_INTEGER, '10', true),
  fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)),
);

export const ASSERT = { seed: SEED, numRuns: RUNS } as const;

export const MESSAGES = `query($first: Int, $last: Int, $after: String, $before: String, $filter: MessageFilter, $accountId: String) {
  messages(first: $first, last: $last, after: $after, before: $before, filter: $filter, accountId: $accountId) {
    totalCount pageInfo { startCursor endCursor } nodes { id }
  }
}`;
