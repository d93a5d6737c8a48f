/**
 * Probes, unloaded (one client, sequential, p50 over PROBE_RUNS runs): the triage page's critical
 * path and one upstream RTT measured straight at the simulator, and the deferred triage page's time
 * to its first multipart part.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/constants.js';
import { p50 } from '../lib/load.js';
import { timedRequest, verifyGraphql } from './http.js';
import { PROBE_RUNS, THINK_MS, TRIAGE_PAGE } from './settings.js';

export type DeferredProbe = { firstPartP50: number; totalP50: number; parts: number; failed: number };

/** Unloaded latencies measured directly: the triage page's critical path and one upstream RTT. */
export async function upstreamProbes(
  cloudflareBaseUrl: string,
): Promise<{ criticalPathP50: number; oneRttP50: number; searchP50: number }> {
  const base = `${cloudflareBaseUrl}/accounts/${SIMULATOR_ACCOUNT_ID}/email-security/investigate`;
  const headers = { authorization: 'Bearer bench-probe-token', accept: 'application/json' };
  const search = () => timedRequest(`${base}?detections_only=true&per_page=${TRIAGE_PAGE}`, { method: 'GET', headers });
  const first = JSON.parse((await search()).body) as { result: { id: string }[] };
  const ids = first.result.map((message) => message.id);
  const critical: number[] = [];
  const searches: number[] = [];
  const single: number[] = [];
  for (let i = 0; i < PROBE_RUNS; i++) {
    const started = performance.now();
    const page = await search();
    const id = (JSON.parse(page.body) as { result: { id: string }[] }).result[i % TRIAGE_PAGE]?.id ?? ids[0];
    await timedRequest(`${base}/${encodeURIComponent(id as string)}/detections`, { method: 'GET', headers });
    critical.push(performance.now() - started);
    searches.push(page.totalMs);
    await sleep(THINK_MS / 2);
    single.push(
      (
        await timedRequest(`${base}/${encodeURIComponent(ids[i % ids.length] as string)}/detections`, {
          method: 'GET',
          headers,
        })
      ).totalMs,
    );
    await sleep(THINK_MS / 2);
  }
  return { criticalPathP50: p50(critical), oneRttP50: p50(single), searchP50: p50(searches) };
}

/** The deferred triage page over HTTP (multipart/mixed): time to the first part, to the last, parts per response. */
export async function deferredProbe(url: string, token: string, body: unknown): Promise<DeferredProbe> {
  const firsts: number[] = [];
  const totals: number[] = [];
  let parts = 0;
  let failed = 0;
  const init = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  };
  await timedRequest(`${url}/graphql`, init); // warm (parse/validate caches, sockets)
  await sleep(1_000); // the pacer's bucket full again
  for (let i = 0; i < PROBE_RUNS; i++) {
    const response = await timedRequest(`${url}/graphql`, init);
    if (response.status !== 200 || !verifyGraphql(response.body) || Number.isNaN(response.firstPartMs)) failed++;
    firsts.push(response.firstPartMs);
    totals.push(response.totalMs);
    parts = response.parts;
    await sleep(THINK_MS);
  }
  return { firstPartP50: p50(firsts), totalP50: p50(totals), parts, failed };
}
