/**
 * The soak's report: soak.json, soak.md and the `## Soak` section of benchmarks.md (bench/out/ by
 * default, the published files with `--publish`: see bench/lib/report.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ROOT } from '../lib/processes.js';
import { outputPaths, writeDocSection } from '../lib/report.js';
import type { SoakResult } from './bounds.js';

export function markdown(result: SoakResult): string {
  const f = result.figures;
  const b = result.bounds;
  const rows: [string, string, string, boolean][] = [
    [
      'Heap used growth (median last third − first third, after GC)',
      `${f.heap.growthMb} MB (${f.heap.growthPct} %) — ${f.heap.firstThirdMb} → ${f.heap.lastThirdMb} MB`,
      `≤ ${b.heapGrowthMaxMb} MB, and ≤ ${b.heapGrowthMaxPct} % when above ${b.heapGrowthPctFloorMb} MB`,
      f.heap.growthMb <= b.heapGrowthMaxMb &&
        !(f.heap.growthMb > b.heapGrowthPctFloorMb && f.heap.growthPct > b.heapGrowthMaxPct),
    ],
    ['Heap slope after warm-up', `${f.heap.slopeMbPerMin} MB/min`, 'reported', true],
    [
      'RSS growth',
      `${f.rss.growthMb} MB — ${f.rss.firstThirdMb} → ${f.rss.lastThirdMb} MB`,
      `≤ ${b.rssGrowthMaxMb} MB`,
      f.rss.growthMb <= b.rssGrowthMaxMb,
    ],
    [
      'Event-loop delay p50 / p99 / max',
      `${f.eventLoop.p50Ms} / ${f.eventLoop.p99Ms} / ${f.eventLoop.maxMs} ms`,
      `p99 ≤ ${b.eventLoopP99MaxMs} ms`,
      f.eventLoop.p99Ms <= b.eventLoopP99MaxMs,
    ],
    [
      'Gateway server connections after the load',
      String(f.sockets.serverConnectionsAfterLoad),
      `= ${b.serverConnectionsAfter}`,
      f.sockets.serverConnectionsAfterLoad === b.serverConnectionsAfter,
    ],
    [
      'Upstream keep-alive sockets after the load (max during)',
      `${f.sockets.upstreamConnectedAfterLoad} (${f.sockets.maxUpstreamConnected})`,
      `≤ ${b.upstreamConnections}`,
      f.sockets.upstreamConnectedAfterLoad <= b.upstreamConnections,
    ],
    [
      'Active TCP handles after closing (baseline)',
      `${f.sockets.tcpHandlesAfterClose} (${f.sockets.tcpHandlesBaseline})`,
      '≤ baseline',
      f.sockets.tcpHandlesAfterClose <= f.sockets.tcpHandlesBaseline,
    ],
    [
      'Unexpected answers (INTERNAL_SERVER_ERROR, untyped, transport)',
      String(f.unexpected),
      `≤ ${b.unexpectedMax}`,
      f.unexpected <= b.unexpectedMax,
    ],
    [
      'Replayed idempotency keys applied again',
      `${f.doubleApplied} of ${f.replays} replays`,
      `≤ ${b.doubleAppliedMax}`,
      f.doubleApplied <= b.doubleAppliedMax,
    ],
  ];
  const codes =
    Object.entries(f.errorCodes)
      .sort(([, a], [, b2]) => b2 - a)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ') || 'none';
  const ops = Object.entries(f.byOperation)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  return [
    `### Soak (${result.config.minutes} min, ${result.ok ? 'PASS' : 'FAIL'})`,
    '',
    `${result.config.topology}. Node ${result.config.node}, ${result.config.concurrency} virtual users (think ${result.config.thinkMs} ms), simulator latency ${result.config.simLatencyMs} ms, gateway env overrides ${JSON.stringify(result.config.gatewayEnv)} (otherwise production defaults: read cache on, budget governor on with its limit raised), a fault every ${result.config.faultEveryMs} ms, samples every ${result.config.sampleMs} ms, first ${b.warmupShare * 100} % excluded as warm-up. Reproduce: \`SOAK_MINUTES=${result.config.minutes} npm run soak\`.`,
    '',
    `Load: ${f.operations} operations in ${f.durationS} s (${f.opsPerS}/s): ${ops}. Latency p50 / p95 / p99 / max: ${f.latencyMs.p50} / ${f.latencyMs.p95} / ${f.latencyMs.p99} / ${f.latencyMs.max} ms. ${f.faultsInjected} faults injected. Error codes seen (all typed): ${codes}.`,
    '',
    '| Figure | Measured | Bound | |',
    '|---|---|---|---|',
    ...rows.map(([name, value, bound, ok]) => `| ${name} | ${value} | ${bound} | ${ok ? 'ok' : '**FAIL**'} |`),
    '',
    ...(result.failures.length ? ['Failures:', '', ...result.failures.map((failure) => `- ${failure}`), ''] : []),
  ].join('\n');
}

/** bench/out/ by default; the published bench/results/ and docs/benchmarks.md with `--publish` (see bench/lib/report.ts). */
export async function writeResults(result: SoakResult): Promise<void> {
  const paths = outputPaths();
  await mkdir(paths.resultsDir, { recursive: true });
  await writeFile(join(paths.resultsDir, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(paths.resultsDir, 'soak.md'), `${markdown(result)}\n`);
  // The figures in benchmarks.md, section "## Soak".
  writeDocSection('## Soak', markdown(result).replace(/^### Soak/, '## Soak'), paths);
  process.stderr.write(
    `soak: wrote ${[join(paths.resultsDir, 'soak.json'), join(paths.resultsDir, 'soak.md'), paths.doc].map((p) => relative(ROOT, p)).join(', ')}\n`,
  );
}
