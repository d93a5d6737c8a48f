/** The shape of a benchmark run's results: what bench/run.ts measures and latest.json holds. */
import type { LoadResult } from './load.js';
import type { ProfileSummary } from './profile.js';

export interface ScenarioResult {
  id: string;
  label: string;
  group: 'gateway' | 'alternative';
  description: string;
  cache: 'off' | 'on' | null;
  servedBy: string;
  load: LoadResult;
  unloaded: { requests: number; p50: number; p95: number; failed: number };
  criticalPathMs: number | null;
  p50OverCriticalPath: number | null;
  unloadedP50OverCriticalPath: number | null;
  upstreamCallsPerOp: number;
  upstreamCallsPerOpByEndpoint: Record<string, number>;
  cpuMsPerRequest: number;
  rssMiB: number;
  peakRssMiB: number;
  processes: { name: string; cpuMsPerRequest: number; rssMiB: number; peakRssMiB: number }[];
}

export interface BenchResults {
  generatedAt: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    loadAverage1m: { atStart: number; atEnd: number };
  };
  settings: {
    upstreamLatencyMs: number;
    connections: number;
    durationSeconds: number;
    warmupSeconds: number;
    unloadedProbe: { connections: number; seconds: number; maxRequests: number };
    simulatorBudget: { limit: number; windowSeconds: number; lockoutSeconds: number };
    gatewayBudgetLimit: number;
    triagePageSize: number;
  };
  scenarios: ScenarioResult[];
  probes?: ProbeResults;
  profile?: ProfileSummary & { requests: number; cpuMsPerRequest: number };
  headline?: Record<string, number | null>;
}

/** Unloaded, sequential, one client: measured directly (not derived from LATENCY_MS). */
export interface ProbeResults {
  runs: number;
  /** p50 of one E1 search then one E3 detection, back to back, straight at the simulator. */
  criticalPathP50: number;
  /** p50 of one E3 call straight at the simulator. */
  oneRttP50: number;
  searchP50: number;
  /** TriagePageDeferred over HTTP, multipart/mixed: p50 to the end of the first part and of the response. */
  deferred: { firstPartP50: number; totalP50: number; parts: number; failed: number } | null;
  /** The same against the baseline build (BENCH_BASELINE_DIST), when given. */
  deferredBaseline?: { firstPartP50: number; totalP50: number; parts: number; failed: number };
}
