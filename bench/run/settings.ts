/**
 * `npm run bench`'s fixed settings and its env knobs (see bench/run.ts for what each one does).
 */
import { relative } from 'node:path';
import { ROOT } from '../lib/processes.js';

export const LATENCY_MS = 25;
export const DURATION = Number(process.env.BENCH_DURATION ?? 8);
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
export const PROBE_SECONDS = 3;
export const PROBE_MAX = 30;
export const PROBE_RUNS = Number(process.env.BENCH_PROBE_RUNS ?? 40);
export const BASELINE_DIST = process.env.BENCH_BASELINE_DIST ?? '';
/** BENCH_GATEWAY_ENV: JSON of extra settings for the load gateway (e.g. '{"UPSTREAM_MAX_IN_FLIGHT":"256"}'), to try a knob. */
export const EXTRA_ENV = JSON.parse(process.env.BENCH_GATEWAY_ENV ?? '{}') as Record<string, string>;
/** BENCH_GATEWAY_NODE_ARGS: extra node flags for the load gateway (e.g. `--max-semi-space-size=32`); the baseline gets none. */
export const EXTRA_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** How the report names the baseline build (e.g. `main@8fa327e`). */
export const BASELINE_LABEL = process.env.BENCH_BASELINE_LABEL ?? (BASELINE_DIST ? relative(ROOT, BASELINE_DIST) : '');
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean),
);
/** Whether a scenario (or `probes`, `profile`) runs: all of them unless BENCH_ONLY names some. */
export const wants = (id: string) =>
  ONLY.size === 0 ? id !== 'profile' || process.env.BENCH_PROFILE !== '0' : ONLY.has(id);
/** High enough that no scenario can trip the simulator's lockout; usage is also reset before each scenario. */
export const SIM_BUDGET = { limit: 50_000_000, windowSeconds: 300, lockoutSeconds: 300 };
export const GATEWAY_BUDGET_LIMIT = '50000000';
export const ISSUER = 'esgw-bench';
export const TRIAGE_PAGE = 25;
export const FEDERATED_CASES = 5;
/** Report order (the run order differs: scenarios sharing a gateway process run together). */
export const ORDER = ['1', '2', '2L', '2-base', '2d', '3', '4', '5', 'a', 'b', 'c'];
/** UPSTREAM_MAX_RPS for the load scenarios (the simulator has no per-IP limit; Cloudflare's is 200/s). */
export const PACER_RAISED = '100000';
/**
 * Think time between two unloaded requests: one analyst opening pages, not a client hammering
 * back to back. 200 ms ≥ 26 calls ÷ UPSTREAM_MAX_RPS 150 (173 ms), so the pacer's bucket refills
 * between pages and every page is measured alone, as the targets mean.
 */
export const THINK_MS = 200;
