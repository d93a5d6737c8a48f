/**
 * The audit trail: every mutation, driven through success, replay, validation failure, refusal
 * (missing scope, reused key) and unknown outcome, writes exactly one audit line per attempt, with
 * the one closed vocabulary.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { AUDIT_RESULTS } from '../src/audit.js';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/index.js';
import type { EndpointId } from '../src/upstream/endpoints.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { createTokenSigner, TEST_ISSUER } from './helpers/tokens.js';
import { createMoveJob } from './helpers/bulk-jobs.js';

let t: TestGateway;
let writer: Record<string, string>;
let reader: Record<string, string>;

beforeAll(async () => {
  const signer = await createTokenSigner();
  t = await startTestGateway({ env: signer.env, simulator: { bulkJobStepMs: 3_600_000 } });
  writer = await signer.bearer({ sub: 'auditor-7', scope: 'email-security:read email-security:write' });
  reader = await signer.bearer({ sub: 'auditor-7', scope: 'email-security:read' });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.sim.reset();
});

const ACCOUNT = { accountId: SIMULATOR_ACCOUNT_ID };
const state = () => t.sim.state;
const movable = () =>
  state()
    .listMessages(SIMULATOR_ACCOUNT_ID)
    .filter((m) => !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced'));
const quarantined = () => movable().filter((m) => m.is_quarantined);
const insights = () =>
  state()
    .listInsights(SIMULATOR_ACCOUNT_ID)
    .filter((i) => i.user_classification == null && !i.dismissed);
const terminalJobs = () =>
  state()
    .listBulkJobs(SIMULATOR_ACCOUNT_ID)
    .filter((j) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(j.status));

async function runningJob(): Promise<string> {
  return createMoveJob(t, { finalDisposition: 'SPAM' }, writer);
}

interface Case {
  mutation: string;
  inputType: string;
  write: EndpointId;
  /** The n-th valid input (distinct targets, so a second write does not hit an already changed object). */
  valid: (n: number) => Promise<Record<string, unknown>> | Record<string, unknown>;
  invalid: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    mutation: 'moveMessages',
    inputType: 'MoveMessagesInput',
    write: 'emailSecurity.investigate.move.create',
    valid: (n) => ({ ids: [movable()[n]?.id], destination: 'JUNK_EMAIL' }),
    invalid: { ids: [], destination: 'INBOX' },
  },
  {
    mutation: 'releaseMessages',
    inputType: 'ReleaseMessagesInput',
    write: 'emailSecurity.investigate.release.bulk',
    valid: (n) => ({ ids: [quarantined()[n]?.id] }),
    invalid: { ids: ['..'] },
  },
  {
    mutation: 'reclassifyMessage',
    inputType: 'ReclassifyMessageInput',
    write: 'emailSecurity.investigate.reclassify.create',
    valid: (n) => ({ id: movable()[n]?.id, expectedDisposition: 'SPAM' }),
    invalid: { id: 'a', expectedDisposition: 'NONE', emlContent: 'not base64!' },
  },
  {
    mutation: 'submitMiscategorization',
    inputType: 'SubmitMiscategorizationInput',
    write: 'intel.miscategorizations.create',
    valid: (n) => ({ indicatorType: 'DOMAIN', url: `example${n}.com`, contentAdds: [82] }),
    invalid: { indicatorType: 'DOMAIN', url: 'example.com', contentAdds: [169] },
  },
  {
    mutation: 'classifyInsight',
    inputType: 'ClassifyInsightInput',
    write: 'securityCenter.insights.classification.update',
    valid: (n) => ({ scope: ACCOUNT, id: insights()[n]?.id, classification: 'FALSE_POSITIVE' }),
    invalid: { scope: ACCOUNT, id: 'x', classification: 'ACCEPT_RISK', rationale: '  ' },
  },
  {
    mutation: 'dismissInsight',
    inputType: 'DismissInsightInput',
    write: 'securityCenter.insights.dismiss',
    valid: (n) => ({ scope: ACCOUNT, id: insights()[n]?.id }),
    invalid: { scope: { accountId: 'nope' }, id: 'x' },
  },
  {
    mutation: 'createBulkAction',
    inputType: 'CreateBulkActionInput',
    write: 'emailSecurity.investigate.bulk.create',
    valid: (n) => ({
      action: 'MOVE',
      destination: 'JUNK_EMAIL',
      searchParams: { finalDisposition: 'SPAM' },
      comment: `audit ${n}`,
    }),
    invalid: { action: 'MOVE', destination: 'JUNK_EMAIL', searchParams: {} },
  },
  {
    mutation: 'cancelBulkJob',
    inputType: 'CancelBulkJobInput',
    write: 'emailSecurity.investigate.bulk.cancel.create',
    valid: async () => ({ id: await runningJob() }),
    invalid: { id: '../bulk' },
  },
  {
    mutation: 'deleteBulkJob',
    inputType: 'DeleteBulkJobInput',
    write: 'emailSecurity.investigate.bulk.delete',
    valid: (n) => ({ id: terminalJobs()[n]?.job_id }),
    invalid: { id: '../bulk' },
  },
];

