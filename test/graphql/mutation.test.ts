/**
 * The write-outcome matrix: every mutation × every way a write can fail after it was sent. Cloudflare
 * (the simulator, over real HTTP) applies the write and then answers badly; the gateway must say
 * OUTCOME_UNKNOWN after exactly one write, and a retry with the same idempotency key must cost nothing.
 * The failures that provably applied nothing (a 429, a 4xx) release the key instead: the retry goes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { EndpointId } from '../../src/upstream/endpoints.js';
import type { FaultResponse } from '../../src/simulator/index.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createMoveJob } from '../helpers/bulk-jobs.js';

let t: TestGateway;

beforeAll(async () => {
  // A short upstream timeout keeps the "timeout" column fast; jobs never leave PENDING (cancellable).
  t = await startTestGateway({ env: { UPSTREAM_TIMEOUT_MS: '1000' }, simulator: { bulkJobStepMs: 3_600_000 } });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.sim.reset();
  t.logs.length = 0;
});

/** What can go wrong after the write reached Cloudflare (and Cloudflare applied it). */
const POST_SEND_FAILURES: [string, FaultResponse][] = [
  ['a truncated 2xx body', { kind: 'malformed-json' }],
  ['a 2xx body cut off by a reset', { kind: 'reset-mid-body' }],
  ['an empty 2xx body', { kind: 'empty-200' }],
  ['a 2xx body that is not JSON', { kind: 'html', status: 200 }],
  [
    'a 2xx body of the wrong types',
    { kind: 'status', status: 200, body: { success: 'yes', errors: 'none', messages: 0, result: 'ok' } },
  ],
  ['a connection reset after the request was sent', { kind: 'reset' }],
  ['a timeout', { kind: 'hang' }],
  ['a 5xx', { kind: 'status', status: 502 }],
];

const ACCOUNT = { accountId: SIMULATOR_ACCOUNT_ID };

const messageIds = (
  count: number,
  predicate: (m: { is_quarantined: boolean; delivery_status?: string[] | null }) => boolean = () => true,
) =>
  t.sim.state
    .listMessages(SIMULATOR_ACCOUNT_ID)
    .filter((m) => !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced'))
    .filter((m) => predicate(m as never))
    .slice(0, count)
    .map((m) => m.id);
const insightId = () =>
  t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID).find((i) => i.user_classification == null && !i.dismissed)
    ?.id as string;
const terminalJob = () =>
  t.sim.state.listBulkJobs(SIMULATOR_ACCOUNT_ID).find((j) => j.status === 'COMPLETED')?.job_id as string;

async function runningJob(): Promise<string> {
  return createMoveJob(t, { finalDisposition: 'SPAM' });
}

interface Case {
  mutation: string;
  /** The write the fault hits. */
  endpoint: EndpointId;
  /** Requests a successful run sends in total (a read before the write counts). */
  requests: number;
  input: () => Promise<Record<string, unknown>> | Record<string, unknown>;
}

const WRITES: Case[] = [
  {
    mutation: 'moveMessages',
    endpoint: 'emailSecurity.investigate.move.create',
    requests: 1,
    input: () => ({ ids: messageIds(1), destination: 'JUNK_EMAIL' }),
  },
  {
    mutation: 'moveMessages',
    endpoint: 'emailSecurity.investigate.move.bulk',
    requests: 1,
    input: () => ({ ids: messageIds(2), destination: 'JUNK_EMAIL' }),
  },
  {
    mutation: 'releaseMessages',
    endpoint: 'emailSecurity.investigate.release.bulk',
    requests: 1,
    input: () => ({ ids: messageIds(1, (m) => m.is_quarantined) }),
  },
  {
    mutation: 'reclassifyMessage',
    endpoint: 'emailSecurity.investigate.reclassify.create',
    requests: 1,
    input: () => ({ id: messageIds(1)[0], expectedDisposition: 'SPAM' }),
  },
  {
    mutation: 'submitMiscategorization',
    endpoint: 'intel.miscategorizations.create',
    requests: 1,
    input: () => ({ indicatorType: 'DOMAIN', url: 'example.com', contentAdds: [82] }),
  },
  {
    mutation: 'classifyInsight',
    endpoint: 'securityCenter.insights.classification.update',
    requests: 1,
    input: () => ({ scope: ACCOUNT, id: insightId(), classification: 'FALSE_POSITIVE' }),
  },
  {
    mutation: 'dismissInsight',
    endpoint: 'securityCenter.insights.dismiss',
    requests: 1,
    input: () => ({ scope: ACCOUNT, id: insightId() }),
  },
  {
    mutation: 'createBulkAction',
    endpoint: 'emailSecurity.investigate.bulk.create',
    requests: 1,
    input: () => ({ action: 'MOVE', destination: 'JUNK_EMAIL', searchParams: { finalDisposition: 'SPAM' } }),
  },
  {
    mutation: 'cancelBulkJob',
    endpoint: 'emailSecurity.investigate.bulk.cancel.create',
    requests: 1,
    input: async () => ({ id: await runningJob() }),
  },
  // deleteBulkJob reads the job (E14) before the DELETE: two requests, one of them the write.
  {
    mutation: 'deleteBulkJob',
    endpoint: 'emailSecurity.investigate.bulk.delete',
    requests: 2,
    input: () => ({ id: terminalJob() }),
  },
];

