import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { createCloudflareClient } from '../../src/upstream/client.js';
import {
  UpstreamAbortedError,
  UpstreamBadRequestError,
  UpstreamConflictError,
  UpstreamForbiddenError,
  UpstreamNotFoundError,
  UpstreamOutcomeUnknownError,
  UpstreamRateLimitedError,
  UpstreamRejectedError,
  UpstreamSchemaMismatchError,
  UpstreamTimeoutError,
  UpstreamUnauthenticatedError,
  UpstreamUnavailableError,
} from '../../src/upstream/errors.js';
import { ResponseCache, MemoryCacheStore } from '../../src/upstream/cache.js';
import { CloudflareHttp, encodeQuery, type UpstreamAttempt } from '../../src/upstream/http.js';
import { SIMULATOR_ACCOUNT_ID, type Simulator, startSimulator } from '../../src/simulator/index.js';

const logger = pino({ level: 'silent' });
let sim: Simulator;
let http: CloudflareHttp;
const attempts: UpstreamAttempt[] = [];

function clientWith(token = 'test-token', signal?: AbortSignal) {
  return createCloudflareClient(http, {
    credentials: { kind: 'token', token },
    signal,
    observer: { onAttempt: (attempt) => attempts.push(attempt) },
  });
}

async function firstMessageId(): Promise<string> {
  const page = await clientWith().emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID, { per_page: 1 });
  return page.items[0]?.id as string;
}

beforeAll(async () => {
  sim = await startSimulator({ budget: null });
  http = new CloudflareHttp({
    baseUrl: sim.baseUrl,
    logger,
    timeoutMs: 400,
    maxRetries: 2,
    retryBaseMs: 10,
    retryMaxDelayMs: 40,
    retryAfterCapMs: 2_000,
    searchPollTimeoutMs: 3_000,
  });
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

beforeEach(() => {
  sim.reset();
  attempts.length = 0;
});

describe('status codes map to one error class each', () => {
  const cases = [
    [400, UpstreamBadRequestError, 'BAD_USER_INPUT'],
    [401, UpstreamUnauthenticatedError, 'UNAUTHENTICATED'],
    [403, UpstreamForbiddenError, 'FORBIDDEN'],
    [404, UpstreamNotFoundError, 'NOT_FOUND'],
    [409, UpstreamConflictError, 'CONFLICT'],
    [418, UpstreamRejectedError, 'UPSTREAM_ERROR'],
  ] as const;
  for (const [status, errorClass, code] of cases) {
    test(`a ${status} on a GET becomes ${errorClass.name} with code ${code} and Cloudflare's error list`, async () => {
      sim.injectFault({ endpoint: 'emailSecurity.investigate.get', response: { kind: 'status', status } });
      const error = await clientWith()
        .emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, 'any-id')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(errorClass);
      expect((error as UpstreamNotFoundError).code).toBe(code);
      expect((error as UpstreamNotFoundError).status).toBe(status);
      expect((error as UpstreamNotFoundError).endpoint).toBe('emailSecurity.investigate.get');
      expect(sim.count('emailSecurity.investigate.get')).toBe(1);
    });
  }

  test('a real unknown message id answers the simulator 404 envelope as UpstreamNotFoundError', async () => {
    const error = await clientWith()
      .emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, 'does-not-exist')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamNotFoundError);
    expect((error as UpstreamNotFoundError).cloudflareErrors.length).toBeGreaterThan(0);
  });

  test('an invalid token is UNAUTHENTICATED and not retried', async () => {
    const error = await clientWith('invalid-token')
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnauthenticatedError);
    expect(sim.count('emailSecurity.investigate.list')).toBe(1);
  });

  test('a read-only token is FORBIDDEN on a write', async () => {
    const id = await firstMessageId();
    const error = await clientWith('readonly-token')
      .emailSecurity.investigate.move.create(SIMULATOR_ACCOUNT_ID, id, { destination: 'Inbox' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamForbiddenError);
  });
});

