import { describe, expect, test, vi } from 'vitest';
import type { TestGateway } from '../../helpers/gateway.js';
import { create, daysAgo, E14, seededJob, slow, t, useBulkGateways } from './helpers.js';

useBulkGateways();

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
