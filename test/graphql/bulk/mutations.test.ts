import { describe, expect, test, vi } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import {
  audits,
  CANCEL,
  create,
  DELETE,
  daysAgo,
  E12,
  E14,
  E15,
  E16,
  seededJob,
  slow,
  t,
  useBulkGateways,
} from './helpers.js';

useBulkGateways();

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