describe('retries', () => {
  test('a GET is retried after a 429 and honours Retry-After', async () => {
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.get',
      response: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    });
    const id = await firstMessageId();
    sim.resetRequests();
    const started = Date.now();
    const message = await clientWith().emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id);
    expect(message.id).toBe(id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sim.count('emailSecurity.investigate.get')).toBe(2);
    expect(attempts.filter((a) => a.endpoint === 'emailSecurity.investigate.get').map((a) => a.outcome)).toEqual([
      'retry',
      'ok',
    ]);
  });

  test('a Retry-After longer than the cap fails at once as RATE_LIMITED with retryAfterSeconds', async () => {
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.list',
      response: { kind: 'status', status: 429, headers: { 'retry-after': '300' } },
    });
    const error = await clientWith()
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect((error as UpstreamRateLimitedError).retryAfterSeconds).toBe(300);
    expect(sim.count('emailSecurity.investigate.list')).toBe(1);
  });

  test('a GET is retried after a 503 and succeeds on the next attempt', async () => {
    sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'status', status: 503 } });
    const page = await clientWith().emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID, { per_page: 2 });
    expect(page.items).toHaveLength(2);
    expect(sim.count('emailSecurity.investigate.list')).toBe(2);
  });

  test('a GET that keeps failing with 503 gives up after 1 + maxRetries attempts as UPSTREAM_UNAVAILABLE', async () => {
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.list',
      times: Number.POSITIVE_INFINITY,
      response: { kind: 'status', status: 503 },
    });
    const error = await clientWith()
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(sim.count('emailSecurity.investigate.list')).toBe(3);
  });

  test('a POST that gets a 5xx is not retried and reports OUTCOME_UNKNOWN', async () => {
    const id = await firstMessageId();
    sim.resetRequests();
    sim.injectFault({ endpoint: 'emailSecurity.investigate.move.create', response: { kind: 'status', status: 502 } });
    const error = await clientWith()
      .emailSecurity.investigate.move.create(SIMULATOR_ACCOUNT_ID, id, { destination: 'JunkEmail' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamOutcomeUnknownError);
    expect(sim.count('emailSecurity.investigate.move.create')).toBe(1);
  });

  test('a POST whose connection resets after sending is not retried and reports OUTCOME_UNKNOWN', async () => {
    const id = await firstMessageId();
    sim.resetRequests();
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.release.bulk',
      afterProcessing: true,
      response: { kind: 'reset' },
    });
    const error = await clientWith()
      .emailSecurity.investigate.release.bulk(SIMULATOR_ACCOUNT_ID, [id])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamOutcomeUnknownError);
    expect(sim.count('emailSecurity.investigate.release.bulk')).toBe(1);
  });

  test('a POST that gets a 429 is retried, because Cloudflare provably did not process it', async () => {
    const id = await firstMessageId();
    sim.resetRequests();
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.move.create',
      response: { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
    });
    const results = await clientWith().emailSecurity.investigate.move.create(SIMULATOR_ACCOUNT_ID, id, {
      destination: 'Inbox',
    });
    expect(results.length).toBeGreaterThan(0);
    expect(sim.count('emailSecurity.investigate.move.create')).toBe(2);
  });

  test('a POST to a refused connection is retried because nothing was sent, then reports UPSTREAM_UNAVAILABLE', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const closed = new CloudflareHttp({
      baseUrl: `http://127.0.0.1:${closedPort}/client/v4`,
      logger,
      timeoutMs: 400,
      maxRetries: 2,
      retryBaseMs: 5,
      retryMaxDelayMs: 10,
      retryAfterCapMs: 0,
      searchPollTimeoutMs: 100,
    });
    const seen: UpstreamAttempt[] = [];
    const client = createCloudflareClient(closed, {
      credentials: { kind: 'token', token: 't' },
      observer: { onAttempt: (a) => seen.push(a) },
    });
    const error = await client.emailSecurity.investigate.release
      .bulk(SIMULATOR_ACCOUNT_ID, ['x'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(seen).toHaveLength(3);
    await closed.close();
  });
});

describe('timeouts and aborts', () => {
  test('a GET that hangs times out per attempt, is retried, and ends as UPSTREAM_TIMEOUT', async () => {
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.list',
      times: Number.POSITIVE_INFINITY,
      response: { kind: 'hang' },
    });
    const error = await clientWith()
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(sim.count('emailSecurity.investigate.list')).toBe(3);
  });

  test('a POST that hangs past the timeout reports OUTCOME_UNKNOWN after one attempt', async () => {
    sim.injectFault({ endpoint: 'intel.miscategorizations.create', response: { kind: 'hang' } });
    const error = await clientWith()
      .intel.miscategorizations.create(SIMULATOR_ACCOUNT_ID, {
        indicator_type: 'domain',
        url: 'example.com',
        content_adds: [82],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamOutcomeUnknownError);
    expect(sim.count('intel.miscategorizations.create')).toBe(1);
  });

  test("the caller's abort stops an in-flight call at once and is not retried", async () => {
    sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'hang' } });
    const controller = new AbortController();
    const pending = clientWith('test-token', controller.signal)
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    // Abort once the simulator holds the call (aborting earlier could let the request reach it late,
    // during the next test, and take that test's fault).
    await vi.waitFor(() => expect(sim.count('emailSecurity.investigate.list')).toBe(1));
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(UpstreamAbortedError);
    expect(sim.count('emailSecurity.investigate.list')).toBe(1);
  });
});

