import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SIMULATOR_SECOND_ACCOUNT_ID, type Simulator, startSimulator } from '../../src/simulator/index.js';
import type { Message } from '../../src/simulator/wire-types.js';
import { ACCOUNT, INVESTIGATE, call, get, post, sleep, waitFor } from './helpers.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ budget: null });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const firstId = () => sim.state.listMessages(ACCOUNT)[0]?.id ?? '';

describe('routing and envelopes', () => {
  test('an unknown route answers 404 with code 7000', async () => {
    const res = await get(sim, `/accounts/${ACCOUNT}/email-security/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      success: false,
      errors: [{ code: 7000, message: 'No route for that URI' }],
      messages: [],
      result: null,
    });
  });

  test('a known path with the wrong method answers 405 with code 10405', async () => {
    const res = await call(sim, 'DELETE', INVESTIGATE);
    expect(res.status).toBe(405);
    expect(res.json.errors[0]?.code).toBe(10405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  test('a malformed account id answers 400 with code 7003', async () => {
    const res = await get(sim, '/accounts/not-an-account/email-security/investigate');
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toMatchObject({ code: 7003 });
    expect(res.json.errors[0]?.message).toContain('perhaps your object identifier is invalid?');
  });

  test('a well-formed but unknown account answers 403 with code 9109', async () => {
    const res = await get(sim, `/accounts/${'0'.repeat(32)}/email-security/investigate`);
    expect(res.status).toBe(403);
    expect(res.json.errors[0]).toEqual({ code: 9109, message: 'Unauthorized to access requested resource' });
  });

  test('the second account is served from its own data set', async () => {
    const res = await get<Message[]>(
      sim,
      `/accounts/${SIMULATOR_SECOND_ACCOUNT_ID}/email-security/investigate?per_page=1000`,
    );
    expect(res.json.result).toHaveLength(sim.state.listMessages(SIMULATOR_SECOND_ACCOUNT_ID).length);
    expect(
      (await get(sim, `/accounts/${SIMULATOR_SECOND_ACCOUNT_ID}/email-security/investigate/${firstId()}`)).status,
    ).toBe(404);
  });

  test('the recorded request carries endpoint, decoded params, query, headers and body', async () => {
    const id = firstId();
    await post(sim, `${INVESTIGATE}/${id}/move?x=1&x=2`, { destination: 'Inbox' });
    const r = sim.requests.at(-1);
    expect(r).toMatchObject({
      method: 'POST',
      path: `/accounts/${ACCOUNT}/email-security/investigate/${id}/move`,
      endpoint: 'emailSecurity.investigate.move.create',
      params: { account_id: ACCOUNT, investigate_id: id },
      query: { x: ['1', '2'] },
      body: { destination: 'Inbox' },
      status: 200,
    });
    expect(r?.headers.authorization).toBe('Bearer test-token');
    expect(sim.count('emailSecurity.investigate.move.create', { method: 'POST', status: 200 })).toBe(1);
  });
});

describe('authentication', () => {
  test('a request without credentials answers 401 with code 10000', async () => {
    const res = await get(sim, INVESTIGATE, { auth: {} });
    expect(res.status).toBe(401);
    expect(res.json.errors[0]).toEqual({ code: 10000, message: 'Authentication error' });
  });

  test('an X-Auth-Email without X-Auth-Key answers 401, the pair answers 200', async () => {
    expect((await get(sim, INVESTIGATE, { auth: { 'x-auth-email': 'a@contoso.com' } })).status).toBe(401);
    expect((await get(sim, INVESTIGATE, { auth: { 'x-auth-email': 'a@contoso.com', 'x-auth-key': 'k' } })).status).toBe(
      200,
    );
  });

  test('a token starting with "invalid" answers 401', async () => {
    expect((await get(sim, INVESTIGATE, { auth: { authorization: 'Bearer invalid-token' } })).status).toBe(401);
  });

  test('a read-only token may read but a write answers 403 with code 9109', async () => {
    const auth = { authorization: 'Bearer readonly-token' };
    expect((await get(sim, INVESTIGATE, { auth })).status).toBe(200);
    const res = await post(sim, `${INVESTIGATE}/${firstId()}/move`, { destination: 'Inbox' }, { auth });
    expect(res.status).toBe(403);
    expect(res.json.errors[0]?.code).toBe(9109);
    expect(
      sim.state
        .getMessage(ACCOUNT, firstId())
        ?.action_log.some(
          (a) => a.properties?.folder === 'Inbox' && a.properties.requested_by?.startsWith('api-token'),
        ),
    ).toBe(false);
  });
});

describe('budget', () => {
  test('every answer carries Ratelimit and Ratelimit-Policy headers counting down', async () => {
    sim.setBudget({ limit: 10, windowSeconds: 60, lockoutSeconds: 30 });
    const a = await get(sim, INVESTIGATE);
    const b = await get(sim, INVESTIGATE);
    expect(a.headers.get('ratelimit-policy')).toBe('"default";q=10;w=60');
    expect(a.headers.get('ratelimit')).toMatch(/^"default";r=9;t=(60|59)$/);
    expect(b.headers.get('ratelimit')).toMatch(/^"default";r=8;t=\d+$/);
  });

  test('exceeding the budget answers 429 code 971 with Retry-After, then locks the credential out', async () => {
    sim.setBudget({ limit: 3, windowSeconds: 60, lockoutSeconds: 120 });
    for (let i = 0; i < 3; i++) expect((await get(sim, INVESTIGATE)).status).toBe(200);
    const over = await get(sim, INVESTIGATE);
    expect(over.status).toBe(429);
    expect(over.json.errors[0]).toEqual({
      code: 971,
      message: 'Please wait and consider throttling your request speed',
    });
    expect(over.headers.get('retry-after')).toBe('120');
    const locked = await get(sim, `${INVESTIGATE}/${firstId()}`);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(100);
    // Another credential is unaffected; setBudget clears the lockout.
    expect((await get(sim, INVESTIGATE, { auth: { authorization: 'Bearer other' } })).status).toBe(200);
    sim.setBudget({ limit: 3, windowSeconds: 60, lockoutSeconds: 120 });
    expect((await get(sim, INVESTIGATE)).status).toBe(200);
  });

  test('the default budget is 1200 per 300 s and null turns it off', async () => {
    const fresh = await startSimulator();
    try {
      const res = await fetch(`${fresh.baseUrl}${INVESTIGATE}`, { headers: { authorization: 'Bearer t' } });
      await res.text();
      expect(res.headers.get('ratelimit-policy')).toBe('"default";q=1200;w=300');
    } finally {
      await fresh.close();
    }
    expect((await get(sim, INVESTIGATE)).headers.get('ratelimit')).toBeNull();
  });
});

describe('faults', () => {
  test('a status fault answers that status with a Cloudflare error envelope, once by default', async () => {
    sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'status', status: 503 } });
    const res = await get(sim, INVESTIGATE);
    expect(res.status).toBe(503);
    expect(res.json.success).toBe(false);
    expect(res.json.errors[0]?.code).toBeGreaterThanOrEqual(1000);
    expect((await get(sim, INVESTIGATE)).status).toBe(200);
  });

  test('a status fault can carry headers and a custom body, and times: Infinity keeps firing', async () => {
    sim.injectFault({
      endpoint: '*',
      method: 'GET',
      times: Number.POSITIVE_INFINITY,
      response: { kind: 'status', status: 429, headers: { 'retry-after': '7' }, body: { custom: true } },
    });
    for (let i = 0; i < 3; i++) {
      const res = await get(sim, INVESTIGATE);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.json).toEqual({ custom: true });
    }
    expect((await post(sim, `${INVESTIGATE}/preview`, { id: firstId() })).status).toBe(200); // POST not matched
    sim.clearFaults();
    expect((await get(sim, INVESTIGATE)).status).toBe(200);
  });

  test('malformed-json answers 200 with a truncated JSON body', async () => {
    sim.injectFault({ response: { kind: 'malformed-json' } });
    const res = await get(sim, INVESTIGATE);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.text).toBe('{"success":tr');
  });

  test('empty-200 and empty-204 answer with zero-length bodies', async () => {
    sim.injectFault({ response: { kind: 'empty-200' } });
    sim.injectFault({ response: { kind: 'empty-204' } });
    const a = await get(sim, INVESTIGATE);
    const b = await get(sim, INVESTIGATE);
    expect([a.status, a.text]).toEqual([200, '']);
    expect([b.status, b.text]).toEqual([204, '']);
  });

  test('success-false answers 200 with success:false and code 1000', async () => {
    sim.injectFault({ response: { kind: 'success-false' } });
    const res = await get(sim, INVESTIGATE);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: false, errors: [{ code: 1000 }], result: null });
  });

  test('html answers an HTML error page with the given status', async () => {
    sim.injectFault({ response: { kind: 'html', status: 502 } });
    const res = await get(sim, INVESTIGATE);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('<html>');
  });

  test('reset destroys the socket before any byte', async () => {
    sim.injectFault({ response: { kind: 'reset' } });
    await expect(get(sim, INVESTIGATE)).rejects.toThrow();
    expect(sim.requests.at(-1)?.status).toBe(0);
  });

  test('reset-mid-body sends headers and half the body, then destroys the socket', async () => {
    sim.injectFault({ response: { kind: 'reset-mid-body' } });
    const response = await fetch(`${sim.baseUrl}${INVESTIGATE}`, { headers: { authorization: 'Bearer t' } });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  test('afterProcessing applies the write, then answers with the fault', async () => {
    const q = sim.state.listMessages(ACCOUNT).find((m) => m.is_quarantined) as Message;
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.release.bulk',
      afterProcessing: true,
      response: { kind: 'reset' },
    });
    await expect(post(sim, `${INVESTIGATE}/release`, { ids: [q.id] })).rejects.toThrow();
    expect(sim.state.getMessage(ACCOUNT, q.id)?.is_quarantined).toBe(false);
  });

  test('a write fault without afterProcessing leaves the state unchanged', async () => {
    const q = sim.state.listMessages(ACCOUNT).find((m) => m.is_quarantined) as Message;
    sim.injectFault({ endpoint: 'emailSecurity.investigate.release.bulk', response: { kind: 'status', status: 500 } });
    expect((await post(sim, `${INVESTIGATE}/release`, { ids: [q.id] })).status).toBe(500);
    expect(sim.state.getMessage(ACCOUNT, q.id)?.is_quarantined).toBe(true);
  });

  test('hang never answers, and an aborting client leaves no open connection behind', async () => {
    sim.injectFault({ times: 2, response: { kind: 'hang' } });
    // 1. fetch gives up (AbortSignal timeout) without an answer.
    await expect(get(sim, INVESTIGATE, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    // 2. A raw client that disconnects: the server frees its socket at once.
    const before = sim.openConnections();
    const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(sim.origin).port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /client/v4${INVESTIGATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n`);
    let answered = false;
    socket.on('data', () => {
      answered = true;
    });
    await waitFor(() => sim.requests.length === 2);
    await sleep(100);
    expect(answered).toBe(false);
    expect(sim.openConnections()).toBe(before + 1);
    socket.destroy();
    await waitFor(() => sim.openConnections() === before, 1000);
    expect(sim.requests.map((r) => r.status)).toEqual([0, 0]);
  });

  test('delay answers normally after the delay', async () => {
    sim.injectFault({ response: { kind: 'delay', ms: 150 } });
    const started = Date.now();
    const res = await get(sim, INVESTIGATE);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test('drop-field removes a key from every item of the result without touching the state', async () => {
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.list',
      response: { kind: 'drop-field', field: 'is_quarantined' },
    });
    const res = await get<Message[]>(sim, INVESTIGATE);
    expect(res.json.result.every((m) => !('is_quarantined' in m))).toBe(true);
    expect(sim.state.listMessages(ACCOUNT)[0]).toHaveProperty('is_quarantined');
  });

  test('enum-drift sets an unknown enum value on the result', async () => {
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.get',
      response: { kind: 'enum-drift', field: 'final_disposition', value: 'QUANTUM' },
    });
    const res = await get<Message>(sim, `${INVESTIGATE}/${firstId()}`);
    expect(res.json.result.final_disposition).toBe('QUANTUM');
    expect(sim.state.getMessage(ACCOUNT, firstId())?.final_disposition).not.toBe('QUANTUM');
  });

  test('a probability fault fires on roughly that share of requests', async () => {
    sim.injectFault({ times: Number.POSITIVE_INFINITY, probability: 0.3, response: { kind: 'status', status: 500 } });
    let failures = 0;
    for (let i = 0; i < 100; i++) if ((await get(sim, `${INVESTIGATE}/${firstId()}`)).status === 500) failures++;
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(55);
  });
});