const inputTypes: Record<string, string> = {
  moveMessages: 'MoveMessagesInput',
  releaseMessages: 'ReleaseMessagesInput',
  reclassifyMessage: 'ReclassifyMessageInput',
  submitMiscategorization: 'SubmitMiscategorizationInput',
  classifyInsight: 'ClassifyInsightInput',
  dismissInsight: 'DismissInsightInput',
  createBulkAction: 'CreateBulkActionInput',
  cancelBulkJob: 'CancelBulkJobInput',
  deleteBulkJob: 'DeleteBulkJobInput',
};

/** The mutation selecting only what costs no further call: typename, code, replayed. */
function documentFor(mutation: string): string {
  return `mutation($input: ${inputTypes[mutation]}!) { result: ${mutation}(input: $input) { __typename ... on MutationError { code message } } }`;
}

async function send(mutation: string, input: Record<string, unknown>) {
  const { status, body } = await t.query<{ result: { __typename: string; code?: string; message?: string } }>(
    documentFor(mutation),
    { input },
  );
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return body.data?.result as { __typename: string; code?: string; message?: string };
}

const writesSent = (endpoint: EndpointId) => t.sim.count(endpoint);

describe.each(WRITES.map((c) => [`${c.mutation} (${c.endpoint.split('.').slice(-2).join('.')})`, c] as const))(
  '%s',
  (_name, write) => {
    test.each(POST_SEND_FAILURES)(
      'after %s answers OUTCOME_UNKNOWN, sends the write once and a same-key retry costs no request',
      async (_fault, response) => {
        const input = { ...(await write.input()), idempotencyKey: `matrix-${write.endpoint}-${_fault}` };
        t.sim.resetRequests();
        t.sim.injectFault({ endpoint: write.endpoint, afterProcessing: true, response });
        const first = await send(write.mutation, input);
        expect(first).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
        expect(writesSent(write.endpoint)).toBe(1);
        expect(t.sim.requests).toHaveLength(write.requests);
        t.sim.resetRequests();
        const retry = await send(write.mutation, input);
        expect(retry).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
        expect(t.sim.requests).toHaveLength(0);
      },
    );
  },
);

/** The other rows of the table: not processed, or refused with a 4xx: nothing applied, the key is released. */
const DEFINITE_FAILURES: [string, FaultResponse, string][] = [
  ['a 429 before processing', { kind: 'status', status: 429, headers: { 'retry-after': '3600' } }, 'RateLimitedError'],
  [
    'a 400 refusal',
    {
      kind: 'status',
      status: 400,
      body: { success: false, errors: [{ code: 10001, message: 'refused' }], messages: [], result: null },
    },
    'UpstreamError',
  ],
];

describe.each(WRITES.map((c) => [`${c.mutation} (${c.endpoint.split('.').slice(-2).join('.')})`, c] as const))(
  '%s',
  (_name, write) => {
    test.each(DEFINITE_FAILURES)(
      'after %s answers the typed error and a same-key retry is sent and applied',
      async (_fault, response, typename) => {
        const input = { ...(await write.input()), idempotencyKey: `definite-${write.endpoint}-${_fault}` };
        t.sim.resetRequests();
        t.sim.injectFault({ endpoint: write.endpoint, response });
        expect((await send(write.mutation, input)).__typename).toBe(typename);
        expect(writesSent(write.endpoint)).toBe(1);
        t.sim.resetRequests();
        expect((await send(write.mutation, input)).__typename).toMatch(/Payload$/);
        expect(writesSent(write.endpoint)).toBe(1);
      },
    );
  },
);

describe('a refused write whose retry the request deadline cuts short', () => {
  test('a 429 whose Retry-After outlives the request deadline is RateLimitedError after one request, the key released and the retry applied once', async () => {
    const short = await startTestGateway({ env: { REQUEST_DEADLINE_MS: '800', UPSTREAM_RETRY_AFTER_CAP_MS: '10000' } });
    try {
      const id = short.sim.state
        .listMessages(SIMULATOR_ACCOUNT_ID)
        .find((m) => !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced'))?.id as string;
      const E8: EndpointId = 'emailSecurity.investigate.move.create';
      short.sim.injectFault({
        endpoint: E8,
        response: { kind: 'status', status: 429, headers: { 'retry-after': '3' } },
      });
      const MOVE =
        'mutation($input: MoveMessagesInput!) { moveMessages(input: $input) { __typename ... on MutationError { code } ... on MoveMessagesPayload { movedCount } } }';
      const input = { ids: [id], destination: 'INBOX', idempotencyKey: 'cut-short-429' };
      const first = await short.query<{ moveMessages: { __typename: string; code?: string } }>(MOVE, { input });
      // Cloudflare refused it (nothing applied): never "outcome unknown".
      expect(first.body.data?.moveMessages).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
      expect(short.sim.count(E8)).toBe(1);
      short.sim.clearFaults();
      const retry = await short.query<{ moveMessages: { __typename: string; movedCount?: number } }>(MOVE, { input });
      expect(retry.body.data?.moveMessages).toMatchObject({ __typename: 'MoveMessagesPayload', movedCount: 1 });
      expect(short.sim.count(E8)).toBe(2);
    } finally {
      await short.close();
    }
  });
});
