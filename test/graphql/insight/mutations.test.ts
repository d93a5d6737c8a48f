import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID, SIMULATOR_ZONE_ID } from '../../../src/simulator/index.js';
import { mulberry32 } from '../../../src/simulator/prng.js';
import { startTestGateway } from '../../helpers/gateway.js';
import { createTokenSigner } from '../../helpers/tokens.js';
import {
  ACCOUNT,
  CLASSIFY,
  type ClassifyResult,
  classifiedAs,
  classify,
  ids,
  LIST,
  page,
  t,
  unclassified,
  useInsightGateway,
  ZONE,
} from './helpers.js';

useInsightGateway();

const PATCH = 'securityCenter.insights.classification.update';
const auditLines = () => t.logs.filter((line) => 'audit' in line).map((line) => line.audit as Record<string, unknown>);

describe('classifyInsight', () => {
  test('a classification succeeds, shows in a later query and in the insight audit log', async () => {
    const id = unclassified();
    const result = await classify({ id, classification: 'FALSE_POSITIVE' });
    expect(result).toMatchObject({
      __typename: 'ClassifyInsightPayload',
      classification: 'FALSE_POSITIVE',
      steps: ['SET'],
      complete: true,
      replayed: false,
      failure: null,
    });
    expect(result.insight).toEqual({ id, userClassification: 'FALSE_POSITIVE' });
    expect(t.sim.count(PATCH)).toBe(1);
    expect(t.sim.requests.find((r) => r.endpoint === PATCH)?.body).toEqual({ classification: 'false_positive' });

    const { body } = await t.query<{
      insight: {
        userClassification: string;
        auditLog: {
          nodes: { fieldChanged: string; currentValue: string; previousValue: string | null; changedBy: string }[];
        };
      };
    }>(
      `query($scope: InsightScope!, $id: ID!) { insight(scope: $scope, id: $id) { userClassification auditLog(first: 1) { nodes { fieldChanged currentValue previousValue changedBy } } } }`,
      { scope: ACCOUNT, id },
    );
    expect(body.data?.insight.userClassification).toBe('FALSE_POSITIVE');
    expect(body.data?.insight.auditLog.nodes[0]).toMatchObject({
      fieldChanged: 'USER_CLASSIFICATION',
      currentValue: 'false_positive',
      previousValue: null,
    });
  });

  test.each(['ACCEPT_RISK', 'OTHER'])(
    '%s without a rationale is a ValidationError and costs no call',
    async (classification) => {
      const result = await classify({ id: unclassified(), classification, rationale: '   ' });
      expect(result.__typename).toBe('ValidationError');
      expect(result.issues?.[0]?.path).toEqual(['input', 'rationale']);
      expect(t.sim.requests).toHaveLength(0);
    },
  );

  test('ACCEPT_RISK with a rationale sends it to Cloudflare', async () => {
    const id = unclassified();
    const result = await classify({ id, classification: 'ACCEPT_RISK', rationale: 'Compensating control' });
    expect(result.__typename).toBe('ClassifyInsightPayload');
    expect(t.sim.requests.find((r) => r.endpoint === PATCH)?.body).toEqual({
      classification: 'accept_risk',
      rationale: 'Compensating control',
    });
    expect(t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBe('accept_risk');
  });

  test('a direct change between two classifications without replaceExisting is a ConflictError naming the way out', async () => {
    const id = classifiedAs('accept_risk');
    const result = await classify({ id, classification: 'FALSE_POSITIVE' });
    expect(result.__typename).toBe('ConflictError');
    expect(result.message).toMatch(/reset to null first or pass replaceExisting: true/);
    expect(t.sim.count(PATCH)).toBe(1);
    expect(t.sim.count(LIST)).toBe(0);
    expect(t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBe('accept_risk');
  });

  test('replaceExisting resets then sets with exactly two PATCHes and reports both steps', async () => {
    const id = classifiedAs('accept_risk');
    const result = await classify({ id, classification: 'FALSE_POSITIVE', replaceExisting: true });
    expect(result).toMatchObject({
      __typename: 'ClassifyInsightPayload',
      steps: ['RESET', 'SET'],
      complete: true,
      previousClassification: 'ACCEPT_RISK',
      previousClassificationKnown: true,
      insight: { id, userClassification: 'FALSE_POSITIVE' },
    });
    const patches = t.sim.requests.filter((r) => r.endpoint === PATCH);
    expect(patches.map((r) => (r.body as { classification: unknown }).classification)).toEqual([
      null,
      'false_positive',
    ]);
    expect(patches.every((r) => r.status === 200)).toBe(true);
    // One S1 read before (current value), one after (the payload's fresh insight).
    expect(t.sim.count(LIST)).toBe(2);
    expect(t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBe('false_positive');
  });

  test('replaceExisting on an unclassified insight sends a single PATCH', async () => {
    const id = unclassified();
    const result = await classify({
      id,
      classification: 'OTHER',
      rationale: 'Tracked elsewhere',
      replaceExisting: true,
    });
    expect(result).toMatchObject({
      steps: ['SET'],
      previousClassification: null,
      previousClassificationKnown: true,
      complete: true,
    });
    expect(t.sim.count(PATCH)).toBe(1);
  });

  test('a reset that succeeds followed by a failed set is reported as half-applied, not hidden', async () => {
    const id = classifiedAs('false_positive');
    // The simulator rolls its seeded fault PRNG once per matching request: with these rolls a
    // probability of 0.5 lets the RESET through and fails the SET.
    const rolls = mulberry32((1 ^ 0x3c6ef372) >>> 0);
    const [r1, r2] = [rolls(), rolls()];
    expect(r1 >= 0.5 && r2 < 0.5).toBe(true);
    t.sim.injectFault({ endpoint: PATCH, probability: 0.5, response: { kind: 'status', status: 400 } });
    const result = await classify({
      id,
      classification: 'OTHER',
      rationale: 'Moved to the risk register',
      replaceExisting: true,
    });
    expect(result).toMatchObject({
      __typename: 'ClassifyInsightPayload',
      steps: ['RESET'],
      complete: false,
      previousClassification: 'FALSE_POSITIVE',
      failure: { step: 'SET', code: 'UPSTREAM_ERROR' },
      insight: { id, userClassification: null },
    });
    expect(result.failure?.message).toMatch(/now unclassified/);
    expect(t.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBeNull();
    expect(auditLines().find((a) => a.action === 'classifyInsight')).toMatchObject({ result: 'partial' });
  });

  test('a null classification resets an existing one', async () => {
    const id = classifiedAs('other');
    const result = await classify({ id, classification: null });
    expect(result).toMatchObject({ steps: ['RESET'], complete: true, insight: { id, userClassification: null } });
    expect(t.sim.requests.find((r) => r.endpoint === PATCH)?.body).toEqual({ classification: null });
  });

  test('an unknown insight is a NotFoundError', async () => {
    const result = await classify({ id: 'ffffffffffffffffffffffffffffffff', classification: 'FALSE_POSITIVE' });
    expect(result.__typename).toBe('NotFoundError');
  });

  test('a zone insight is classified through the zone path', async () => {
    const id = unclassified(SIMULATOR_ZONE_ID);
    const result = await classify({ scope: ZONE, id, classification: 'FALSE_POSITIVE' });
    expect(result).toMatchObject({
      __typename: 'ClassifyInsightPayload',
      steps: ['SET'],
      insight: { id, userClassification: 'FALSE_POSITIVE' },
    });
    expect(t.sim.requests.find((r) => r.endpoint === PATCH)?.path).toContain(`/zones/${SIMULATOR_ZONE_ID}/`);
  });

  test('repeating a classification with the same idempotency key sends one PATCH and replays the first result', async () => {
    const id = unclassified();
    const input = { id, classification: 'FALSE_POSITIVE', idempotencyKey: 'classify-once-1' };
    const first = await classify(input);
    const second = await classify(input);
    expect(first).toMatchObject({ __typename: 'ClassifyInsightPayload', replayed: false });
    expect(second).toMatchObject({ __typename: 'ClassifyInsightPayload', replayed: true, steps: ['SET'] });
    expect(t.sim.count(PATCH)).toBe(1);
  });

  test('the audit line of a classification names actor, action, scope, id and outcome and holds no secret', async () => {
    const id = unclassified();
    await classify({ id, classification: 'ACCEPT_RISK', rationale: 'Compensating control', idempotencyKey: 'k-audit' });
    const lines = auditLines().filter((a) => a.action === 'classifyInsight');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      actor: 'development',
      action: 'classifyInsight',
      accountId: SIMULATOR_ACCOUNT_ID,
      scope: `accounts/${SIMULATOR_ACCOUNT_ID}`,
      result: 'applied',
      idempotencyKey: 'k-audit',
      outcomes: [{ id, outcome: 'CLASSIFIED' }],
      details: { classification: 'accept_risk', replaceExisting: false, withRationale: true, steps: ['SET'] },
    });
    expect(typeof lines[0]?.requestId).toBe('string');
    expect(JSON.stringify(t.logs)).not.toContain('test-token');
  });

  test('a refused classification is audited too', async () => {
    await classify({ id: classifiedAs('accept_risk'), classification: 'OTHER', rationale: 'x' });
    expect(auditLines().find((a) => a.action === 'classifyInsight')).toMatchObject({
      result: 'refused',
      outcomes: [{ outcome: 'CONFLICT' }],
    });
  });
});

describe('dismissInsight', () => {
  const DISMISS = /* GraphQL */ `
    mutation Dismiss($input: DismissInsightInput!) {
      dismissInsight(input: $input) {
        __typename
        ... on DismissInsightPayload { id dismissed replayed insight { id dismissed } }
        ... on MutationError { code message }
      }
    }
  `;

  test('a dismissal is one PUT and shows in a later filtered query', async () => {
    const id = unclassified();
    const { body } = await t.query<{ dismissInsight: Record<string, unknown> }>(DISMISS, {
      input: { scope: ACCOUNT, id },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?.dismissInsight).toEqual({
      __typename: 'DismissInsightPayload',
      id,
      dismissed: true,
      replayed: false,
      insight: { id, dismissed: true },
    });
    expect(t.sim.count('securityCenter.insights.dismiss')).toBe(1);
    expect(t.sim.requests.find((r) => r.endpoint === 'securityCenter.insights.dismiss')?.body).toEqual({
      dismiss: true,
    });
    const later = await page({ first: 100, filter: { dismissed: true } });
    expect(ids(later)).toContain(id);
    expect(auditLines().find((a) => a.action === 'dismissInsight')).toMatchObject({
      result: 'applied',
      outcomes: [{ id, outcome: 'DISMISSED' }],
    });
  });

  test('dismiss false restores a dismissed insight', async () => {
    const id = t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID).find((i) => i.dismissed)?.id as string;
    const { body } = await t.query<{ dismissInsight: Record<string, unknown> }>(DISMISS, {
      input: { scope: ACCOUNT, id, dismiss: false },
    });
    expect(body.data?.dismissInsight).toMatchObject({ dismissed: false, insight: { id, dismissed: false } });
  });
});

describe('insight mutations authorisation', () => {
  test('a caller without email-security:write gets a ForbiddenError and no Cloudflare call', async () => {
    const signer = await createTokenSigner();
    const jwtGateway = await startTestGateway({ env: signer.env });
    try {
      const headers = await signer.bearer({ sub: 'reader', scope: 'email-security:read' });
      const { body } = await jwtGateway.query<ClassifyResult>(
        CLASSIFY,
        { input: { scope: ACCOUNT, id: 'x', classification: 'FALSE_POSITIVE' } },
        headers,
      );
      expect(body.data?.classifyInsight).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
      const dismissed = await jwtGateway.query<{ dismissInsight: { __typename: string } }>(
        `mutation($input: DismissInsightInput!) { dismissInsight(input: $input) { __typename } }`,
        { input: { scope: ACCOUNT, id: 'x' } },
        headers,
      );
      expect(dismissed.body.data?.dismissInsight.__typename).toBe('ForbiddenError');
      // Reading is allowed with the read scope.
      const read = await jwtGateway.query(
        `query($scope: InsightScope!) { insights(scope: $scope, first: 1) { totalCount } }`,
        { scope: ACCOUNT },
        headers,
      );
      expect(read.body.errors).toBeUndefined();
      expect(jwtGateway.sim.count(PATCH) + jwtGateway.sim.count('securityCenter.insights.dismiss')).toBe(0);
    } finally {
      await jwtGateway.close();
    }
  });
});

describe('classifyInsight decides on a fresh read', () => {
  test('with replaceExisting, a classification another tool reset after the gateway cached it is set again, not reported as already applied', async () => {
    const cached = await startTestGateway({ env: { CACHE_ENABLED: 'true' } });
    try {
      const simScope = cached.sim.state.insightScope('accounts', SIMULATOR_ACCOUNT_ID);
      if (!simScope) throw new Error('no simulated account scope');
      const id = cached.sim.state.listInsights(SIMULATOR_ACCOUNT_ID).find((issue) => !issue.user_classification)
        ?.id as string;
      // Another tool classifies it; the gateway reads (and caches) that.
      cached.sim.state.classify(simScope, id, 'false_positive', undefined, 'another-tool');
      const read = await cached.query<{ insight: { userClassification: string } }>(
        'query($scope: InsightScope!, $id: ID!) { insight(scope: $scope, id: $id) { userClassification } }',
        { scope: ACCOUNT, id },
      );
      expect(read.body.data?.insight.userClassification).toBe('FALSE_POSITIVE');
      // Then resets it, behind the gateway's back: the shared cache still says FALSE_POSITIVE.
      cached.sim.state.classify(simScope, id, null, undefined, 'another-tool');

      const { body } = await cached.query<ClassifyResult>(CLASSIFY, {
        input: { scope: ACCOUNT, id, classification: 'FALSE_POSITIVE', replaceExisting: true },
      });
      expect(body.data?.classifyInsight).toMatchObject({
        __typename: 'ClassifyInsightPayload',
        previousClassification: null,
        previousClassificationKnown: true,
        steps: ['SET'],
        complete: true,
      });
      expect(cached.sim.count(PATCH)).toBe(1);
      expect(cached.sim.state.getInsight(SIMULATOR_ACCOUNT_ID, id)?.user_classification).toBe('false_positive');
    } finally {
      await cached.close();
    }
  });
});
