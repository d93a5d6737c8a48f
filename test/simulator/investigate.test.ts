import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SIMULATOR_SECOND_ACCOUNT_ID, type Simulator, startSimulator } from '../../src/simulator/index.js';
import type { Message, MoveResult, ReleaseResult } from '../../src/simulator/wire-types.js';
import { ACCOUNT, INVESTIGATE, get, post } from './helpers.js';

let sim: Simulator;
const NON_BENIGN = ['MALICIOUS', 'MALICIOUS-BEC', 'SUSPICIOUS', 'SPOOF', 'SPAM', 'BULK'];

beforeAll(async () => {
  sim = await startSimulator({ budget: null });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const messages = () => sim.state.listMessages(ACCOUNT);
const find = (predicate: (m: Message) => boolean): Message => {
  const m = messages().find(predicate);
  if (!m) throw new Error('no seeded message matches');
  return m;
};
const path = (id: string, suffix = '') => `${INVESTIGATE}/${id}${suffix}`;

describe('seed data', () => {
  test('the main account has at least 200 messages covering every disposition and delivery mode', () => {
    const all = messages();
    expect(all.length).toBeGreaterThanOrEqual(200);
    const dispositions = new Set(all.map((m) => m.final_disposition));
    for (const d of [
      'MALICIOUS',
      'MALICIOUS-BEC',
      'SUSPICIOUS',
      'SPOOF',
      'SPAM',
      'BULK',
      'ENCRYPTED',
      'EXTERNAL',
      'UNKNOWN',
      'NONE',
    ])
      expect(dispositions).toContain(d);
    expect(all.some((m) => m.final_disposition === undefined || m.final_disposition === null)).toBe(true);
    const modes = new Set(all.map((m) => m.delivery_mode));
    for (const mode of [
      'DIRECT',
      'BCC',
      'JOURNAL',
      'REVIEW_SUBMISSION',
      'DMARC_UNVERIFIED',
      'DMARC_FAILURE_REPORT',
      'DMARC_AGGREGATE_REPORT',
      'THREAT_INTEL_SUBMISSION',
      'SIMULATION_SUBMISSION',
      'API',
      'RETRO_SCAN',
    ]) {
      expect(modes).toContain(mode);
    }
  });

  test('message ids follow <postfix>-<YYYY-MM-DDTHH:MM:SS>-<8 hex> and every optional Message field appears somewhere', () => {
    const all = messages();
    for (const m of all) expect(m.id).toMatch(/^[A-Za-z0-9]{15,16}-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-[0-9a-f]{8}$/);
    const keys = new Set(
      all.flatMap((m) =>
        Object.entries(m)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k]) => k),
      ),
    );
    for (const key of [
      'alert_id',
      'delivery_mode',
      'delivery_status',
      'edf_hash',
      'envelope_from',
      'envelope_to',
      'final_disposition',
      'findings',
      'from',
      'from_name',
      'htmltext_structure_hash',
      'message_id',
      'post_delivery_operations',
      'postfix_id_outbound',
      'replyto',
      'scanned_at',
      'sent_at',
      'sent_date',
      'smtp_helo_server_ip',
      'smtp_previous_hop_ip',
      'subject',
      'threat_categories',
      'to',
      'to_name',
      'validation',
      'x_originating_ip',
    ]) {
      expect(keys, key).toContain(key);
    }
    expect(
      all.some((m) => m.validation?.dkim === null || m.validation?.spf === null || m.validation?.dmarc === null),
    ).toBe(true);
  });

  test('the second account has its own smaller data set', () => {
    const second = sim.state.listMessages(SIMULATOR_SECOND_ACCOUNT_ID);
    expect(second.length).toBeGreaterThanOrEqual(30);
    expect(second.length).toBeLessThan(messages().length);
    const ids = new Set(messages().map((m) => m.id));
    expect(second.some((m) => ids.has(m.id))).toBe(false);
  });
});