describe('envelopes and bodies', () => {
  test('malformed JSON in a 200 becomes UPSTREAM_SCHEMA_MISMATCH', async () => {
    sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'malformed-json' } });
    const error = await clientWith()
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamSchemaMismatchError);
  });

  test('an empty 200 body on an endpoint that has a result becomes UPSTREAM_SCHEMA_MISMATCH', async () => {
    sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'empty-200' } });
    const error = await clientWith()
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamSchemaMismatchError);
  });

  test('a 204 on an envelope-only endpoint (S2) is a success', async () => {
    const insights = await clientWith().securityCenter.insights.list(
      { accountId: SIMULATOR_ACCOUNT_ID },
      { per_page: 1 },
    );
    const id = insights.issues[0]?.id as string;
    sim.injectFault({ endpoint: 'securityCenter.insights.dismiss', response: { kind: 'empty-204' } });
    await expect(
      clientWith().securityCenter.insights.dismiss({ accountId: SIMULATOR_ACCOUNT_ID }, id, { dismiss: true }),
    ).resolves.toBeUndefined();
  });

  test('success:false inside a 200 is a refusal carrying Cloudflare errors, not data', async () => {
    sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'success-false' } });
    const error = await clientWith()
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect((error as UpstreamRejectedError).cloudflareErrors[0]?.code).toBe(1000);
  });

  test('an HTML 502 page from a proxy is UPSTREAM_UNAVAILABLE, not a crash', async () => {
    sim.injectFault({ endpoint: 'emailSecurity.investigate.list', times: 3, response: { kind: 'html', status: 502 } });
    const error = await clientWith()
      .emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
  });

  test('a required field missing from the result becomes UPSTREAM_SCHEMA_MISMATCH naming the path', async () => {
    const id = await firstMessageId();
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.get',
      response: { kind: 'drop-field', field: 'is_quarantined' },
    });
    const error = await clientWith()
      .emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamSchemaMismatchError);
    expect((error as UpstreamSchemaMismatchError).issues[0]?.path).toBe('result.is_quarantined');
  });

  test('an unknown enum value is tolerated by the wire schema', async () => {
    const id = await firstMessageId();
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.get',
      response: { kind: 'enum-drift', field: 'final_disposition', value: 'QUANTUM' },
    });
    const message = await clientWith().emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id);
    expect(message.final_disposition).toBe('QUANTUM');
  });
});

describe('requests as Cloudflare expects them', () => {
  test('path-traversal and slash-containing ids are rejected with zero requests sent', async () => {
    for (const id of ['..', '.', 'a/b', '../../accounts', '']) {
      const error = await clientWith()
        .emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamBadRequestError);
    }
    expect(sim.count()).toBe(0);
  });

  test('investigate ids go out with raw colons, like the SDK', async () => {
    const id = await firstMessageId();
    await clientWith().emailSecurity.investigate.detections.get(SIMULATOR_ACCOUNT_ID, id);
    const request = sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.detections.get');
    expect(id).toContain(':');
    expect(request?.path).toContain(id);
  });

  test('query arrays repeat the key and ~neq keys go out literally', async () => {
    expect(encodeQuery({ issue_class: ['a', 'b'], 'severity~neq': ['low'], dismissed: false, skip: undefined })).toBe(
      '?issue_class=a&issue_class=b&severity~neq=low&dismissed=false',
    );
    await clientWith().securityCenter.insights.list(
      { accountId: SIMULATOR_ACCOUNT_ID },
      { issue_type: ['email_security', 'weak_authentication'] },
    );
    const request = sim.requests.find((r) => r.endpoint === 'securityCenter.insights.list');
    expect(request?.query.issue_type).toEqual(['email_security', 'weak_authentication']);
  });

  test('the token goes out as a Bearer header and the legacy pair as X-Auth-Email and X-Auth-Key', async () => {
    await clientWith('secret-token').emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID, { per_page: 1 });
    const legacy = createCloudflareClient(http, { credentials: { kind: 'key', email: 'a@example.com', key: 'k1' } });
    await legacy.emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID, { per_page: 1 });
    const [first, second] = sim.requests;
    expect(first?.headers.authorization).toBe('Bearer secret-token');
    expect(second?.headers['x-auth-email']).toBe('a@example.com');
    expect(second?.headers['x-auth-key']).toBe('k1');
    expect(second?.headers.authorization).toBeUndefined();
  });

  test('E16 cancel is a body-less POST without a content type', async () => {
    const job = await clientWith().emailSecurity.investigate.bulk.create(SIMULATOR_ACCOUNT_ID, {
      action: 'RELEASE',
      search_params: {},
    });
    // The job is far from done (100 ms per step), so the cancel must succeed: a refused request
    // (a 400 for the empty body, a 415 for a content type) fails here instead of being ignored.
    const cancelled = await clientWith().emailSecurity.investigate.bulk.cancel.create(SIMULATOR_ACCOUNT_ID, job.job_id);
    expect(cancelled).toMatchObject({ status: 'CANCELLED' });
    const cancel = sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.bulk.cancel.create');
    expect(cancel?.headers['content-type']).toBeUndefined();
    expect(cancel?.body).toBeUndefined();
  });
});

