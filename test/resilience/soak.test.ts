/**
 * CI-sized soak: the same `runSoak` as `npm run soak`, for ~30 s (SOAK_TEST_MINUTES overrides), with
 * the same bounds. It does not overwrite bench/results (the CLI run writes those).
 */
import { expect, test } from 'vitest';
import { BOUNDS, runSoak } from '../../bench/soak.js';

const minutes = Number(process.env.SOAK_TEST_MINUTES ?? 0.5);

test(
  'a 30 s mixed load with injected faults stays within the soak bounds: flat heap, p99 event-loop delay, sockets back to baseline, only typed errors, no replay re-applied',
  async () => {
    const lines: string[] = [];
    const result = await runSoak({
      minutes,
      sampleMs: 2_000,
      concurrency: 3,
      thinkMs: 80,
      log: (line) => lines.push(line),
    });
    expect(result.failures, lines.join('\n')).toEqual([]);
    expect(result.figures.operations).toBeGreaterThan(100);
    expect(result.figures.unexpected).toBe(0);
    expect(result.figures.doubleApplied).toBe(0);
    expect(result.figures.eventLoop.p99Ms).toBeLessThanOrEqual(BOUNDS.eventLoopP99MaxMs);
    expect(result.figures.sockets.serverConnectionsAfterLoad).toBe(0);
    expect(result.figures.sockets.tcpHandlesAfterClose).toBeLessThanOrEqual(result.figures.sockets.tcpHandlesBaseline);
    expect(result.ok).toBe(true);
  },
  minutes * 60_000 + 60_000,
);