describe('E1 search', () => {
  test('E1 returns the newest 20 messages first with cursor result_info whose page and total_count are 0', async () => {
    const res = await get<Message[]>(sim, INVESTIGATE);
    expect(res.status).toBe(200);
    expect(res.json.success).toBe(true);
    expect(res.json.result).toHaveLength(20);
    const times = res.json.result.map((m) => Date.parse(m.scanned_at ?? ''));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // Reference contract#current-api: `page` and `total_count` are "Deprecated: Returns always 0".
    expect(res.json.result_info).toMatchObject({ count: 20, page: 0, per_page: 20, total_count: 0, previous: null });
    expect(typeof res.json.result_info?.next).toBe('string');
  });

  test('E1 ignores page in the request and answers the first page again', async () => {
    const p1 = await get<Message[]>(sim, `${INVESTIGATE}?per_page=50`);
    const p2 = await get<Message[]>(sim, `${INVESTIGATE}?per_page=50&page=2`);
    expect(p2.json.result.map((m) => m.id)).toEqual(p1.json.result.map((m) => m.id));
  });

  test('E1 follows next cursors to a short last page whose next is null, and previous leads back', async () => {
    const total = messages().length;
    const seen: string[] = [];
    let cursor: string | null = null;
    let previous: string | null = null;
    let pages = 0;
    do {
      const res: Awaited<ReturnType<typeof get<Message[]>>> = await get<Message[]>(
        sim,
        `${INVESTIGATE}?per_page=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...res.json.result.map((m) => m.id));
      cursor = (res.json.result_info?.next as string | null) ?? null;
      previous = (res.json.result_info?.previous as string | null) ?? null;
      pages++;
    } while (cursor !== null && pages < 20);
    expect(seen).toEqual(messages().map((m) => m.id));
    expect(pages).toBe(Math.ceil(total / 50));
    const back = await get<Message[]>(sim, `${INVESTIGATE}?per_page=50&cursor=${encodeURIComponent(previous ?? '')}`);
    expect(back.json.result.map((m) => m.id)).toEqual(seen.slice((pages - 2) * 50, (pages - 1) * 50));
  });

  test('E1 refuses a cursor replayed with other query parameters with a 400 envelope', async () => {
    const p1 = await get<Message[]>(sim, `${INVESTIGATE}?per_page=10`);
    const res = await get(
      sim,
      `${INVESTIGATE}?per_page=10&detections_only=true&cursor=${encodeURIComponent(p1.json.result_info?.next as string)}`,
    );
    expect(res.status).toBe(400);
  });

  test('E1 in legacy mode pages by number with a real total and no cursors', async () => {
    sim.setE1Paging('legacy');
    const p1 = await get<Message[]>(sim, `${INVESTIGATE}?per_page=50&page=1`);
    const p2 = await get<Message[]>(sim, `${INVESTIGATE}?per_page=50&page=2`);
    expect(p2.json.result[0]?.id).toBe(messages()[50]?.id);
    expect(p1.json.result.at(-1)?.id).toBe(messages()[49]?.id);
    expect(p1.json.result_info).toEqual({ count: 50, page: 1, per_page: 50, total_count: messages().length });
    const total = messages().length;
    const lastPage = Math.ceil(total / 50);
    const last = await get<Message[]>(sim, `${INVESTIGATE}?per_page=50&page=${lastPage}`);
    expect(last.json.result).toHaveLength(total - (lastPage - 1) * 50);
    const beyond = await get<Message[]>(sim, `${INVESTIGATE}?per_page=50&page=${lastPage + 1}`);
    expect(beyond.json.result).toEqual([]);
  });

  test('E1 follows the opaque next cursor to the following page', async () => {
    const p1 = await get<Message[]>(sim, `${INVESTIGATE}?per_page=10`);
    const cursor = p1.json.result_info?.next as string;
    const p2 = await get<Message[]>(sim, `${INVESTIGATE}?per_page=10&cursor=${encodeURIComponent(cursor)}`);
    expect(p2.json.result[0]?.id).toBe(messages()[10]?.id);
    expect(p2.json.result_info?.previous).toBeTypeOf('string');
  });

  test('E1 filters by final_disposition, detections_only, sender domain, subject words and query terms', async () => {
    const mal = await get<Message[]>(sim, `${INVESTIGATE}?final_disposition=MALICIOUS&per_page=100`);
    expect(mal.json.result.length).toBeGreaterThan(0);
    expect(mal.json.result.every((m) => m.final_disposition === 'MALICIOUS')).toBe(true);

    const det = await get<Message[]>(sim, `${INVESTIGATE}?detections_only=true&per_page=1000`);
    expect(det.json.result.every((m) => NON_BENIGN.includes(m.final_disposition ?? ''))).toBe(true);

    const sample = find((m) => m.final_disposition === 'BULK');
    const domain = sample.from?.split('@')[1] ?? '';
    const bySender = await get<Message[]>(sim, `${INVESTIGATE}?sender=${domain}&per_page=1000`);
    expect(bySender.json.result.map((m) => m.id)).toContain(sample.id);
    expect(bySender.json.result.every((m) => m.from?.endsWith(domain) || m.envelope_from?.endsWith(domain))).toBe(true);

    const words = (sample.subject ?? '').split(' ').slice(0, 2).reverse().join(' ');
    const bySubject = await get<Message[]>(sim, `${INVESTIGATE}?subject=${encodeURIComponent(words)}&per_page=1000`);
    expect(bySubject.json.result.map((m) => m.id)).toContain(sample.id);

    const byQuery = await get<Message[]>(sim, `${INVESTIGATE}?query=${encodeURIComponent(sample.postfix_id)}`);
    expect(byQuery.json.result.map((m) => m.id)).toEqual([sample.id]);
  });

  test('E1 refuses a 7th disposition, a future start and an unparseable date with 400 envelopes', async () => {
    for (const q of [
      'final_disposition=MALICIOUS-BEC',
      `start=${new Date(Date.now() + 86_400_000).toISOString()}`,
      'end=yesterday',
      'per_page=0',
    ]) {
      const res = await get(sim, `${INVESTIGATE}?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.json).toMatchObject({ success: false, result: null });
      expect(res.json.errors[0]?.code).toBeGreaterThanOrEqual(1000);
    }
  });

  test('E1 narrows to a start/end window', async () => {
    const all = messages();
    const newest = Date.parse(all[0]?.scanned_at ?? '');
    const start = new Date(newest - 3 * 86_400_000).toISOString();
    const res = await get<Message[]>(sim, `${INVESTIGATE}?start=${start}&per_page=1000`);
    const expected = all.filter((m) => Date.parse(m.scanned_at ?? '') >= Date.parse(start));
    expect(res.json.result.map((m) => m.id)).toEqual(expected.map((m) => m.id));
  });

  test('E1 with submissions=true searches only the submissions datastore', async () => {
    const res = await get<Message[]>(sim, `${INVESTIGATE}?submissions=true`);
    expect(res.json.result.length).toBeGreaterThan(0);
    expect(res.json.result.every((m) => m.is_phish_submission)).toBe(true);
    const regular = new Set(messages().map((m) => m.id));
    expect(res.json.result.some((m) => regular.has(m.id))).toBe(false);
  });
});