describe('slow search and rate-limit headers', () => {
  test('an E1 202 with Location is polled until the results are ready', async () => {
    sim.setSlowSearch(2);
    const page = await clientWith().emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID, { per_page: 3 });
    expect(page.items).toHaveLength(3);
    expect(sim.count('emailSecurity.investigate.list')).toBe(1);
    expect(sim.count('emailSecurity.investigate.list.poll')).toBe(3);
  });

  test('the Ratelimit headers are parsed and reported with each attempt', async () => {
    sim.setBudget({ limit: 50, windowSeconds: 300, lockoutSeconds: 300 });
    await clientWith().emailSecurity.investigate.list(SIMULATOR_ACCOUNT_ID, { per_page: 1 });
    const rateLimit = attempts.at(-1)?.rateLimit;
    expect(rateLimit).toMatchObject({ remaining: 49, limit: 50, windowSeconds: 300 });
  });
});

describe('identical reads in flight (single flight)', () => {
  let cached: CloudflareHttp;
  let store: MemoryCacheStore;
  beforeAll(() => {
    store = new MemoryCacheStore({ maxEntries: 1_000, maxBytes: 10_000_000 });
    cached = new CloudflareHttp({
      baseUrl: sim.baseUrl,
      logger,
      timeoutMs: 2_000,
      maxRetries: 0,
      retryBaseMs: 10,
      retryMaxDelayMs: 40,
      retryAfterCapMs: 2_000,
      searchPollTimeoutMs: 3_000,
      cache: new ResponseCache(
        store,
        { immutableMs: 60_000, traceMs: 60_000, messageMs: 60_000, searchMs: 60_000, insightsMs: 60_000 },
        null,
      ),
    });
  });
  afterAll(async () => {
    await cached.close();
    store.close();
  });
  const detection = (signal?: AbortSignal) =>
    createCloudflareClient(cached, { credentials: { kind: 'token', token: 'test-token' }, signal });

  test('twenty identical detection reads that all miss the cache at once make one Cloudflare call', async () => {
    const id = await firstMessageId();
    sim.resetRequests();
    sim.setLatency(100);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => detection().emailSecurity.investigate.detections.get(SIMULATOR_ACCOUNT_ID, id)),
    );
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    expect(sim.count('emailSecurity.investigate.detections.get')).toBe(1);
  });

  test('when the first caller gives up, a caller that joined it still gets an answer (its own call)', async () => {
    const id = await firstMessageId();
    sim.resetRequests();
    sim.setLatency(300);
    const first = new AbortController();
    const leader = detection(first.signal).emailSecurity.investigate.trace.get(SIMULATOR_ACCOUNT_ID, id);
    leader.catch(() => undefined);
    // The follower joins once the leader's call is provably on its way (the simulator saw it).
    await vi.waitFor(() => expect(sim.count('emailSecurity.investigate.trace.get')).toBe(1));
    const follower = detection().emailSecurity.investigate.trace.get(SIMULATOR_ACCOUNT_ID, id);
    first.abort();
    await expect(leader).rejects.toBeInstanceOf(UpstreamAbortedError);
    await expect(follower).resolves.toEqual(expect.any(Object));
    expect(sim.count('emailSecurity.investigate.trace.get')).toBe(2);
  });
});
