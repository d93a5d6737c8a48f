/**
 * The soak's pass/fail bounds and the shape of its options and result.
 */

/** The pass/fail bounds, stated in the output and in soak.md. */
export const BOUNDS = {
  /** Heap used (after a forced GC): median of the last third minus median of the first third, after warm-up. */
  heapGrowthMaxMb: 50,
  /** Same growth as a share of the first third; only enforced when the growth is also above heapGrowthPctFloorMb. */
  heapGrowthMaxPct: 25,
  heapGrowthPctFloorMb: 10,
  /** RSS, same method. */
  rssGrowthMaxMb: 100,
  /** p99 of the event-loop delay over the whole run after warm-up. */
  eventLoopP99MaxMs: 200,
  /** Share of the run (from the start) excluded as warm-up. */
  warmupShare: 0.2,
  /** Gateway server connections after the load stopped and its client pool closed. */
  serverConnectionsAfter: 0,
  /** Upstream keep-alive sockets after the load stopped: at most the pool size (UPSTREAM_CONNECTIONS). */
  upstreamConnections: 16,
  /** Unexpected answers: INTERNAL_SERVER_ERROR, an untyped error, HTTP other than 200/400, a transport error. */
  unexpectedMax: 0,
  /** A replayed idempotency key answered as a fresh (re-applied) mutation. */
  doubleAppliedMax: 0,
} as const;

export interface SoakOptions {
  minutes: number;
  sampleMs?: number;
  concurrency?: number;
  thinkMs?: number;
  simLatencyMs?: number;
  faultEveryMs?: number;
  /** Extra gateway environment (through the real config parser), e.g. { CACHE_MAX_MB: '32' }. CLI: SOAK_GW_<NAME>=value. */
  gatewayEnv?: Record<string, string>;
  /** Write bench/results/soak.json and soak.md (the CLI does; the vitest smoke run does not). */
  writeResults?: boolean;
  log?: (line: string) => void;
}

export type SoakConfig = Required<Omit<SoakOptions, 'log' | 'writeResults'>> & { topology: string; node: string };

export interface Sample {
  atS: number;
  rssMb: number;
  heapUsedMb: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  serverConnections: number;
  upstreamConnected: number;
  loadConnected: number;
  activeTcpHandles: number;
  opsPerS: number;
}

export interface SoakFigures {
  durationS: number;
  operations: number;
  opsPerS: number;
  byOperation: Record<string, number>;
  errorCodes: Record<string, number>;
  faultsInjected: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  heap: { firstThirdMb: number; lastThirdMb: number; growthMb: number; growthPct: number; slopeMbPerMin: number };
  rss: { firstThirdMb: number; lastThirdMb: number; growthMb: number };
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number };
  sockets: {
    maxServerConnections: number;
    maxUpstreamConnected: number;
    serverConnectionsAfterLoad: number;
    upstreamConnectedAfterLoad: number;
    tcpHandlesBaseline: number;
    tcpHandlesAfterClose: number;
  };
  unexpected: number;
  unexpectedExamples: string[];
  replays: number;
  doubleApplied: number;
}

export interface SoakResult {
  ok: boolean;
  failures: string[];
  bounds: typeof BOUNDS;
  config: SoakConfig;
  figures: SoakFigures;
  samples: Sample[];
}
