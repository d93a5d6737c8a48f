import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  SIMULATOR_ZONE_ID,
  SIMULATOR_ZONE_NUMERIC_ID,
  type Simulator,
  startSimulator,
} from '../../src/simulator/index.js';
import type { AuditLogEntry, CountItem, InsightList, Issue } from '../../src/simulator/wire-types.js';
import { ACCOUNT, call, get, post } from './helpers.js';

let sim: Simulator;
const INSIGHTS = `/accounts/${ACCOUNT}/security-center/insights`;
const ZONE_INSIGHTS = `/zones/${SIMULATOR_ZONE_ID}/security-center/insights`;

beforeAll(async () => {
  sim = await startSimulator({ budget: null });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const issues = () => sim.state.listInsights(ACCOUNT);
const patch = (id: string, body: unknown, scope = INSIGHTS) =>
  call(sim, 'PATCH', `${scope}/${id}/classification`, { body });

describe('S1 list', () => {
  test('S1 returns {count, issues, page, per_page} with paging inside result and no result_info', async () => {
    const res = await get<InsightList>(sim, `${INSIGHTS}?per_page=25&page=2`);
    expect(res.status).toBe(200);
    expect(res.json.result).toMatchObject({ count: issues().length, page: 2, per_page: 25 });
    expect(res.json.result.issues).toEqual(issues().slice(25, 50));
    expect(res.json.result_info).toBeUndefined();
    expect(issues().length).toBeGreaterThanOrEqual(60);
  });

  test('S1 and S4 filter by SDK 7.3.0 source: riskrecon and cloudflare split the insights, both together give all, anything else is 400', async () => {
    const count = async (query: string) =>
      (await get<InsightList>(sim, `${INSIGHTS}?per_page=1000&${query}`)).json.result.count ?? 0;
    const riskrecon = await count('source=riskrecon');
    const cloudflare = await count('source=cloudflare');
    expect(riskrecon).toBeGreaterThan(0);
    expect(cloudflare).toBeGreaterThan(riskrecon);
    expect(riskrecon + cloudflare).toBe(issues().length);
    expect(await count('source=riskrecon&source=cloudflare')).toBe(issues().length);
    const byClass = await get<CountItem[]>(sim, `${INSIGHTS}/class?source=riskrecon`);
    expect(byClass.json.result.reduce((sum, item) => sum + (item.count ?? 0), 0)).toBe(riskrecon);
    expect((await get(sim, `${INSIGHTS}?source=shodan`)).status).toBe(400);
  });

  test('the seeded insights cover every issue type, severity and status, with classifications and extended context', () => {
    const all = issues();
    expect(new Set(all.map((i) => i.issue_type)).size).toBe(6);
    expect(new Set(all.map((i) => i.severity))).toEqual(new Set(['Low', 'Moderate', 'Critical']));
    expect(new Set(all.map((i) => i.status))).toEqual(new Set(['active', 'resolved']));
    expect(all.some((i) => i.dismissed)).toBe(true);
    expect(all.some((i) => i.user_classification !== null)).toBe(true);
    expect(all.some((i) => i.has_extended_context)).toBe(true);
  });

  test('S1 applies F filters: repeated keys, ~neq exclusions and lower-case severity', async () => {
    const res = await get<InsightList>(
      sim,
      `${INSIGHTS}?severity=critical&severity=moderate&issue_type~neq=email_security&dismissed=false&per_page=1000`,
    );
    const expected = issues().filter(
      (i) =>
        (i.severity === 'Critical' || i.severity === 'Moderate') && i.issue_type !== 'email_security' && !i.dismissed,
    );
    expect(res.json.result.count).toBe(expected.length);
    expect(res.json.result.issues?.map((i) => i.id)).toEqual(expected.map((i) => i.id));
    expect((await get(sim, `${INSIGHTS}?severity=high`)).status).toBe(400);
  });

  test('S1 on the zone lists the zone-scoped insights', async () => {
    const res = await get<InsightList>(sim, `${ZONE_INSIGHTS}?per_page=100`);
    expect(res.json.result.count).toBeGreaterThanOrEqual(15);
    expect(res.json.result.issues?.every((i) => i.payload?.zone_tag === SIMULATOR_ZONE_ID)).toBe(true);
    expect((await get(sim, `/zones/${'f'.repeat(32)}/security-center/insights`)).status).toBe(403);
  });
});

describe('S2 dismiss and S3 classification', () => {
  test('S2 dismisses an insight: envelope only, and S1 with dismissed=true then includes it', async () => {
    const target = issues().find((i) => !i.dismissed) as Issue;
    const res = await call(sim, 'PUT', `${INSIGHTS}/${target.id}/dismiss`, { body: { dismiss: true } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true, errors: [], messages: [] });
    const listed = await get<InsightList>(sim, `${INSIGHTS}?dismissed=true&per_page=1000`);
    expect(listed.json.result.issues?.map((i) => i.id)).toContain(target.id);
    expect((await call(sim, 'PUT', `${INSIGHTS}/nope/dismiss`, { body: {} })).status).toBe(404);
  });

  test('S3 sets a classification, writes an audit entry, and S8 shows it', async () => {
    const target = issues().find((i) => i.user_classification === null) as Issue;
    const res = await patch(target.id ?? '', { classification: 'accept_risk', rationale: 'Compensating control' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true, errors: [], messages: [] });
    expect(sim.state.getInsight(ACCOUNT, target.id ?? '')?.user_classification).toBe('accept_risk');
    const audit = await get<AuditLogEntry[]>(sim, `${INSIGHTS}/${target.id}/audit-log`);
    expect(audit.json.result[0]).toMatchObject({
      field_changed: 'user_classification',
      previous_value: null,
      current_value: 'accept_risk',
      rationale: 'Compensating control',
      changed_by: 'api-token:test-tok',
      issue_id: target.id,
    });
  });

  test('S3 requires a rationale for accept_risk and other', async () => {
    const target = issues().find((i) => i.user_classification === null) as Issue;
    for (const classification of ['accept_risk', 'other']) {
      const res = await patch(target.id ?? '', { classification });
      expect(res.status).toBe(400);
      expect(res.json.errors[0]?.message).toContain('rationale');
    }
    expect((await patch(target.id ?? '', { classification: 'false_positive' })).status).toBe(200);
  });

  test('S3 refuses to change directly between two values, and allows it after a reset to null', async () => {
    const target = issues().find((i) => i.user_classification === null) as Issue;
    const id = target.id ?? '';
    expect((await patch(id, { classification: 'false_positive' })).status).toBe(200);
    const refused = await patch(id, { classification: 'other', rationale: 'x' });
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0]?.message).toBe(
      'Cannot change directly between classification values - must reset to null first.',
    );
    expect((await patch(id, { classification: null })).status).toBe(200);
    expect(sim.state.getInsight(ACCOUNT, id)?.user_classification).toBeNull();
    expect((await patch(id, { classification: 'other', rationale: 'x' })).status).toBe(200);
    const audit = sim.state.listAuditLog(ACCOUNT).filter((e) => e.issue_id === id);
    expect(audit.map((e) => [e.previous_value, e.current_value])).toEqual([
      [null, 'false_positive'],
      ['false_positive', null],
      [null, 'other'],
    ]);
  });

  test('S3 on a zone insight writes an audit entry with a numeric zone_id', async () => {
    const target = sim.state.listInsights(SIMULATOR_ZONE_ID).find((i) => i.user_classification === null) as Issue;
    expect((await patch(target.id ?? '', { classification: 'false_positive' }, ZONE_INSIGHTS)).status).toBe(200);
    const entry = sim.state.listAuditLog(SIMULATOR_ZONE_ID).at(-1);
    expect(entry?.zone_id).toBe(SIMULATOR_ZONE_NUMERIC_ID);
  });
});