describe('E2–E7 per-message reads', () => {
  test('E2 returns one message and decodes a percent-encoded id', async () => {
    const m = messages()[3] as Message;
    const raw = await get<Message>(sim, path(m.id));
    expect(raw.json.result).toEqual(m);
    const encoded = await get<Message>(sim, path(encodeURIComponent(m.id)));
    expect(encoded.json.result.id).toBe(m.id);
  });

  test('E2 answers an unknown id with a 404 envelope', async () => {
    const res = await get(sim, path('nope-2024-01-05T10:00:00-12345678'));
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ success: false, errors: [{ code: 1001 }], result: null });
  });

  test('E2 finds a submission-only message only with submission=true', async () => {
    const sub = sim.state.listMessages(ACCOUNT, { submissions: true })[0] as Message;
    expect((await get(sim, path(sub.id))).status).toBe(404);
    expect((await get(sim, `${path(sub.id)}?submission=true`)).status).toBe(200);
    expect((await get(sim, `${path(messages()[0]?.id ?? '')}?submission=true`)).status).toBe(404);
  });

  test('E3 returns attachments with real digests, links, headers and sender info for a malicious message', async () => {
    const m = find((x) => x.final_disposition === 'MALICIOUS');
    const res = await get<
      Record<string, unknown> & { attachments: { md5: string; sha1: string; sha256: string; size: number }[] }
    >(sim, path(m.id, '/detections'));
    expect(res.status).toBe(200);
    const r = res.json.result;
    for (const key of [
      'action',
      'attachments',
      'findings',
      'headers',
      'links',
      'sender_info',
      'threat_categories',
      'validation',
    ])
      expect(r).toHaveProperty(key);
    expect(r.action).toBe('QUARANTINED');
    const withAttachment = messages().filter((x) => x.final_disposition === 'MALICIOUS');
    let found = false;
    for (const candidate of withAttachment) {
      const det = await get<{ attachments: { md5: string; sha1: string; sha256: string; size: number }[] }>(
        sim,
        path(candidate.id, '/detections'),
      );
      const att = det.json.result.attachments[0];
      if (att) {
        expect(att.md5).toMatch(/^[0-9a-f]{32}$/);
        expect(att.sha1).toMatch(/^[0-9a-f]{40}$/);
        expect(att.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(att.size).toBeGreaterThan(0);
        found = true;
        break;
      }
    }
    expect(found).toBe(true);
  });

  test('E3 for a benign message answers 200 with empty arrays', async () => {
    const m = find((x) => x.final_disposition === 'NONE');
    const res = await get<{
      attachments: unknown[];
      links: unknown[];
      threat_categories: unknown[];
      headers: unknown[];
    }>(sim, path(m.id, '/detections'));
    expect(res.status).toBe(200);
    expect(res.json.result).toMatchObject({ attachments: [], links: [], threat_categories: [], headers: [] });
  });

  test('E4 returns a decodable PNG for a non-benign message and 404 for a benign one', async () => {
    const bad = find((x) => x.final_disposition === 'SPOOF');
    const res = await get<{ screenshot: string }>(sim, path(bad.id, '/preview'));
    const png = Buffer.from(res.json.result.screenshot, 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(64); // IHDR width
    expect(png.readUInt32BE(20)).toBe(40); // IHDR height
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    expect(inflateSync(png.subarray(41, 41 + idatLength))).toHaveLength((64 * 3 + 1) * 40);
    const good = find((x) => x.final_disposition === 'NONE');
    expect((await get(sim, path(good.id, '/preview'))).status).toBe(404);
  });

  test('E5 previews any message by {id} and by the older {postfix_id}', async () => {
    const good = find((x) => x.final_disposition === 'NONE');
    const byId = await post<{ screenshot: string }>(sim, `${INVESTIGATE}/preview`, { id: good.id });
    expect(byId.status).toBe(200);
    expect(byId.json.result.screenshot.length).toBeGreaterThan(100);
    const byPostfix = await post<{ screenshot: string }>(sim, `${INVESTIGATE}/preview`, {
      postfix_id: good.postfix_id,
    });
    expect(byPostfix.json.result.screenshot).toBe(byId.json.result.screenshot);
    expect((await post(sim, `${INVESTIGATE}/preview`, {})).status).toBe(400);
  });

  test('E6 returns RFC 822 text with headers and a body for non-benign messages only', async () => {
    const bad = find((x) => x.final_disposition === 'SPAM');
    const res = await get<{ raw: string }>(sim, path(bad.id, '/raw'));
    const [head, ...body] = res.json.result.raw.split('\r\n\r\n');
    expect(head).toContain(`Subject: ${bad.subject}`);
    expect(head).toContain(`Message-ID: ${bad.message_id}`);
    expect(head).toMatch(/^Received: /);
    expect(body.join('').length).toBeGreaterThan(10);
    expect((await get(sim, path(find((x) => x.final_disposition === 'NONE').id, '/raw'))).status).toBe(404);
  });

  test('E7 returns inbound and outbound trace lines with lineno, message, logged_at and ts', async () => {
    const m = find((x) => !x.is_quarantined && x.final_disposition === 'NONE');
    const res = await get<{
      inbound: { lines: { lineno: number; message: string; logged_at: string; ts: string }[]; pending: boolean };
      outbound: { lines: unknown[] | null };
    }>(sim, path(m.id, '/trace'));
    expect(res.status).toBe(200);
    const line = res.json.result.inbound.lines[0];
    expect(line).toMatchObject({ lineno: 1 });
    expect(line?.message).toContain('connect from');
    expect(line?.logged_at).toMatch(/Z$/);
    expect(res.json.result.outbound.lines?.length).toBeGreaterThan(0);
  });
});

