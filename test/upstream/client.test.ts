import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CloudflareClient, createCloudflareClient } from '../../src/upstream/client.js';
import { endpointIds } from '../../src/upstream/endpoints.js';
import { UpstreamBadRequestError } from '../../src/upstream/errors.js';
import { CloudflareHttp } from '../../src/upstream/http.js';
import { SIMULATOR_ACCOUNT_ID, SIMULATOR_ZONE_ID, type Simulator, startSimulator } from '../../src/simulator/index.js';

let sim: Simulator;
let http: CloudflareHttp;
let client: CloudflareClient;
const account = SIMULATOR_ACCOUNT_ID;
const accountScope = { accountId: account };

beforeAll(async () => {
  sim = await startSimulator({ budget: null, bulkJobStepMs: 20 });
  http = new CloudflareHttp({
    baseUrl: sim.baseUrl,
    logger: pino({ level: 'silent' }),
    timeoutMs: 2_000,
    maxRetries: 0,
    retryBaseMs: 10,
    retryMaxDelayMs: 10,
    retryAfterCapMs: 0,
    searchPollTimeoutMs: 1_000,
  });
  client = createCloudflareClient(http, { credentials: { kind: 'token', token: 'test-token' } });
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

describe('every endpoint of the contract answers its happy path with validated data', () => {
  test('E1 search returns messages and cursor page info whose next cursor reaches the following page', async () => {
    const page = await client.emailSecurity.investigate.list(account, { per_page: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.resultInfo).toMatchObject({ count: 5, per_page: 5, page: 0, total_count: 0, previous: null });
    const next = await client.emailSecurity.investigate.list(account, {
      per_page: 5,
      cursor: page.resultInfo?.next ?? '',
    });
    expect(next.items).toHaveLength(5);
    expect(next.items[0]?.id).not.toBe(page.items[0]?.id);
    expect(next.resultInfo?.previous).toBeTypeOf('string');
  });

  test('E2–E7 read one message, its detection, previews, raw EML and trace', async () => {
    const { items } = await client.emailSecurity.investigate.list(account, { per_page: 50, detections_only: true });
    const detected = items.find((m) => m.final_disposition === 'MALICIOUS') ?? items[0];
    const id = detected?.id as string;
    expect((await client.emailSecurity.investigate.get(account, id)).id).toBe(id);
    const detection = await client.emailSecurity.investigate.detections.get(account, id);
    expect(Array.isArray(detection.attachments)).toBe(true);
    const preview = await client.emailSecurity.investigate.preview.get(account, id);
    expect(Buffer.from(preview.screenshot, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const anyPreview = await client.emailSecurity.investigate.preview.create(account, id);
    expect(anyPreview.screenshot.length).toBeGreaterThan(0);
    expect(sim.requests.at(-1)?.body).toEqual({ id });
    const raw = await client.emailSecurity.investigate.raw.get(account, id);
    expect(raw.raw).toMatch(/^[\s\S]*Subject:/m);
    const trace = await client.emailSecurity.investigate.trace.get(account, id);
    expect(trace.inbound).toBeDefined();
  });

  test('E8–E11 move one, move many, reclassify and release', async () => {
    const { items } = await client.emailSecurity.investigate.list(account, { per_page: 100 });
    const [a, b, c] = items;
    const single = await client.emailSecurity.investigate.move.create(account, a?.id as string, {
      destination: 'JunkEmail',
    });
    expect(single[0]?.success).toBe(true);
    const bulk = await client.emailSecurity.investigate.move.bulk(account, {
      ids: [b?.id as string, c?.id as string],
      destination: 'Inbox',
    });
    expect(bulk.length).toBeGreaterThanOrEqual(2);
    await expect(
      client.emailSecurity.investigate.reclassify.create(account, a?.id as string, { expected_disposition: 'NONE' }),
    ).resolves.toEqual({});
    const quarantined = items.find((m) => m.is_quarantined);
    const released = await client.emailSecurity.investigate.release.bulk(account, [quarantined?.id as string]);
    expect(released[0]?.id).toBe(quarantined?.id);
    expect(sim.requests.at(-1)?.body).toEqual({ ids: [quarantined?.id] });
  });

  test('E12–E17 create, list, read, list messages of, cancel and delete bulk jobs', async () => {
    const job = await client.emailSecurity.investigate.bulk.create(account, {
      action: 'MOVE',
      destination: 'JunkEmail',
      search_params: { final_disposition: 'SPAM' },
      comment: 'test',
    });
    expect(job.job_id).toMatch(/^[0-9a-f-]{36}$/);
    const list = await client.emailSecurity.investigate.bulk.list(account, { per_page: 50 });
    expect(list.items.some((j) => j.job_id === job.job_id)).toBe(true);
    expect((await client.emailSecurity.investigate.bulk.get(account, job.job_id)).job_id).toBe(job.job_id);
    const cancelled = await client.emailSecurity.investigate.bulk.cancel.create(account, job.job_id).catch(() => null);
    const finalState = cancelled ?? (await client.emailSecurity.investigate.bulk.get(account, job.job_id));
    expect(['CANCELLED', 'COMPLETED']).toContain(finalState.status);
    const messages = await client.emailSecurity.investigate.bulk.messages.list(account, job.job_id);
    expect(Array.isArray(messages.items)).toBe(true);
    expect(await client.emailSecurity.investigate.bulk.delete(account, job.job_id)).toEqual({ id: job.job_id });
  });

  test('I1 accepts a miscategorization and answers with the envelope only', async () => {
    await expect(
      client.intel.miscategorizations.create(account, {
        indicator_type: 'domain',
        url: 'example.com',
        content_adds: [82],
      }),
    ).resolves.toBeDefined();
  });

  test('S1–S9 list, count, audit, classify, dismiss and read the context of insights', async () => {
    const list = await client.securityCenter.insights.list(accountScope, { per_page: 5 });
    expect(list.issues).toHaveLength(5);
    expect(list.count).toBeGreaterThan(5);
    const zone = await client.securityCenter.insights.list({ zoneId: SIMULATOR_ZONE_ID });
    expect(zone.issues.length).toBeGreaterThan(0);
    for (const counts of [
      await client.securityCenter.insights.class.get(accountScope),
      await client.securityCenter.insights.severity.get(accountScope),
      await client.securityCenter.insights.type.get(accountScope),
    ]) {
      expect(counts.length).toBeGreaterThan(0);
    }
    const unclassified = list.issues.find((issue) => !issue.user_classification) ?? list.issues[0];
    const id = unclassified?.id as string;
    if (unclassified?.user_classification)
      await client.securityCenter.insights.classification.update(accountScope, id, { classification: null });
    await client.securityCenter.insights.classification.update(accountScope, id, { classification: 'false_positive' });
    await client.securityCenter.insights.dismiss(accountScope, id, { dismiss: true });
    const audit = await client.securityCenter.insights.auditLogs.listByInsight(accountScope, id);
    expect(audit.items.some((entry) => entry.field_changed === 'user_classification')).toBe(true);
    const all = await client.securityCenter.insights.auditLogs.list(accountScope, { per_page: 2 });
    expect(all.items).toHaveLength(2);
    expect(all.cursor).toBeTruthy();
    const context = await client.securityCenter.insights.context.get(account, id);
    expect(typeof context).toBe('object');
  });

  test('the client has one function for every endpoint in the catalogue', () => {
    const called = new Set(sim.requests.map((r) => r.endpoint));
    const missing = endpointIds.filter((id) => !called.has(id));
    expect(missing).toEqual([]);
  });
});

describe('Security Center scope is an account or a zone, never both', () => {
  test('both ids are refused locally with the SDK message and no request', async () => {
    const before = sim.count();
    const error = await client.securityCenter.insights
      .list({ accountId: account, zoneId: SIMULATOR_ZONE_ID } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamBadRequestError);
    expect((error as Error).message).toBe('You cannot provide both account_id and zone_id.');
    expect(sim.count()).toBe(before);
  });
});