type Audit = {
  actor: string;
  action: string;
  result: string;
  idempotencyKey: string | null;
  outcomes: { id: string; outcome: string }[];
  details?: Record<string, unknown>;
};

describe.each(CASES.map((c) => [c.mutation, c] as const))('%s', (mutation, c) => {
  async function attempt(
    input: Record<string, unknown>,
    headers = writer,
  ): Promise<{ typename: string; audits: Audit[] }> {
    const before = t.logs.length;
    const { body } = await t.query<{ result: { __typename: string } }>(
      `mutation($input: ${c.inputType}!) { result: ${mutation}(input: $input) { __typename } }`,
      { input },
      headers,
    );
    expect(body.errors).toBeUndefined();
    const audits = t.logs.slice(before).flatMap((line) => (line.audit ? [line.audit as Audit] : []));
    return { typename: body.data?.result.__typename as string, audits };
  }

  test('success, replay, invalid input, missing scope, reused key and unknown outcome each write exactly one audit line in the closed vocabulary', async () => {
    const first = { ...(await c.valid(0)), idempotencyKey: `${mutation}-1` };
    const seen: string[] = [];
    const step = async (
      input: Record<string, unknown>,
      expected: { typename: RegExp; result: string },
      headers = writer,
    ) => {
      const { typename, audits } = await attempt(input, headers);
      expect(typename).toMatch(expected.typename);
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({
        action: mutation,
        actor: `${TEST_ISSUER}#auditor-7`,
        result: expected.result,
      });
      expect(AUDIT_RESULTS).toContain(audits[0]?.result);
      seen.push(audits[0]?.result as string);
      return audits[0] as Audit;
    };

    const applied = await step(first, { typename: /Payload$/, result: 'applied' });
    expect(applied.idempotencyKey).toBe(`${mutation}-1`);
    await step(first, { typename: /Payload$/, result: 'replayed' });
    const invalid = await step(c.invalid, { typename: /^ValidationError$/, result: 'refused' });
    expect(invalid.details).toMatchObject({ reason: 'invalid input' });
    const forbidden = await step(await c.valid(1), { typename: /^ForbiddenError$/, result: 'refused' }, reader);
    expect(forbidden.details).toMatchObject({ reason: 'missing scope' });
    await step(
      { ...(await c.valid(1)), idempotencyKey: `${mutation}-1` },
      { typename: /^ConflictError$/, result: 'refused' },
    );

    t.sim.injectFault({ endpoint: c.write, afterProcessing: true, response: { kind: 'status', status: 502 } });
    const unknownInput = { ...(await c.valid(1)), idempotencyKey: `${mutation}-2` };
    const unknown = await step(unknownInput, { typename: /^OutcomeUnknownError$/, result: 'outcome-unknown' });
    expect(unknown.outcomes.every((o) => o.outcome === 'OUTCOME_UNKNOWN')).toBe(true);
    const again = await step(unknownInput, { typename: /^OutcomeUnknownError$/, result: 'replayed' });
    expect(again.details).toMatchObject({ stored: 'outcome-unknown' });
    expect(seen).toEqual(['applied', 'replayed', 'refused', 'refused', 'refused', 'outcome-unknown', 'replayed']);
  });
});