describe('S4–S6 counts', () => {
  test('S4, S5 and S6 count by class, severity and type and honour F', async () => {
    const bySeverity = await get<CountItem[]>(sim, `${INSIGHTS}/severity`);
    expect(bySeverity.json.result.reduce((n, c) => n + (c.count ?? 0), 0)).toBe(issues().length);
    expect(bySeverity.json.result.map((c) => c.value).sort()).toEqual(['Critical', 'Low', 'Moderate']);
    const byType = await get<CountItem[]>(sim, `${INSIGHTS}/type?severity=critical`);
    expect(byType.json.result.reduce((n, c) => n + (c.count ?? 0), 0)).toBe(
      issues().filter((i) => i.severity === 'Critical').length,
    );
    const byClass = await get<CountItem[]>(sim, `${INSIGHTS}/class`);
    const expected = new Set(issues().map((i) => i.issue_class));
    expect(new Set(byClass.json.result.map((c) => c.value))).toEqual(expected);
  });
});

describe('S7/S8 audit log', () => {
  test('S7 pages with an opaque cursor until the cursor is empty, newest first', async () => {
    const total = sim.state.listAuditLog(ACCOUNT).length;
    expect(total).toBeGreaterThan(5);
    const seen: AuditLogEntry[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const res = await get<AuditLogEntry[]>(
        sim,
        `${INSIGHTS}/audit-log?per_page=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.json.result_info).toMatchObject({ count: res.json.result.length, per_page: 4 });
      seen.push(...res.json.result);
      cursor = res.json.result_info?.cursor as string;
      pages++;
    } while (cursor !== '' && pages < 100);
    expect(seen).toHaveLength(total);
    const times = seen.map((e) => e.changed_at ?? '');
    expect([...times].sort().reverse()).toEqual(times);
    expect(
      seen.every((e) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.id ?? '')),
    ).toBe(true);
  });

  test('S7 filters by field_changed, changed_by, since/before and order=asc', async () => {
    const all = sim.state.listAuditLog(ACCOUNT);
    const res = await get<AuditLogEntry[]>(
      sim,
      `${INSIGHTS}/audit-log?field_changed=status&changed_by=system&order=asc&per_page=1000`,
    );
    const expected = all.filter((e) => e.field_changed === 'status' && e.changed_by === 'system');
    expect(res.json.result.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    const middle = all[Math.floor(all.length / 2)]?.changed_at ?? '';
    const since = await get<AuditLogEntry[]>(sim, `${INSIGHTS}/audit-log?since=${middle}&per_page=1000`);
    expect(since.json.result.every((e) => (e.changed_at ?? '') >= middle)).toBe(true);
    const before = await get<AuditLogEntry[]>(sim, `${INSIGHTS}/audit-log?before=${middle}&per_page=1000`);
    expect(since.json.result.length + before.json.result.length).toBe(all.length);
    expect((await get(sim, `${INSIGHTS}/audit-log?field_changed=dismissed`)).status).toBe(400);
  });

  test('S8 answers 404 for an unknown insight', async () => {
    expect((await get(sim, `${INSIGHTS}/does-not-exist/audit-log`)).status).toBe(404);
  });
});

describe('S9 context', () => {
  test('S9 returns a free-form object for an account insight and 404 on the zone path', async () => {
    const target = issues().find((i) => i.has_extended_context) as Issue;
    const res = await get<Record<string, unknown>>(sim, `${INSIGHTS}/${target.id}/context`);
    expect(res.status).toBe(200);
    expect(res.json.result).toMatchObject({ issue_id: target.id });
    expect(Array.isArray(res.json.result.records)).toBe(true);
    const zoneIssue = sim.state.listInsights(SIMULATOR_ZONE_ID)[0] as Issue;
    const zone = await get(sim, `${ZONE_INSIGHTS}/${zoneIssue.id}/context`);
    expect(zone.status).toBe(404);
    expect(zone.json.errors[0]?.code).toBe(7000);
  });
});

describe('I1 miscategorization', () => {
  const I1 = `/accounts/${ACCOUNT}/intel/miscategorization`;

  test('I1 accepts a submission with an envelope-only answer and records it', async () => {
    const body = {
      content_adds: [82],
      content_removes: [155],
      indicator_type: 'domain',
      security_adds: [117, 131],
      security_removes: [83],
      url: 'example.com',
    };
    const res = await post(sim, I1, body);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true, errors: [], messages: [] });
    expect(sim.state.miscategorizations).toEqual([expect.objectContaining({ accountId: ACCOUNT, body })]);
  });

  test('I1 refuses category 169 or 177 in any list with a 400 envelope', async () => {
    for (const body of [
      { content_adds: [169] },
      { content_removes: [177] },
      { security_adds: [1, 169] },
      { security_removes: [177] },
    ]) {
      const res = await post(sim, I1, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.success).toBe(false);
    }
    expect(sim.state.miscategorizations).toHaveLength(0);
    expect((await post(sim, I1, { indicator_type: 'email' })).status).toBe(400);
  });
});
