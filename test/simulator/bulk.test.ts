import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/index.js';
import type { BulkJob, BulkJobMessage, Message } from '../../src/simulator/wire-types.js';
import { ACCOUNT, INVESTIGATE, call, get, post, waitFor } from './helpers.js';

let sim: Simulator;
const BULK = `${INVESTIGATE}/bulk`;

beforeAll(async () => {
  sim = await startSimulator({ budget: null, bulkJobStepMs: 10 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const getJob = async (id: string) => (await get<BulkJob>(sim, `${BULK}/${id}`)).json.result;

describe('bulk jobs (E12–E17)', () => {
  test('E13 lists the seeded historical jobs (COMPLETED, FAILED, CANCELLED) newest first', async () => {
    const res = await get<BulkJob[]>(sim, BULK);
    expect(res.status).toBe(200);
    expect(res.json.result.map((j) => j.status)).toEqual(['CANCELLED', 'FAILED', 'COMPLETED']);
    expect(res.json.result_info).toMatchObject({ page: 1, per_page: 20, count: 3, total_count: 3 });
    for (const job of res.json.result) {
      for (const key of [
        'job_id',
        'action_type',
        'action_params',
        'search_params',
        'status',
        'created_at',
        'messages_cancelled',
        'messages_failed',
        'messages_pending',
        'messages_skipped',
        'messages_successful',
        'total_messages_discovered',
      ]) {
        expect(job).toHaveProperty(key);
      }
    }
    const moves = await get<BulkJob[]>(sim, `${BULK}?action_type=RELEASE&status=FAILED`);
    expect(moves.json.result).toHaveLength(1);
    expect((await get(sim, `${BULK}?status=NOPE`)).status).toBe(400);
  });

  test('E12 creates a PENDING job that moves every matching message and completes, visible via E2', async () => {
    const spam = sim.state.listMessages(ACCOUNT).filter((m) => m.final_disposition === 'SPAM');
    const created = await post<BulkJob>(sim, BULK, {
      action: 'MOVE',
      destination: 'JunkEmail',
      search_params: { final_disposition: 'SPAM' },
      comment: 'spam sweep',
    });
    expect(created.status).toBe(200);
    expect(created.json.result).toMatchObject({
      status: 'PENDING',
      action_type: 'MOVE',
      action_params: { type: 'MOVE', destination: 'JunkEmail' },
      comment: 'spam sweep',
      messages_pending: 0,
    });
    const id = created.json.result.job_id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(async () => (await getJob(id)).status === 'COMPLETED');
    const job = await getJob(id);
    expect(job.total_messages_discovered).toBe(spam.length);
    expect(job.messages_successful + job.messages_failed).toBe(spam.length);
    expect(job.messages_pending).toBe(0);
    expect(job.started_at).toBeTruthy();
    expect(job.completed_at).toBeTruthy();
    const moved = spam.find(
      (m) => !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced'),
    ) as Message;
    const after = (await get<Message>(sim, `${INVESTIGATE}/${moved.id}`)).json.result;
    expect(after.delivery_status).toEqual(['moved']);
    expect(after.action_log.at(-1)).toMatchObject({ operation: 'MOVE', properties: { folder: 'JunkEmail' } });
    const rows = await get<BulkJobMessage[]>(sim, `${BULK}/${id}/messages?per_page=1000`);
    expect(rows.json.result).toHaveLength(spam.length);
    expect(rows.json.result[0]).toMatchObject({
      action_type: 'MOVE',
      action_params: { type: 'MOVE', destination: 'JunkEmail' },
      retry_count: expect.any(Number),
    });
  });

  test('a bulk job passes through DISCOVERING and PROCESSING on its way to COMPLETED', async () => {
    const slow = await startSimulator({ budget: null, bulkJobStepMs: 60 });
    try {
      const res = await fetch(`${slow.baseUrl}${BULK}`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'MOVE', destination: 'DeletedItems', search_params: {} }),
      });
      const id = ((await res.json()) as { result: BulkJob }).result.job_id;
      const seen = new Set<string>();
      await waitFor(() => {
        const job = slow.state.getBulkJob(ACCOUNT, id);
        if (job) seen.add(job.status);
        return job?.status === 'COMPLETED';
      }, 10_000);
      expect([...seen]).toEqual(expect.arrayContaining(['DISCOVERING', 'PROCESSING', 'COMPLETED']));
    } finally {
      await slow.close();
    }
  });

  test('a RELEASE job releases quarantined messages and skips the others', async () => {
    const created = await post<BulkJob>(sim, BULK, {
      action: 'RELEASE',
      search_params: { final_disposition: 'SUSPICIOUS' },
    });
    const id = created.json.result.job_id;
    await waitFor(async () => (await getJob(id)).status === 'COMPLETED');
    const job = await getJob(id);
    const suspicious = sim.state.listMessages(ACCOUNT).filter((m) => m.final_disposition === 'SUSPICIOUS');
    expect(job.messages_successful + job.messages_skipped).toBe(suspicious.length);
    expect(job.messages_skipped).toBeGreaterThan(0);
    expect(suspicious.every((m) => !m.is_quarantined)).toBe(true);
    const skipped = await get<BulkJobMessage[]>(sim, `${BULK}/${id}/messages?status=SKIPPED&per_page=100`);
    expect(skipped.json.result).toHaveLength(job.messages_skipped);
  });

  test('E12 refuses a bad action, a missing search_params and a MOVE without destination', async () => {
    expect((await post(sim, BULK, { action: 'DELETE', search_params: {} })).status).toBe(400);
    expect((await post(sim, BULK, { action: 'MOVE', destination: 'Inbox' })).status).toBe(400);
    expect((await post(sim, BULK, { action: 'MOVE', search_params: {} })).status).toBe(400);
    expect(
      (await post(sim, BULK, { action: 'RELEASE', search_params: { final_disposition: 'WHATEVER' } })).status,
    ).toBe(400);
    // All 10 dispositions are valid in search_params.
    expect(
      (await post(sim, BULK, { action: 'RELEASE', search_params: { final_disposition: 'MALICIOUS-BEC' } })).status,
    ).toBe(200);
  });

  test('E16 cancels a running job, counting the remaining messages as cancelled; cancelling again answers 409', async () => {
    const slow = await startSimulator({ budget: null, bulkJobStepMs: 40 });
    try {
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`${slow.baseUrl}${path}`, {
          method,
          headers: { authorization: 'Bearer t', ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      const created = (await (
        await api('POST', BULK, { action: 'MOVE', destination: 'Inbox', search_params: {} })
      ).json()) as { result: BulkJob };
      const id = created.result.job_id;
      await waitFor(() => slow.state.getBulkJob(ACCOUNT, id)?.status === 'PROCESSING');
      const cancel = await api('POST', `${BULK}/${id}/cancel`);
      const job = ((await cancel.json()) as { result: BulkJob }).result;
      expect(cancel.status).toBe(200);
      expect(job.status).toBe('CANCELLED');
      expect(job.messages_cancelled).toBeGreaterThan(0);
      expect(job.messages_pending).toBe(0);
      expect(job.messages_successful + job.messages_failed + job.messages_cancelled).toBe(
        job.total_messages_discovered,
      );
      const again = await api('POST', `${BULK}/${id}/cancel`);
      expect(again.status).toBe(409);
      await again.text();
    } finally {
      await slow.close();
    }
  });

  test('E15 refuses to delete a running job with 409, deletes a terminal one, and it then answers 404 everywhere', async () => {
    const slow = await startSimulator({ budget: null, bulkJobStepMs: 10_000 });
    try {
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`${slow.baseUrl}${path}`, {
          method,
          headers: { authorization: 'Bearer t', ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      const created = (await (await api('POST', BULK, { action: 'RELEASE', search_params: {} })).json()) as {
        result: BulkJob;
      };
      const id = created.result.job_id;
      const refused = await api('DELETE', `${BULK}/${id}`);
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { errors: { message: string }[] }).errors[0]?.message).toMatch(
        /PENDING.*cancel/,
      );
    } finally {
      await slow.close();
    }
    const jobs = (await get<BulkJob[]>(sim, BULK)).json.result;
    const done = jobs.find((j) => j.status === 'COMPLETED') as BulkJob;
    const deleted = await call<{ id: string }>(sim, 'DELETE', `${BULK}/${done.job_id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json.result).toEqual({ id: done.job_id });
    expect((await get(sim, `${BULK}/${done.job_id}`)).status).toBe(404);
    expect((await get(sim, `${BULK}/${done.job_id}/messages`)).status).toBe(404);
    expect((await get<BulkJob[]>(sim, BULK)).json.result.map((j) => j.job_id)).not.toContain(done.job_id);
  });

  test("E17 pages a job's messages and filters them by status", async () => {
    const done = (await get<BulkJob[]>(sim, `${BULK}?status=COMPLETED`)).json.result[0] as BulkJob;
    const p1 = await get<BulkJobMessage[]>(sim, `${BULK}/${done.job_id}/messages?per_page=5`);
    expect(p1.json.result).toHaveLength(5);
    expect(p1.json.result_info).toMatchObject({ page: 1, per_page: 5, total_count: 8 });
    const p2 = await get<BulkJobMessage[]>(sim, `${BULK}/${done.job_id}/messages?per_page=5&page=2`);
    expect(p2.json.result).toHaveLength(3);
    const completed = await get<BulkJobMessage[]>(sim, `${BULK}/${done.job_id}/messages?status=COMPLETED`);
    expect(completed.json.result.every((r) => r.status === 'COMPLETED')).toBe(true);
    expect((await get(sim, `${BULK}/00000000-0000-4000-8000-000000000000/messages`)).status).toBe(404);
  });
});