describe('latency and connections', () => {
  test('setLatency delays every response', async () => {
    sim.setLatency(120);
    const started = Date.now();
    await get(sim, INVESTIGATE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  test('openConnections counts live sockets', async () => {
    const before = sim.openConnections();
    const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(sim.origin).port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    await waitFor(() => sim.openConnections() === before + 1);
    socket.destroy();
    await waitFor(() => sim.openConnections() === before);
  });
});

describe('slow search', () => {
  test('E1 answers 202 + Location, the poll URL answers 202 N times, then 200 with the E1 body', async () => {
    const normal = await get<Message[]>(sim, `${INVESTIGATE}?per_page=5`);
    sim.setSlowSearch(2);
    const first = await get(sim, `${INVESTIGATE}?per_page=5`);
    expect(first.status).toBe(202);
    const location = first.headers.get('location') as string;
    expect(location).toContain(`${sim.baseUrl}/accounts/${ACCOUNT}/email-security/investigate/poll/`);
    const pollPath = location.slice(sim.baseUrl.length);
    expect((await get(sim, pollPath)).status).toBe(202);
    expect((await get(sim, pollPath)).status).toBe(202);
    const done = await get<Message[]>(sim, pollPath);
    expect(done.status).toBe(200);
    expect(done.json.result).toEqual(normal.json.result);
    expect(done.json.result_info).toMatchObject({ per_page: 5 });
    expect(sim.count('emailSecurity.investigate.list.poll')).toBe(3);
  });

  test('slow search still answers 400 for invalid E1 parameters', async () => {
    sim.setSlowSearch(1);
    expect((await get(sim, `${INVESTIGATE}?final_disposition=NOPE`)).status).toBe(400);
  });
});

describe('control API', () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await fetch(`${sim.origin}/__simulator/${path}`, init);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & unknown[] };
  };

  test('GET requests and GET counts report what was received, without recording themselves', async () => {
    await get(sim, INVESTIGATE);
    await get(sim, `${INVESTIGATE}/${firstId()}`);
    const all = await control('GET', 'requests');
    expect(all.json).toHaveLength(2);
    const filtered = await control('GET', 'requests?endpoint=emailSecurity.investigate.get');
    expect(filtered.json).toHaveLength(1);
    const counts = await control('GET', 'counts');
    expect(counts.json).toEqual({
      total: 2,
      endpoints: { 'emailSecurity.investigate.list': 1, 'emailSecurity.investigate.get': 1 },
    });
    expect(sim.count()).toBe(2);
  });

  test('POST faults (times null = always) and DELETE faults', async () => {
    expect(
      (
        await control('POST', 'faults', {
          endpoint: 'emailSecurity.investigate.list',
          times: null,
          response: { kind: 'status', status: 502 },
        })
      ).status,
    ).toBe(200);
    expect((await get(sim, INVESTIGATE)).status).toBe(502);
    expect((await get(sim, INVESTIGATE)).status).toBe(502);
    await control('DELETE', 'faults');
    expect((await get(sim, INVESTIGATE)).status).toBe(200);
  });

  test('POST latency, budget, slow-search, reset-requests and reset', async () => {
    await control('POST', 'budget', { limit: 1, windowSeconds: 60, lockoutSeconds: 60 });
    expect((await get(sim, INVESTIGATE)).status).toBe(200);
    expect((await get(sim, INVESTIGATE)).status).toBe(429);
    await control('POST', 'budget', null);
    expect((await get(sim, INVESTIGATE)).status).toBe(200);
    await control('POST', 'slow-search', { pollsBeforeReady: 1 });
    expect((await get(sim, INVESTIGATE)).status).toBe(202);
    await control('POST', 'latency', { ms: 100 });
    const started = Date.now();
    await get(sim, `${INVESTIGATE}/${firstId()}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await control('POST', 'reset-requests');
    expect(sim.count()).toBe(0);
    const q = sim.state.listMessages(ACCOUNT).find((m) => m.is_quarantined) as Message;
    await control('POST', 'reset');
    await post(sim, `${INVESTIGATE}/release`, { ids: [q.id] });
    expect(sim.state.getMessage(ACCOUNT, q.id)?.is_quarantined).toBe(false);
    await control('POST', 'reset');
    expect(sim.state.getMessage(ACCOUNT, q.id)?.is_quarantined).toBe(true);
    expect((await get(sim, INVESTIGATE)).status).toBe(200); // slow search and latency back to options
  });
});

describe('determinism', () => {
  test('the same seed and now give the same first page; another seed gives a different one', async () => {
    const now = new Date('2025-03-01T12:00:00Z');
    const a = await startSimulator({ seed: 7, now, budget: null });
    const b = await startSimulator({ seed: 7, now, budget: null });
    const c = await startSimulator({ seed: 8, now, budget: null });
    try {
      const page = async (s: Simulator) => (await get<Message[]>(s, INVESTIGATE)).json.result;
      const [pa, pb, pc] = await Promise.all([page(a), page(b), page(c)]);
      expect(pa).toHaveLength(20);
      expect(pa).toEqual(pb);
      expect(pc.map((m) => m.id)).not.toEqual(pa.map((m) => m.id));
      // Seed data is laid out against `now`, and E1's default window follows the simulator clock.
      expect(Date.parse(pa[0]?.scanned_at ?? '')).toBeLessThanOrEqual(now.getTime());
      expect(Date.parse(pa[0]?.scanned_at ?? '')).toBeGreaterThan(now.getTime() - 30 * 86_400_000);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test('refuses to bind to a non-loopback host', async () => {
    await expect(startSimulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});
