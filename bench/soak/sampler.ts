/**
 * What the soak samples every sampleMs: RSS, heap used after a forced GC, event-loop delay (paused
 * during the forced GC), open sockets.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { round } from '../lib/processes.js';
import type { Sample, SoakFigures } from './bounds.js';

export const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

export function activeTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap' || kind === 'TCPWRAP').length;
}

/**
 * A forced full GC, when it can be exposed (`--expose-gc` at run time via v8 flags). Called before
 * the gateway starts, as the flag is set while the process runs.
 */
export function exposeGc(): (() => void) | null {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

/** The socket counts of one sample. */
export interface SocketCounts {
  serverConnections(): Promise<number>;
  upstreamConnected(): number;
  loadConnected(): number;
}

export class Sampler {
  readonly samples: Sample[] = [];
  /** Per sample window. */
  private readonly window = monitorEventLoopDelay({ resolution: 10 });
  /** The whole run after warm-up. */
  private readonly run = monitorEventLoopDelay({ resolution: 10 });
  private runEnabled = false;

  constructor(
    private readonly sockets: SocketCounts,
    private readonly gc: (() => void) | null,
    private readonly log: (line: string) => void,
  ) {}

  /** Samples until `started + durationMs`; the run's event-loop delay counts from `warmupEndsAt`. */
  async sampleUntil(options: {
    started: number;
    durationMs: number;
    sampleMs: number;
    warmupEndsAt: number;
    operations: () => number;
  }): Promise<void> {
    const { started, durationMs, sampleMs, warmupEndsAt } = options;
    let lastOps = 0;
    let lastSampleAt = Date.now();
    this.window.enable();
    while (Date.now() < started + durationMs) {
      await sleep(Math.min(sampleMs, Math.max(0, started + durationMs - Date.now())));
      this.window.disable();
      if (this.runEnabled) this.run.disable();
      this.gc?.();
      const memory = process.memoryUsage();
      const now = Date.now();
      const serverConnections = await this.sockets.serverConnections();
      const operations = options.operations();
      this.samples.push({
        atS: round((now - started) / 1000, 1),
        rssMb: mb(memory.rss),
        heapUsedMb: mb(memory.heapUsed),
        eldP50Ms: round(this.window.percentile(50) / 1e6, 1),
        eldP99Ms: round(this.window.percentile(99) / 1e6, 1),
        eldMaxMs: round(this.window.max / 1e6, 1),
        serverConnections,
        upstreamConnected: this.sockets.upstreamConnected(),
        loadConnected: this.sockets.loadConnected(),
        activeTcpHandles: activeTcpHandles(),
        opsPerS: round(((operations - lastOps) * 1000) / Math.max(1, now - lastSampleAt), 1),
      });
      lastOps = operations;
      lastSampleAt = now;
      this.window.reset();
      this.window.enable();
      if (now >= warmupEndsAt) {
        this.run.enable();
        this.runEnabled = true;
      }
      const last = this.samples.at(-1) as Sample;
      this.log(
        `soak: t=${last.atS}s rss=${last.rssMb}MB heap=${last.heapUsedMb}MB eld p99=${last.eldP99Ms}ms ops/s=${last.opsPerS} server-conns=${last.serverConnections} upstream-conns=${last.upstreamConnected}`,
      );
    }
  }

  stop(): void {
    this.window.disable();
    this.run.disable();
  }

  /** Over the run after warm-up; without a post-warm-up histogram, the worst sampled p99 of `measured`. */
  eventLoop(measured: Sample[]): SoakFigures['eventLoop'] {
    const { run } = this;
    return {
      p50Ms: round(run.count > 0 ? run.percentile(50) / 1e6 : 0, 1),
      p99Ms: round(run.count > 0 ? run.percentile(99) / 1e6 : Math.max(0, ...measured.map((s) => s.eldP99Ms)), 1),
      maxMs: round(run.count > 0 ? run.max / 1e6 : 0, 1),
    };
  }
}
