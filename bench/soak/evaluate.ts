/**
 * From the soak's samples and counters to its figures, and the bounds they break.
 */
import { percentile } from '../lib/load.js';
import { round } from '../lib/processes.js';
import { BOUNDS, type Sample, type SoakFigures } from './bounds.js';
import type { WorkloadStats } from './workload.js';

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Least-squares slope of y over x (seconds), per minute. */
function slopePerMinute(points: { x: number; y: number }[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const num = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

/** The samples after the warm-up share of the run. */
export function afterWarmup(samples: Sample[], durationMs: number): Sample[] {
  return samples.filter((sample) => sample.atS * 1000 >= durationMs * BOUNDS.warmupShare);
}

export interface SoakMeasurements {
  durationMs: number;
  samples: Sample[];
  stats: WorkloadStats;
  eventLoop: SoakFigures['eventLoop'];
  faultsInjected: number;
  serverConnectionsAfterLoad: number;
  upstreamConnectedAfterLoad: number;
  tcpHandlesBaseline: number;
  tcpHandlesAfterClose: number;
}

export function evaluate(measurements: SoakMeasurements): { figures: SoakFigures; failures: string[] } {
  const { durationMs, samples, stats, eventLoop, serverConnectionsAfterLoad, upstreamConnectedAfterLoad } =
    measurements;
  const { tcpHandlesBaseline, tcpHandlesAfterClose } = measurements;
  const durationS = samples.at(-1)?.atS ?? durationMs / 1000;
  const measured = afterWarmup(samples, durationMs);
  const third = Math.max(1, Math.floor(measured.length / 3));
  const first = measured.slice(0, third);
  const lastThird = measured.slice(-third);
  const heapFirst = median(first.map((s) => s.heapUsedMb));
  const heapLast = median(lastThird.map((s) => s.heapUsedMb));
  const heapGrowth = round(heapLast - heapFirst, 1);
  const heapGrowthPct = heapFirst > 0 ? round((heapGrowth / heapFirst) * 100, 1) : 0;
  const rssFirst = median(first.map((s) => s.rssMb));
  const rssLast = median(lastThird.map((s) => s.rssMb));
  const rssGrowth = round(rssLast - rssFirst, 1);
  const sortedLatencies = [...stats.latencies].sort((a, b) => a - b);
  const latency = (p: number) => (sortedLatencies.length === 0 ? 0 : round(percentile(sortedLatencies, p), 1));

  const failures: string[] = [];
  if (measured.length < 2)
    failures.push(`only ${measured.length} samples after warm-up: run longer or sample more often`);
  if (heapGrowth > BOUNDS.heapGrowthMaxMb)
    failures.push(`heap grew ${heapGrowth} MB between the first and last third (bound ${BOUNDS.heapGrowthMaxMb} MB)`);
  if (heapGrowth > BOUNDS.heapGrowthPctFloorMb && heapGrowthPct > BOUNDS.heapGrowthMaxPct) {
    failures.push(
      `heap grew ${heapGrowthPct}% (${heapGrowth} MB) between the first and last third (bound ${BOUNDS.heapGrowthMaxPct}% above ${BOUNDS.heapGrowthPctFloorMb} MB)`,
    );
  }
  if (rssGrowth > BOUNDS.rssGrowthMaxMb) failures.push(`RSS grew ${rssGrowth} MB (bound ${BOUNDS.rssGrowthMaxMb} MB)`);
  if (eventLoop.p99Ms > BOUNDS.eventLoopP99MaxMs)
    failures.push(`event-loop delay p99 ${eventLoop.p99Ms} ms (bound ${BOUNDS.eventLoopP99MaxMs} ms)`);
  if (serverConnectionsAfterLoad !== BOUNDS.serverConnectionsAfter)
    failures.push(
      `${serverConnectionsAfterLoad} gateway server connections still open after the load stopped (bound ${BOUNDS.serverConnectionsAfter})`,
    );
  if (upstreamConnectedAfterLoad > BOUNDS.upstreamConnections)
    failures.push(
      `${upstreamConnectedAfterLoad} upstream sockets after the load (bound ${BOUNDS.upstreamConnections})`,
    );
  if (tcpHandlesAfterClose > tcpHandlesBaseline)
    failures.push(
      `${tcpHandlesAfterClose} active TCP handles after closing everything (baseline ${tcpHandlesBaseline})`,
    );
  if (stats.unexpected > BOUNDS.unexpectedMax)
    failures.push(
      `${stats.unexpected} unexpected answers (bound ${BOUNDS.unexpectedMax}): ${stats.unexpectedExamples.join(' | ')}`,
    );
  if (stats.doubleApplied > BOUNDS.doubleAppliedMax)
    failures.push(
      `${stats.doubleApplied} replayed idempotency keys were applied again (bound ${BOUNDS.doubleAppliedMax})`,
    );
  if (stats.operations === 0) failures.push('no operation completed');

  const figures: SoakFigures = {
    durationS,
    operations: stats.operations,
    opsPerS: round(stats.operations / Math.max(1, durationS), 1),
    byOperation: stats.counts,
    errorCodes: stats.errorCodes,
    faultsInjected: measurements.faultsInjected,
    latencyMs: {
      p50: latency(50),
      p95: latency(95),
      p99: latency(99),
      max: round(sortedLatencies.at(-1) ?? 0, 1),
    },
    heap: {
      firstThirdMb: round(heapFirst, 1),
      lastThirdMb: round(heapLast, 1),
      growthMb: heapGrowth,
      growthPct: heapGrowthPct,
      slopeMbPerMin: round(slopePerMinute(measured.map((s) => ({ x: s.atS, y: s.heapUsedMb }))), 1),
    },
    rss: { firstThirdMb: round(rssFirst, 1), lastThirdMb: round(rssLast, 1), growthMb: rssGrowth },
    eventLoop,
    sockets: {
      maxServerConnections: Math.max(0, ...samples.map((s) => s.serverConnections)),
      maxUpstreamConnected: Math.max(0, ...samples.map((s) => s.upstreamConnected)),
      serverConnectionsAfterLoad,
      upstreamConnectedAfterLoad,
      tcpHandlesBaseline,
      tcpHandlesAfterClose,
    },
    unexpected: stats.unexpected,
    unexpectedExamples: stats.unexpectedExamples,
    replays: stats.replays,
    doubleApplied: stats.doubleApplied,
  };
  return { figures, failures };
}
