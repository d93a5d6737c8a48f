import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { SIMULATOR_SECOND_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.sim.reset();
});

interface PageResult {
  messages: {
    totalCount: number | null;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
    edges: { cursor: string; node: { id: string } }[];
  };
}

const PAGE = /* GraphQL */ `
  query Page($first: Int, $last: Int, $after: String, $before: String, $filter: MessageFilter) {
    messages(first: $first, last: $last, after: $after, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
`;

const ids = (result: PageResult) => result.messages.edges.map((edge) => edge.node.id);

async function page(variables: Record<string, unknown>) {
  const { body } = await t.query<PageResult>(PAGE, variables);
  expect(body.errors).toBeUndefined();
  return body.data as PageResult;
}

async function findMessage(predicate: string) {
  const { body } = await t.query<{
    messages: { nodes: { id: string; finalDisposition: string | null; isQuarantined: boolean }[] };
  }>(`{ messages(first: 100) { nodes { id finalDisposition isQuarantined } } }`);
  const nodes = body.data?.messages.nodes ?? [];
  const found = nodes.find((node) =>
    predicate === 'detection' ? node.finalDisposition === 'MALICIOUS' : node.finalDisposition === predicate,
  );
  t.sim.resetRequests();
  return found?.id as string;
}

describe('Message fields', () => {
  test('every field of Message, Detection, Trace and Preview resolves for a detected message without errors', async () => {
    const id = await findMessage('detection');
    const { body } = await t.query(
      /* GraphQL */ `
        query All($id: ID!) {
          message(id: $id) {
            id accountId postfixId postfixIdOutbound subject from fromName to toName replyTo envelopeFrom envelopeTo
            clientRecipients messageId alertId edfHash htmltextStructureHash sentAt scannedAt ts sentDate
            finalDisposition deliveryMode deliveryStatus isQuarantined isPhishSubmission detectionReasons threatCategories
            validation { spf dkim dmarc comment }
            properties { allowlistedPattern allowlistedPatternType blocklistedMessage blocklistedPattern whitelistedPatternType }
            postDeliveryOperations
            actionLog { operation completedAt status folder requestedBy }
            smtpHeloServerIp smtpPreviousHopIp xOriginatingIp
            findings { name value detail reason field portion attachment score detection }
            detection {
              action finalDisposition
              attachments { name filename size contentType encrypted detection md5 sha1 sha256 }
              findings { name detection score }
              headers { name value }
              links { href text }
              senderInfo { ip asName asNumber geo pld }
              threatCategories { id name description }
              validation { spf dkim dmarc comment }
            }
            trace { inbound { pending lines { lineno loggedAt message ts } } outbound { pending lines { lineno message } } }
            preview { screenshot dataUrl source }
            raw
          }
        }
      `,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const message = (body.data as { message: Record<string, unknown> }).message;
    expect(message.id).toBe(id);
    expect(message.finalDisposition).toBe('MALICIOUS');
    expect((message.preview as { dataUrl: string; source: string }).dataUrl).toMatch(/^data:image\/png;base64,iVBOR/);
    expect((message.preview as { source: string }).source).toBe('DETECTION');
    expect(message.raw).toMatch(/Subject:/);
    expect(Array.isArray((message.detection as { attachments: unknown[] }).attachments)).toBe(true);
    expect(t.sim.count('emailSecurity.investigate.preview.get')).toBe(1);
  });

  test('a benign message gets its preview from E5 and a null raw EML', async () => {
    const id = await findMessage('NONE');
    const { body } = await t.query<{ message: { preview: { source: string }; raw: string | null } }>(
      `query($id: ID!) { message(id: $id) { preview { source } raw } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.message.preview.source).toBe('ANY_MESSAGE');
    expect(body.data?.message.raw).toBeNull();
    expect(t.sim.count('emailSecurity.investigate.preview.create')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.preview.get')).toBe(0);
  });

  test('Cloudflare spellings map to GraphQL enum names (MALICIOUS-BEC becomes MALICIOUS_BEC)', async () => {
    const { body } = await t.query<{ messages: { nodes: { finalDisposition: string | null }[] } }>(
      `{ messages(first: 100) { nodes { finalDisposition } } }`,
    );
    const dispositions = new Set(body.data?.messages.nodes.map((n) => n.finalDisposition));
    expect([...dispositions].every((d) => d === null || /^[A-Z_]+$/.test(d))).toBe(true);
    const all = await t.query<{ messages: { totalCount: number } }>(
      `{ messages(first: 1, filter: { query: "" }) { totalCount } }`,
    );
    expect(all.body.errors).toBeUndefined();
  });

  test('an unknown enum value from Cloudflare becomes null with the rest of the message intact', async () => {
    const id = await findMessage('detection');
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.get',
      response: { kind: 'enum-drift', field: 'final_disposition', value: 'QUANTUM' },
    });
    const { body } = await t.query<{ message: { id: string; finalDisposition: string | null } }>(
      `query($id: ID!) { message(id: $id) { id finalDisposition } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.message).toEqual({ id, finalDisposition: null });
  });

  test('message returns null when Cloudflare answers 404', async () => {
    const { body } = await t.query(`{ message(id: "4Njp3P0STMz2c02Q-2024-01-05T10:00:00-00000000") { id } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ message: null });
  });

  test('the filter reaches E1 with Cloudflare spellings', async () => {
    await t.query(
      `{ messages(first: 5, filter: { finalDisposition: SPAM, detectionsOnly: true, sender: "x@example.com" }) { totalCount } }`,
    );
    const search = t.sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.list');
    expect(search?.query.final_disposition).toEqual(['SPAM']);
    expect(search?.query.detections_only).toEqual(['true']);
    expect(search?.query.sender).toEqual(['x@example.com']);
    expect(search?.query.per_page).toEqual(['5']);
  });

  test('the smtpHeloIp filter reaches E1 as smtp_helo_ip and returns only messages from that HELO IP', async () => {
    const sample = t.sim.state
      .listMessages(t.gateway.services.config.accountId as string)
      .find((m) => m.smtp_helo_server_ip);
    const ip = sample?.smtp_helo_server_ip as string;
    const { body } = await t.query<{ messages: { nodes: { id: string; smtpHeloServerIp: string | null }[] } }>(
      `query($ip: String) { messages(first: 50, filter: { smtpHeloIp: $ip }) { nodes { id smtpHeloServerIp } } }`,
      { ip },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes.map((n) => n.id)).toContain(sample?.id);
    expect(body.data?.messages.nodes.every((n) => n.smtpHeloServerIp === ip)).toBe(true);
    expect(t.sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.list')?.query.smtp_helo_ip).toEqual([
      ip,
    ]);
  });

  test('the accountId argument overrides the configured account', async () => {
    const { body } = await t.query<{ messages: { nodes: { accountId: string }[] } }>(
      `query($a: String) { messages(first: 2, accountId: $a) { nodes { accountId } } }`,
      { a: SIMULATOR_SECOND_ACCOUNT_ID },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes.every((n) => n.accountId === SIMULATOR_SECOND_ACCOUNT_ID)).toBe(true);
    expect(t.sim.requests[0]?.path).toContain(SIMULATOR_SECOND_ACCOUNT_ID);
  });
});

/** The E1 requests the gateway sent since the last reset: per_page, cursor and page only. */
const searches = () =>
  t.sim.requests
    .filter((r) => r.endpoint === 'emailSecurity.investigate.list')
    .map((r) => ({ per_page: r.query.per_page?.[0], cursor: r.query.cursor?.[0], page: r.query.page?.[0] }));

describe.each([
  { mode: 'cursor' as const, title: 'the current API (cursor paging, no total)' },
  { mode: 'legacy' as const, title: 'the legacy API (page numbers and a real total)' },
])('messages paging against $title', ({ mode }) => {
  beforeEach(() => t.sim.setE1Paging(mode));
  const total = () => t.sim.state.listMessages(t.gateway.services.config.accountId as string).length;
  const expectedTotal = () => (mode === 'cursor' ? null : total());

  test('paging forward with first/after and back with last/before visits every message exactly once', async () => {
    const forward: string[][] = [];
    let result = await page({ first: 25 });
    forward.push(ids(result));
    expect(result.messages.pageInfo.hasPreviousPage).toBe(false);
    for (let guard = 0; result.messages.pageInfo.hasNextPage && guard < 50; guard++) {
      expect(result.messages.totalCount).toBe(expectedTotal());
      result = await page({ first: 25, after: result.messages.pageInfo.endCursor });
      forward.push(ids(result));
    }
    const all = forward.flat();
    expect(all).toEqual(t.sim.state.listMessages(t.gateway.services.config.accountId as string).map((m) => m.id));
    expect(new Set(all).size).toBe(total());
    expect(result.messages.pageInfo.hasNextPage).toBe(false);
    expect(result.messages.totalCount).toBe(expectedTotal());

    const backward: string[][] = [];
    let cursor = result.messages.pageInfo.startCursor;
    backward.unshift(ids(result));
    for (let guard = 0; guard < 50; guard++) {
      const back = await page({ last: 25, before: cursor });
      if (back.messages.edges.length === 0) break;
      backward.unshift(ids(back));
      expect(back.messages.pageInfo.hasNextPage).toBe(true);
      if (!back.messages.pageInfo.hasPreviousPage) break;
      cursor = back.messages.pageInfo.startCursor;
    }
    expect(backward.flat()).toEqual(all);
    if (mode === 'cursor') expect(searches().every((request) => request.page === undefined)).toBe(true);
  });

  test('the first page, the next page and the way back send the expected E1 paging parameters', async () => {
    t.sim.resetRequests();
    const first = await page({ first: 10 });
    const second = await page({ first: 10, after: first.messages.pageInfo.endCursor });
    const back = await page({ last: 10, before: second.messages.pageInfo.startCursor });
    expect(ids(back)).toEqual(ids(first));
    expect(back.messages.pageInfo.hasPreviousPage).toBe(false);
    expect(second.messages.pageInfo.hasPreviousPage).toBe(true);
    expect(ids(second).some((id) => ids(first).includes(id))).toBe(false);
    const sent = searches();
    expect(sent).toHaveLength(3);
    if (mode === 'cursor') {
      expect(sent[0]).toEqual({ per_page: '10', cursor: undefined, page: undefined });
      expect(sent[1]?.cursor).toBeTypeOf('string');
      expect(sent[1]?.page).toBeUndefined();
      // Back from page 2's first item is page 2's `previous`, i.e. Cloudflare's cursor of page 1.
      expect(sent[2]?.cursor).toBeTypeOf('string');
      expect(sent[2]?.page).toBeUndefined();
    } else {
      expect(sent).toEqual([
        { per_page: '10', cursor: undefined, page: undefined },
        { per_page: '10', cursor: undefined, page: '2' },
        { per_page: '10', cursor: undefined, page: undefined },
      ]);
    }
  });

  test('an aligned page costs exactly one search call', async () => {
    const first = await page({ first: 10 });
    t.sim.resetRequests();
    await page({ first: 10, after: first.messages.pageInfo.endCursor });
    expect(t.sim.count('emailSecurity.investigate.list')).toBe(1);
  });

  test('a first larger than the pinned page size walks several upstream pages and stays in order', async () => {
    const first = await page({ first: 10 });
    const next = await page({ first: 30, after: first.messages.pageInfo.endCursor });
    const reference = t.sim.state.listMessages(t.gateway.services.config.accountId as string).map((m) => m.id);
    expect(ids(next)).toEqual(reference.slice(10, 40));
    expect(next.messages.pageInfo.hasNextPage).toBe(true);
  });

  test('paging from the middle of an upstream page continues with the next item', async () => {
    const first = await page({ first: 10 });
    const reference = t.sim.state.listMessages(t.gateway.services.config.accountId as string).map((m) => m.id);
    const fromMiddle = await page({ first: 5, after: first.messages.edges[3]?.cursor });
    expect(ids(fromMiddle)).toEqual(reference.slice(4, 9));
    const backFromMiddle = await page({ last: 3, before: first.messages.edges[5]?.cursor });
    expect(ids(backFromMiddle)).toEqual(reference.slice(2, 5));
  });

  test('later pages stay stable while new mail arrives', async () => {
    const first = await page({ first: 10 });
    const expectedSecond = await page({ first: 10, after: first.messages.pageInfo.endCursor });
    t.sim.addMessages(t.gateway.services.config.accountId as string, 5);
    const second = await page({ first: 10, after: first.messages.pageInfo.endCursor });
    expect(ids(second)).toEqual(ids(expectedSecond));
    // A new first page sees the new mail once its second has passed (windows end on whole seconds).
    const addedAt = Date.now();
    await vi.waitFor(() => expect(Math.floor(Date.now() / 1000)).toBeGreaterThan(Math.floor(addedAt / 1000)), {
      timeout: 2_000,
    });
    const fresh = await page({ first: 10 });
    expect(ids(fresh).slice(5)).toEqual(ids(first).slice(0, 5));
    if (mode === 'legacy') expect(fresh.messages.totalCount).toBe((first.messages.totalCount ?? 0) + 5);
  });
});

describe('messages paging in either mode', () => {
  test.each(['cursor', 'legacy'] as const)(
    'last without before is BAD_USER_INPUT with zero calls against the %s API, since the end is not addressable',
    async (mode) => {
      t.sim.setE1Paging(mode);
      const { body } = await t.query(PAGE, { last: 3 });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toMatch(/before/);
      expect(t.sim.count()).toBe(0);
    },
  );

  test('a cursor used with a different filter is BAD_USER_INPUT and costs no upstream call', async () => {
    const first = await page({ first: 5 });
    t.sim.resetRequests();
    const { body } = await t.query(PAGE, {
      first: 5,
      after: first.messages.pageInfo.endCursor,
      filter: { finalDisposition: 'SPAM' },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/different filter/);
    expect(t.sim.count()).toBe(0);
  });

  test('a tampered cursor is BAD_USER_INPUT and costs no upstream call', async () => {
    const { body } = await t.query(PAGE, { first: 5, after: 'eyJ2IjoxfQ' });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.count()).toBe(0);
  });

  test('first above the cap of 100 is BAD_USER_INPUT and costs no upstream call', async () => {
    const { body } = await t.query(PAGE, { first: 101 });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.count()).toBe(0);
  });

  test('a start in the future is BAD_USER_INPUT and costs no upstream call', async () => {
    const { body } = await t.query(PAGE, { first: 5, filter: { start: '2999-01-01T00:00:00Z' } });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.count()).toBe(0);
  });

  test('an accountId that is not 32 hex characters is BAD_USER_INPUT and costs no upstream call', async () => {
    const { body } = await t.query(`{ messages(first: 1, accountId: "../../zones") { totalCount } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.count()).toBe(0);
  });
});

describe('upstream call counts', () => {
  test('the triage page of 25 messages with detection costs 1 search + 25 detection calls, all 25 in one wave', async () => {
    const latencyMs = 600;
    t.sim.setLatency(latencyMs);
    const { body } = await t.query<{ messages: { nodes: { id: string; detection: { action: string } | null }[] } }>(
      `{ messages(first: 25) { nodes { id subject detection { action } } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes).toHaveLength(25);
    expect(t.sim.count('emailSecurity.investigate.list')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBe(25);
    expect(t.sim.count()).toBe(26);
    const detectionArrivals = t.sim.requests
      .filter((r) => r.endpoint === 'emailSecurity.investigate.detections.get')
      .map((r) => r.at);
    // A second wave could only start after an answer of the first, one latency later: every call that
    // arrived within one latency of the first did not wait for any answer. The per-request cap
    // (UPSTREAM_FANOUT_CONCURRENCY, default 100) does not split a page into waves.
    const firstWave = detectionArrivals.filter((at) => at - (detectionArrivals[0] as number) < latencyMs);
    expect(firstWave).toHaveLength(25);
  });

  test('a search primes the message cache, so message(id) on a listed id costs no extra call', async () => {
    const listed = await findMessage('detection');
    const { body } = await t.query<{ messages: { nodes: { id: string }[] }; message: { subject: string } }>(
      `query($id: ID!) { messages(first: 100) { nodes { id subject } } message(id: $id) { subject } }`,
      { id: listed },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.message.subject).toBeDefined();
    expect(t.sim.count('emailSecurity.investigate.list')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(0);
  });

  test("a message's page is no waterfall: its detection and trace go out with the message, not after it", async () => {
    const id = await findMessage('detection');
    t.sim.setLatency(400);
    const { body } = await t.query(
      `query($id: ID!) { message(id: $id) { subject ... on Message { detection { action } } trace { inbound { pending } } } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const arrival = (endpoint: string) => t.sim.requests.find((r) => r.endpoint === endpoint)?.at as number;
    const message = arrival('emailSecurity.investigate.get');
    // After a waterfall they would arrive one 400 ms answer later, at the earliest.
    expect(arrival('emailSecurity.investigate.detections.get') - message).toBeLessThan(400);
    expect(arrival('emailSecurity.investigate.trace.get') - message).toBeLessThan(400);
    expect(t.sim.count()).toBe(3);
  });

  test('an unknown message answers null, with no error from the dependents that went out with it', async () => {
    const { body } = await t.query(
      'query($id: ID!) { message(id: $id) { detection { action } trace { inbound { pending } } } }',
      {
        id: 'no-such-message',
      },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ message: null });
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBe(1);
  });

  test('identical keys in one request cost one upstream call', async () => {
    const id = await findMessage('detection');
    const { body } = await t.query(
      `query($id: ID!) { a: message(id: $id) { detection { action } trace { inbound { pending } } } b: message(id: $id) { subject detection { links { href } } trace { outbound { pending } } } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.trace.get')).toBe(1);
  });

  test('a failing detection on one message nulls only that field, with a located error', async () => {
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.detections.get',
      response: { kind: 'status', status: 403 },
    });
    const { body } = await t.query<{ messages: { nodes: { id: string; detection: unknown }[] } }>(
      `{ messages(first: 10) { nodes { id detection { action } } } }`,
    );
    const nodes = body.data?.messages.nodes ?? [];
    expect(nodes).toHaveLength(10);
    expect(nodes.filter((n) => n.detection === null)).toHaveLength(1);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.path).toEqual(['messages', 'nodes', expect.any(Number), 'detection']);
  });
});

describe('error codes', () => {
  const cases: {
    name: string;
    fault: Parameters<TestGateway['sim']['injectFault']>[0];
    code: string;
    extra?: Record<string, unknown>;
  }[] = [
    {
      name: 'a 429 with a long Retry-After',
      fault: {
        endpoint: 'emailSecurity.investigate.list',
        response: { kind: 'status', status: 429, headers: { 'retry-after': '120' } },
      },
      code: 'RATE_LIMITED',
      extra: { retryAfterSeconds: 120 },
    },
    {
      name: 'a 401',
      fault: { endpoint: 'emailSecurity.investigate.list', response: { kind: 'status', status: 401 } },
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'a 403',
      fault: { endpoint: 'emailSecurity.investigate.list', response: { kind: 'status', status: 403 } },
      code: 'FORBIDDEN',
    },
    {
      name: 'repeated 503s',
      fault: { endpoint: 'emailSecurity.investigate.list', times: 3, response: { kind: 'status', status: 503 } },
      code: 'UPSTREAM_UNAVAILABLE',
    },
    {
      name: 'a hanging upstream',
      fault: { endpoint: 'emailSecurity.investigate.list', times: 3, response: { kind: 'hang' } },
      code: 'UPSTREAM_TIMEOUT',
    },
    {
      name: 'a body missing a required field',
      fault: { endpoint: 'emailSecurity.investigate.list', response: { kind: 'drop-field', field: 'id' } },
      code: 'UPSTREAM_SCHEMA_MISMATCH',
    },
    {
      name: 'success:false in a 200',
      fault: { endpoint: 'emailSecurity.investigate.list', response: { kind: 'success-false' } },
      code: 'UPSTREAM_ERROR',
    },
  ];
  for (const { name, fault, code, extra } of cases) {
    test(`${name} surfaces as ${code}`, async () => {
      t.sim.injectFault(fault);
      const { body } = await t.query(`{ messages(first: 2) { totalCount } }`);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code, ...extra });
      expect(body.data).toBeNull();
    });
  }
});

/**
 * The bound is above the simulator's 5 s keep-alive timeout: "no socket open" also waits for idle
 * keep-alive sockets left by earlier tests, which a 3 s bound raced (seen under load).
 */
const SETTLE = { timeout: 10_000, interval: 20 };

describe('cancellation', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await t.listen());
  });

  test('a client that disconnects aborts its in-flight upstream calls', async () => {
    t.sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'hang' } });
    const before = t.logs.length;
    const controller = new AbortController();
    const pending = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ messages(first: 5) { totalCount } }' }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(t.sim.count('emailSecurity.investigate.list')).toBe(1), SETTLE);
    controller.abort();
    await pending;
    await vi.waitFor(
      () => expect(t.logs.slice(before).some((line) => line.errorCode === 'REQUEST_ABORTED')).toBe(true),
      SETTLE,
    );
    await vi.waitFor(() => expect(t.sim.openConnections()).toBe(0), SETTLE);
    expect(t.sim.count('emailSecurity.investigate.list')).toBe(1);
  });
});

describe('a page-number cursor after the deployment moved to cursor paging', () => {
  test('is refused with BAD_USER_INPUT instead of answering page 1 again as page 2', async () => {
    t.sim.setE1Paging('legacy');
    const query = 'query($after: String) { messages(first: 5, after: $after) { pageInfo { endCursor } nodes { id } } }';
    const first = await t.query<{ messages: { pageInfo: { endCursor: string }; nodes: { id: string }[] } }>(query);
    const cursor = first.body.data?.messages.pageInfo.endCursor as string;
    t.sim.setE1Paging('cursor');
    const replay = await t.query<{ messages: { nodes: { id: string }[] } }>(query, { after: cursor });
    expect(replay.body.data?.messages ?? null).toBeNull();
    expect(replay.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(replay.body.errors?.[0]?.extensions?.argumentPath).toEqual(['after']);
  });
});