describe('E8–E11 writes', () => {
  test('E8 moves a message: one MoveResult per recipient, and E2 then shows the MOVE', async () => {
    const m = find((x) => x.final_disposition === 'SPAM' && (x.delivery_status ?? []).includes('delivered'));
    const res = await post<MoveResult[]>(sim, path(m.id, '/move'), { destination: 'JunkEmail' });
    expect(res.status).toBe(200);
    expect(res.json.result_info).toBeUndefined();
    expect(res.json.result).toHaveLength(m.client_recipients.length);
    // Reference contract#current-api leaves open which id `message_id` is; the simulator answers the RFC 822 Message-ID.
    expect(res.json.result[0]).toMatchObject({
      success: true,
      destination: 'JunkEmail',
      operation: 'MOVE',
      message_id: m.message_id ?? null,
      recipient: m.client_recipients[0],
      item_count: 1,
    });
    const after = (await get<Message>(sim, path(m.id))).json.result;
    expect(after.delivery_status).toEqual(['moved']);
    expect(after.post_delivery_operations).toContain('MOVE');
    expect(after.action_log.at(-1)).toMatchObject({ operation: 'MOVE', properties: { folder: 'JunkEmail' } });
  });

  test('E8 fills message_id with the investigate id when the moveResultMessageId knob asks for the old fill', async () => {
    sim.setMoveResultMessageId('investigate');
    const m = find((x) => x.final_disposition === 'SPAM' && (x.delivery_status ?? []).includes('delivered'));
    const res = await post<MoveResult[]>(sim, path(m.id, '/move'), { destination: 'JunkEmail' });
    expect(res.json.result.every((row) => row.message_id === m.id)).toBe(true);
  });

  test('E8 refuses an unknown destination with a 400 envelope', async () => {
    const res = await post(sim, path(messages()[0]?.id ?? '', '/move'), { destination: 'Trash' });
    expect(res.status).toBe(400);
    expect(res.json.success).toBe(false);
  });

  test('E9 moves several ids and reports unknown ids as not_found', async () => {
    const [a, b] = messages().filter((x) => (x.delivery_status ?? []).includes('delivered'));
    const res = await post<MoveResult[]>(sim, `${INVESTIGATE}/move`, {
      destination: 'DeletedItems',
      ids: [a?.id, b?.id, 'missing-id'],
    });
    expect(res.status).toBe(200);
    expect(res.json.result).toHaveLength((a?.client_recipients.length ?? 0) + (b?.client_recipients.length ?? 0) + 1);
    expect(res.json.result.at(-1)).toMatchObject({ success: false, status: 'not_found', message_id: 'missing-id' });
    expect(sim.state.getMessage(ACCOUNT, a?.id ?? '')?.delivery_status).toEqual(['moved']);
  });

  test('E9 refuses 1,001 ids with a 400 envelope', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `id-${i}`);
    const res = await post(sim, `${INVESTIGATE}/move`, { destination: 'Inbox', ids });
    expect(res.status).toBe(400);
    expect(res.json.errors[0]?.message).toContain('1000');
  });

  test('E9 refuses a body without ids with a 400 envelope', async () => {
    expect((await post(sim, `${INVESTIGATE}/move`, { destination: 'Inbox' })).status).toBe(400);
  });

  test('E10 records a reclassification, answers {} and adds RECLASSIFY to the action log', async () => {
    const m = find((x) => x.final_disposition === 'SPAM');
    const res = await post(sim, path(m.id, '/reclassify'), {
      expected_disposition: 'NONE',
      escalated_submission_id: 'esc-1',
    });
    expect(res.status).toBe(200);
    expect(res.json.result).toEqual({});
    expect(sim.state.reclassifications).toEqual([
      expect.objectContaining({ investigateId: m.id, expected_disposition: 'NONE', escalated_submission_id: 'esc-1' }),
    ]);
    expect(sim.state.getMessage(ACCOUNT, m.id)?.action_log.at(-1)?.operation).toBe('RECLASSIFY');
    expect((await post(sim, path(m.id, '/reclassify'), { expected_disposition: 'MALICIOUS-BEC' })).status).toBe(400);
    expect((await post(sim, path(m.id, '/reclassify'), {})).status).toBe(400);
  });

  test('E11 releases a quarantined message, reports a delivered one as undelivered and an unknown id as failed', async () => {
    const q = find((x) => x.is_quarantined);
    const d = find((x) => !x.is_quarantined);
    const res = await post<ReleaseResult[]>(sim, `${INVESTIGATE}/release`, { ids: [q.id, d.id, 'unknown-id'] });
    expect(res.status).toBe(200);
    expect(res.json.result[0]).toMatchObject({
      id: q.id,
      postfix_id: q.postfix_id,
      delivered: q.client_recipients,
      undelivered: [],
      failed: [],
    });
    expect(res.json.result[1]).toMatchObject({ id: d.id, delivered: [], undelivered: d.client_recipients });
    expect(res.json.result[2]).toMatchObject({ id: 'unknown-id', failed: ['unknown-id'] });
    const after = (await get<Message>(sim, path(q.id))).json.result;
    expect(after).toMatchObject({ is_quarantined: false, delivery_status: ['delivered'] });
    expect(after.action_log.at(-1)?.operation).toBe('RELEASE');
  });

  test('E11 also accepts the 7.1.0 bare-array body', async () => {
    const q = find((x) => x.is_quarantined);
    const res = await post<ReleaseResult[]>(sim, `${INVESTIGATE}/release`, [q.id]);
    expect(res.json.result[0]?.delivered).toEqual(q.client_recipients);
  });

  test('addMessages makes new mail appear at the top of E1', async () => {
    const ids = sim.addMessages(ACCOUNT, 2);
    const res = await get<Message[]>(sim, `${INVESTIGATE}?per_page=2`);
    expect(res.json.result.map((m) => m.id).sort()).toEqual([...ids].sort());
  });
});
