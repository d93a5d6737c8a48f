import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

/** Fast jobs: one simulator step every 20 ms, so a job of ~240 messages finishes in ~300 ms. */
let t: TestGateway;
/** Jobs that never leave PENDING (one step per hour): "running job" cases without races. */
let slow: TestGateway;

beforeAll(async () => {
  [t, slow] = await Promise.all([
    startTestGateway({ simulator: { bulkJobStepMs: 20 } }),
    startTestGateway({ simulator: { bulkJobStepMs: 3_600_000 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([t.close(), slow.close()]);
});
beforeEach(() => {
  t.sim.reset();
  slow.sim.reset();
  t.logs.length = 0;
  slow.logs.length = 0;
});

const E12 = 'emailSecurity.investigate.bulk.create';
const E13 = 'emailSecurity.investigate.bulk.list';
const E14 = 'emailSecurity.investigate.bulk.get';
const E15 = 'emailSecurity.investigate.bulk.delete';
const E16 = 'emailSecurity.investigate.bulk.cancel.create';
const E17 = 'emailSecurity.investigate.bulk.messages.list';

/** The simulator seeds three historical jobs: COMPLETED (MOVE), FAILED (RELEASE), CANCELLED (MOVE). */
function seededJob(gw: TestGateway, status: 'COMPLETED' | 'FAILED' | 'CANCELLED'): string {
  const job = gw.sim.state.listBulkJobs(SIMULATOR_ACCOUNT_ID).find((j) => j.status === status);
  if (!job) throw new Error(`no seeded ${status} job`);
  return job.job_id;
}

type AuditLine = {
  audit: {
    actor: string;
    action: string;
    result: string;
    outcomes: { id: string; outcome: string }[];
    idempotencyKey?: string | null;
  };
};
const audits = (gw: TestGateway, action: string) =>
  gw.logs
    .filter((line): line is AuditLine => 'audit' in line && (line as AuditLine).audit.action === action)
    .map((line) => line.audit);

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateBulkActionInput!) {
    createBulkAction(input: $input) {
      __typename
      ... on CreateBulkActionPayload { replayed job { id action status statusRaw isTerminal actionParams { type destination } searchParams { finalDisposition start } } }
      ... on MutationError { code message }
      ... on ValidationError { issues { path message } }
    }
  }
`;
type CreateResult = {
  createBulkAction: {
    __typename: string;
    replayed?: boolean;
    job?: {
      id: string;
      action: string;
      status: string;
      statusRaw: string;
      isTerminal: boolean;
      actionParams: { type: string; destination: string | null };
      searchParams: { finalDisposition: string | null; start: string | null };
    };
    code?: string;
    message?: string;
    issues?: { path: string[]; message: string }[];
  };
};

async function create(gw: TestGateway, input: Record<string, unknown>) {
  const { body } = await gw.query<CreateResult>(CREATE, { input });
  expect(body.errors).toBeUndefined();
  return body.data?.createBulkAction as CreateResult['createBulkAction'];
}

const CANCEL = /* GraphQL */ `
  mutation Cancel($id: ID!) {
    cancelBulkJob(input: { id: $id }) {
      __typename
      ... on CancelBulkJobPayload { job { id status isTerminal messagesCancelled } }
      ... on MutationError { code message }
    }
  }
`;
const DELETE = /* GraphQL */ `
  mutation Delete($id: ID!) {
    deleteBulkJob(input: { id: $id }) {
      __typename
      ... on DeleteBulkJobPayload { id replayed }
      ... on MutationError { code message }
    }
  }
`;

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

// ───────────────────────────── SSE helpers ─────────────────────────────

const PROGRESS = /* GraphQL */ `subscription Progress($id: ID!) { bulkJobProgress(id: $id) { id status statusRaw progress isTerminal messagesSuccessful } }`;

function subscribe(gw: TestGateway, id: string, signal?: AbortSignal) {
  return gw.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: PROGRESS, variables: { id } }),
    ...(signal ? { signal } : {}),
  });
}

interface SseEvent {
  event: string;
  data: {
    data?: { bulkJobProgress: { status: string | null; progress: number; isTerminal: boolean } } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  } | null;
}

/** Parses `event:` / `data:` blocks; `:` ping lines are ignored. */
function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const event =
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n');
      return { event, data: data ? JSON.parse(data) : null };
    });
}

const ORDER = ['PENDING', 'DISCOVERING', 'PROCESSING', 'COMPLETED'];

// ───────────────────────────── queries ─────────────────────────────

describe('bulk job queries', () => {
  test('every BulkJob field, its messages and their Message resolve for a seeded job', async () => {
    const id = seededJob(t, 'COMPLETED');
    const { body } = await t.query<{
      bulkJob: Record<string, unknown> & {
        messages: {
          totalCount: number;
          edges: { node: Record<string, unknown> & { message: { id: string } | null } }[];
        };
      };
    }>(
      /* GraphQL */ `
        query Job($id: ID!) {
          bulkJob(id: $id) {
            id accountId action status statusRaw statusMessage isTerminal progress comment createdAt startedAt completedAt
            totalMessagesDiscovered messagesSuccessful messagesFailed messagesPending messagesCancelled messagesSkipped
            actionParams { type destination expectedDisposition }
            searchParams { query sender recipient domain subject exactSubject finalDisposition messageAction deliveryStatus alertId messageId smtpHeloIp metric detectionsOnly submissions actionLog start end }
            messages(first: 3) {
              totalCount
              pageInfo { hasNextPage hasPreviousPage }
              edges {
                cursor
                node {
                  messageId postfixId actionType status statusRaw statusMessage retryCount retryAfter createdAt processedAt alertId emailMessageId
                  actionParams { type clientRecipient destination expectedDisposition }
                  message { id }
                }
              }
            }
          }
        }
      `,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const job = body.data?.bulkJob;
    expect(job).toMatchObject({
      id,
      accountId: SIMULATOR_ACCOUNT_ID,
      action: 'MOVE',
      status: 'COMPLETED',
      statusRaw: 'COMPLETED',
      isTerminal: true,
      progress: 1,
      comment: 'Weekly spam clean-up',
      totalMessagesDiscovered: 8,
      messagesPending: 0,
      actionParams: { type: 'MOVE', expectedDisposition: 'SPAM' },
      searchParams: { finalDisposition: 'SPAM' },
    });
    expect(job?.messages.totalCount).toBe(8);
    expect(job?.messages.edges).toHaveLength(3);
    const node = job?.messages.edges[0]?.node;
    expect(node?.message?.id).toBe(node?.messageId);
    expect(node?.actionParams).toMatchObject({ type: 'MOVE' });
    // One E14, one E17 page, one E2 per distinct message selected.
    expect(t.sim.count(E14)).toBe(1);
    expect(t.sim.count(E17)).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.get')).toBeLessThanOrEqual(3);
  });

  test('a job status Cloudflare added later passes through as statusRaw with a null status', async () => {
    const id = seededJob(t, 'COMPLETED');
    t.sim.injectFault({ endpoint: E14, response: { kind: 'enum-drift', field: 'status', value: 'ARCHIVED' } });
    const { body } = await t.query<{ bulkJob: { status: string | null; statusRaw: string; isTerminal: boolean } }>(
      `query($id: ID!) { bulkJob(id: $id) { status statusRaw isTerminal } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    // Unknown but stamped with completed_at: terminal (contract#versions).
    expect(body.data?.bulkJob).toEqual({ status: null, statusRaw: 'ARCHIVED', isTerminal: true });
  });

  test('bulkJobs pages forward and back over E13 with one call per page', async () => {
    type Page = {
      bulkJobs: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
        nodes: { id: string }[];
      };
    };
    const PAGE = `query($first: Int, $last: Int, $after: String, $before: String) {
      bulkJobs(first: $first, last: $last, after: $after, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } }
    }`;
    const run = async (variables: Record<string, unknown>) => {
      const { body } = await t.query<Page>(PAGE, variables);
      expect(body.errors).toBeUndefined();
      return body.data?.bulkJobs as Page['bulkJobs'];
    };
    const first = await run({ first: 2 });
    expect(first.totalCount).toBe(3);
    expect(first.nodes).toHaveLength(2);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await run({ first: 2, after: first.pageInfo.endCursor });
    expect(second.nodes).toHaveLength(1);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const back = await run({ last: 2, before: second.pageInfo.startCursor });
    expect(back.nodes.map((n) => n.id)).toEqual(first.nodes.map((n) => n.id));
    expect(back.pageInfo.hasPreviousPage).toBe(false);
    const allIds = t.sim.state.listBulkJobs(SIMULATOR_ACCOUNT_ID).map((j) => j.job_id);
    expect([...first.nodes, ...second.nodes].map((n) => n.id)).toEqual(allIds);
    expect(t.sim.count(E13)).toBe(3);
  });

  test('bulkJobs sends the action and status filter to E13 in Cloudflare spelling', async () => {
    const { body } = await t.query<{ bulkJobs: { nodes: { status: string; action: string }[] } }>(
      `{ bulkJobs(filter: { action: MOVE, status: CANCELLED }) { nodes { status action } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.bulkJobs.nodes).toEqual([{ status: 'CANCELLED', action: 'MOVE' }]);
    const request = t.sim.requests.find((r) => r.endpoint === E13);
    expect(request?.query).toMatchObject({ action_type: ['MOVE'], status: ['CANCELLED'] });
  });

  test('a job message status filter reaches E17', async () => {
    const id = seededJob(t, 'CANCELLED');
    const { body } = await t.query<{ bulkJob: { messages: { nodes: { statusRaw: string }[] } } }>(
      `query($id: ID!) { bulkJob(id: $id) { messages(status: CANCELLED) { nodes { statusRaw } } } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const statuses = body.data?.bulkJob.messages.nodes.map((n) => n.statusRaw) ?? [];
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['CANCELLED']));
    expect(t.sim.requests.find((r) => r.endpoint === E17)?.query.status).toEqual(['CANCELLED']);
  });

  test('bulkJob returns null when Cloudflare answers 404', async () => {
    const { body } = await t.query(`{ bulkJob(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ bulkJob: null });
    expect(t.sim.count(E14)).toBe(1);
  });

  test.each(['../x', 'a/b', '..'])(
    'bulkJob refuses the path-unsafe id %j with BAD_USER_INPUT and sends nothing',
    async (id) => {
      const { body } = await t.query(`query($id: ID!) { bulkJob(id: $id) { id } }`, { id });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(t.sim.requests).toHaveLength(0);
    },
  );
});

// ───────────────────────────── mutations ─────────────────────────────

describe('createBulkAction', () => {
  test('a MOVE creates one job that moves every matching message to the destination', async () => {
    const spam = t.sim.state.listMessages(SIMULATOR_ACCOUNT_ID).filter((m) => m.final_disposition === 'SPAM');
    expect(spam.length).toBeGreaterThan(0);
    const result = await create(t, {
      action: 'MOVE',
      destination: 'DELETED_ITEMS',
      searchParams: { finalDisposition: 'SPAM' },
      comment: 'test sweep',
    });
    expect(result.__typename).toBe('CreateBulkActionPayload');
    expect(result.job).toMatchObject({
      action: 'MOVE',
      status: 'PENDING',
      isTerminal: false,
      actionParams: { type: 'MOVE', destination: 'DELETED_ITEMS' },
      searchParams: { finalDisposition: 'SPAM' },
    });
    const id = result.job?.id as string;
    expect(t.sim.count(E12)).toBe(1);
    expect(t.sim.requests.find((r) => r.endpoint === E12)?.body).toEqual({
      action: 'MOVE',
      search_params: { final_disposition: 'SPAM' },
      destination: 'DeletedItems',
      comment: 'test sweep',
    });

    await vi.waitFor(() => expect(t.sim.state.getBulkJob(SIMULATOR_ACCOUNT_ID, id)?.status).toBe('COMPLETED'), {
      timeout: 3000,
      interval: 20,
    });
    const { body } = await t.query<{
      bulkJob: {
        status: string;
        progress: number;
        totalMessagesDiscovered: number;
        messagesSuccessful: number;
        messages: {
          nodes: { status: string; message: { actionLog: { operation: string; folder: string | null }[] } }[];
        };
      };
    }>(
      `query($id: ID!) { bulkJob(id: $id) { status progress totalMessagesDiscovered messagesSuccessful
        messages(first: 5, status: COMPLETED) { nodes { status message { actionLog { operation folder } } } } } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const job = body.data?.bulkJob;
    expect(job).toMatchObject({ status: 'COMPLETED', progress: 1, totalMessagesDiscovered: spam.length });
    expect(job?.messagesSuccessful).toBeGreaterThan(0);
    expect(job?.messages.nodes.length).toBeGreaterThan(0);
    for (const node of job?.messages.nodes ?? []) {
      expect(node.message.actionLog).toContainEqual({ operation: 'MOVE', folder: 'DeletedItems' });
    }
    const [line] = audits(t, 'createBulkAction');
    expect(line).toMatchObject({
      action: 'createBulkAction',
      result: 'applied',
      outcomes: [{ id, outcome: 'PENDING' }],
    });
    expect(line?.actor).toEqual(expect.any(String));
  });

  test.each([
    [
      'MOVE without destination',
      { action: 'MOVE', searchParams: { finalDisposition: 'SPAM' } },
      ['input', 'destination'],
    ],
    [
      'RELEASE with a destination',
      { action: 'RELEASE', destination: 'INBOX', searchParams: { finalDisposition: 'SPAM' } },
      ['input', 'destination'],
    ],
    ['an empty search', { action: 'MOVE', destination: 'JUNK_EMAIL', searchParams: {} }, ['input', 'searchParams']],
    [
      'a search whose only field is a non-criterion',
      { action: 'RELEASE', searchParams: { submissions: false, metric: 'x' } },
      ['input', 'searchParams'],
    ],
    [
      'a blank sender',
      { action: 'MOVE', destination: 'JUNK_EMAIL', searchParams: { sender: '  ' } },
      ['input', 'searchParams', 'sender'],
    ],
    [
      'a start in the future',
      {
        action: 'MOVE',
        destination: 'JUNK_EMAIL',
        searchParams: { start: new Date(Date.now() + 86_400_000).toISOString() },
      },
      ['input', 'searchParams', 'start'],
    ],
  ])('%s is a ValidationError and sends nothing', async (_name, input, path) => {
    const result = await create(t, input);
    expect(result.__typename).toBe('ValidationError');
    expect(result.code).toBe('BAD_USER_INPUT');
    expect(result.issues?.map((issue) => issue.path)).toContainEqual(path);
    expect(t.sim.requests).toHaveLength(0);
    expect(audits(t, 'createBulkAction').at(-1)).toMatchObject({ result: 'refused' });
  });

  test('an explicit window alone is accepted and sent as ISO start/end', async () => {
    const start = daysAgo(2);
    const end = daysAgo(1);
    const result = await create(slow, { action: 'RELEASE', searchParams: { start, end } });
    expect(result.__typename).toBe('CreateBulkActionPayload');
    expect(slow.sim.requests.find((r) => r.endpoint === E12)?.body).toEqual({
      action: 'RELEASE',
      search_params: { start, end },
    });
  });

  test('repeating createBulkAction with the same idempotencyKey creates one job and returns the same id', async () => {
    const input = {
      action: 'MOVE',
      destination: 'JUNK_EMAIL',
      searchParams: { finalDisposition: 'SPAM' },
      idempotencyKey: 'bulk-once-1',
    };
    const first = await create(slow, input);
    const second = await create(slow, input);
    expect(first.__typename).toBe('CreateBulkActionPayload');
    expect(second).toMatchObject({ __typename: 'CreateBulkActionPayload', replayed: true });
    expect(second.job?.id).toBe(first.job?.id);
    expect(first.replayed).toBe(false);
    expect(slow.sim.count(E12)).toBe(1);
    expect(slow.sim.state.listBulkJobs(SIMULATOR_ACCOUNT_ID)).toHaveLength(4);
    expect(audits(slow, 'createBulkAction').map((a) => a.result)).toEqual(['applied', 'replayed']);
  });
});

describe('cancelBulkJob', () => {
  test('cancelling a running job makes it CANCELLED and keeps its record', async () => {
    const created = await create(slow, {
      action: 'MOVE',
      destination: 'JUNK_EMAIL',
      searchParams: { finalDisposition: 'SPAM' },
    });
    const id = created.job?.id as string;
    const { body } = await slow.query<{
      cancelBulkJob: {
        __typename: string;
        job: { id: string; status: string; isTerminal: boolean; messagesCancelled: number };
      };
    }>(CANCEL, { id });
    expect(body.errors).toBeUndefined();
    expect(body.data?.cancelBulkJob).toMatchObject({
      __typename: 'CancelBulkJobPayload',
      job: { id, status: 'CANCELLED', isTerminal: true },
    });
    expect(slow.sim.count(E16)).toBe(1);
    expect(slow.sim.state.getBulkJob(SIMULATOR_ACCOUNT_ID, id)?.status).toBe('CANCELLED');
    expect(audits(slow, 'cancelBulkJob')).toEqual([
      expect.objectContaining({ result: 'applied', outcomes: [{ id, outcome: 'CANCELLED' }] }),
    ]);
  });

  test('cancelling a finished job is a ConflictError', async () => {
    const id = seededJob(t, 'COMPLETED');
    const { body } = await t.query<{ cancelBulkJob: { __typename: string; code: string } }>(CANCEL, { id });
    expect(body.errors).toBeUndefined();
    expect(body.data?.cancelBulkJob).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    expect(t.sim.count(E16)).toBe(1);
    expect(t.sim.state.getBulkJob(SIMULATOR_ACCOUNT_ID, id)?.status).toBe('COMPLETED');
    expect(audits(t, 'cancelBulkJob')).toEqual([
      expect.objectContaining({ result: 'refused', outcomes: [expect.objectContaining({ id })] }),
    ]);
  });

  test('cancelling a path-unsafe id is a ValidationError and sends nothing', async () => {
    const { body } = await t.query<{ cancelBulkJob: { __typename: string } }>(CANCEL, { id: '../bulk' });
    expect(body.data?.cancelBulkJob.__typename).toBe('ValidationError');
    expect(t.sim.requests).toHaveLength(0);
  });
});

describe('deleteBulkJob', () => {
  test('deleting a finished job removes it: bulkJob then returns null', async () => {
    const id = seededJob(t, 'FAILED');
    const { body } = await t.query<{ deleteBulkJob: { __typename: string; id: string } }>(DELETE, { id });
    expect(body.errors).toBeUndefined();
    expect(body.data?.deleteBulkJob).toEqual({ __typename: 'DeleteBulkJobPayload', id, replayed: false });
    expect(t.sim.count(E14)).toBe(1);
    expect(t.sim.count(E15)).toBe(1);
    const after = await t.query(`query($id: ID!) { bulkJob(id: $id) { id } }`, { id });
    expect(after.body.data).toEqual({ bulkJob: null });
    expect(audits(t, 'deleteBulkJob')).toEqual([
      expect.objectContaining({ result: 'applied', outcomes: [{ id, outcome: 'DELETED' }] }),
    ]);
  });

  test('deleting a running job is a ConflictError and sends no DELETE', async () => {
    const created = await create(slow, {
      action: 'MOVE',
      destination: 'JUNK_EMAIL',
      searchParams: { finalDisposition: 'SPAM' },
    });
    const id = created.job?.id as string;
    slow.sim.resetRequests();
    const { body } = await slow.query<{ deleteBulkJob: { __typename: string; code: string; message: string } }>(
      DELETE,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.deleteBulkJob).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    expect(body.data?.deleteBulkJob.message).toMatch(/PENDING/);
    expect(slow.sim.count(E14)).toBe(1);
    expect(slow.sim.count(E15)).toBe(0);
    expect(slow.sim.state.getBulkJob(SIMULATOR_ACCOUNT_ID, id)).toBeDefined();
    expect(audits(slow, 'deleteBulkJob')).toEqual([
      expect.objectContaining({ result: 'refused', outcomes: [expect.objectContaining({ id, outcome: 'CONFLICT' })] }),
    ]);
  });

  test("Cloudflare's 409 on DELETE is a ConflictError", async () => {
    const id = seededJob(t, 'COMPLETED');
    t.sim.injectFault({
      endpoint: E15,
      response: {
        kind: 'status',
        status: 409,
        body: { success: false, errors: [{ code: 1409, message: 'conflict' }], messages: [], result: null },
      },
    });
    const { body } = await t.query<{ deleteBulkJob: { __typename: string } }>(DELETE, { id });
    expect(body.data?.deleteBulkJob.__typename).toBe('ConflictError');
    expect(t.sim.count(E15)).toBe(1);
  });

  test('deleting an unknown job is a NotFoundError', async () => {
    const { body } = await t.query<{ deleteBulkJob: { __typename: string } }>(DELETE, {
      id: '00000000-0000-4000-8000-000000000000',
    });
    expect(body.data?.deleteBulkJob.__typename).toBe('NotFoundError');
    expect(t.sim.count(E15)).toBe(0);
  });
});

// ───────────────────────────── subscription ─────────────────────────────

describe('bulkJobProgress subscription (SSE)', () => {
  test('the stream follows a job to COMPLETED with non-decreasing statuses and then ends by itself', async () => {
    // ~240 messages in the last 30 days → about 14 simulator steps of 20 ms.
    const created = await create(t, {
      action: 'MOVE',
      destination: 'JUNK_EMAIL',
      searchParams: { start: daysAgo(30) },
    });
    const id = created.job?.id as string;
    t.sim.resetRequests();
    const started = Date.now();
    const response = await subscribe(t, id);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = parseSse(await response.text());
    const elapsed = Date.now() - started;

    const next = events.filter((e) => e.event === 'next');
    expect(events.at(-1)?.event).toBe('complete');
    expect(next.every((e) => e.data?.errors === undefined)).toBe(true);
    const jobs = next.map((e) => e.data?.data?.bulkJobProgress);
    const statuses = jobs.map((j) => j?.status as string);
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(jobs.at(-1)).toMatchObject({ progress: 1, isTerminal: true });
    const ranks = statuses.map((s) => ORDER.indexOf(s));
    expect(ranks.every((rank) => rank >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // Polls happen at 0, 250, 625, 1187 ms …: a job finishing in ~300 ms takes a handful of polls,
    // and every emitted event is a distinct poll result.
    const polls = t.sim.count(E14);
    expect(polls).toBeGreaterThanOrEqual(next.length);
    expect(polls).toBeLessThanOrEqual(6);
    expect(elapsed).toBeLessThan(5000);
    console.info(
      `bulkJobProgress: ${next.length} events, ${polls} E14 polls, ${elapsed} ms, statuses ${statuses.join(' → ')}`,
    );
  });

  test('eight watchers of one job cost what one watcher costs: one E14 poller, every watcher sees COMPLETED', async () => {
    const jobs = new Set<string>();
    const watch = async (count: number) => {
      // Same job length (the same 30 days of mail), a new job each time.
      const created = await create(t, {
        action: 'MOVE',
        destination: 'JUNK_EMAIL',
        searchParams: { start: daysAgo(30) },
      });
      const id = created.job?.id as string;
      expect(jobs.has(id)).toBe(false);
      jobs.add(id);
      t.sim.resetRequests();
      const streams = await Promise.all(Array.from({ length: count }, () => subscribe(t, id)));
      const results = await Promise.all(streams.map(async (response) => parseSse(await response.text())));
      for (const events of results) {
        const last = events.filter((e) => e.event === 'next').at(-1);
        expect(last?.data?.data?.bulkJobProgress).toMatchObject({ status: 'COMPLETED', isTerminal: true });
      }
      return t.sim.count(E14);
    };
    const one = await watch(1);
    const eight = await watch(8);
    // The same schedule for the same job length: at most one poll apart (where the job's end falls).
    expect(eight).toBeLessThanOrEqual(one + 1);
    console.info(`bulkJobProgress: 1 watcher ${one} E14 calls, 8 watchers ${eight}`);
  });

  test('a finished job gives exactly one event and one poll', async () => {
    const id = seededJob(t, 'CANCELLED');
    const events = parseSse(await (await subscribe(t, id)).text());
    expect(events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(events[0]?.data?.data?.bulkJobProgress).toMatchObject({ status: 'CANCELLED', isTerminal: true });
    expect(t.sim.count(E14)).toBe(1);
  });

  test('an unknown job ends the stream with a NOT_FOUND error', async () => {
    const events = parseSse(await (await subscribe(t, '00000000-0000-4000-8000-000000000000')).text());
    expect(events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(events[0]?.data?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(t.sim.count(E14)).toBe(1);
  });

  test('a path-unsafe id is refused with BAD_USER_INPUT before any poll', async () => {
    const events = parseSse(await (await subscribe(t, '../x')).text());
    expect(JSON.stringify(events)).toContain('BAD_USER_INPUT');
    expect(t.sim.requests).toHaveLength(0);
  });

  test('a client that disconnects stops the polling', async () => {
    const created = await create(slow, {
      action: 'MOVE',
      destination: 'JUNK_EMAIL',
      searchParams: { finalDisposition: 'SPAM' },
    });
    const id = created.job?.id as string;
    slow.sim.resetRequests();
    const controller = new AbortController();
    const response = await subscribe(slow, id, controller.signal);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: next')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(parseSse(text).find((e) => e.event === 'next')?.data?.data?.bulkJobProgress.status).toBe('PENDING');
    // Let an unchanged poll happen (the live share of the budget paces them), then hang up.
    await vi.waitFor(() => expect(slow.sim.count(E14)).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const atAbort = slow.sim.count(E14);
    expect(atAbort).toBeGreaterThanOrEqual(2);
    // Longer than the longest gap between two polls (2 s): a poller still running would show.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(slow.sim.count(E14)).toBe(atAbort);
    console.info(`bulkJobProgress (disconnect): ${atAbort} E14 polls before the abort, none after it`);
  });
});
