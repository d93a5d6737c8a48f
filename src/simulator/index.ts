/**
 * An embedded, stateful Cloudflare simulator: a real HTTP server on loopback that speaks the
 * Email Security Investigate, Intel Miscategorization and Security Center Insights APIs as
 * described in the Cloudflare API reference (paths, envelopes, paging, status codes).
 *
 *   const sim = await startSimulator();          // http://127.0.0.1:<random>/client/v4
 *   process.env.CLOUDFLARE_BASE_URL = sim.baseUrl;
 *   …
 *   await sim.close();
 */
import type { BudgetOptions, FaultRule, RecordedRequest, SimEndpointId, SimulatorOptions } from './public-types.js';
import { SimulatorServer } from './server.js';
import { SimulatorState } from './state.js';

export {
  SIMULATOR_ACCOUNT_ID,
  SIMULATOR_SECOND_ACCOUNT_ID,
  SIMULATOR_DEVELOPMENT_TOKEN,
  SIMULATOR_ZONE_ID,
  SIMULATOR_ZONE_NUMERIC_ID,
} from './constants.js';
export type {
  BudgetOptions,
  FaultResponse,
  FaultRule,
  RecordedRequest,
  SimEndpointId,
  SimulatorOptions,
} from './public-types.js';
export { POLL_ENDPOINT } from './routes.js';
export type { SimulatorState } from './state.js';

export const DEFAULT_BUDGET = { limit: 1200, windowSeconds: 300, lockoutSeconds: 300 } as const;

export interface Simulator {
  /** e.g. 'http://127.0.0.1:PORT/client/v4' — what CLOUDFLARE_BASE_URL is set to. */
  readonly baseUrl: string;
  /** 'http://127.0.0.1:PORT' */
  readonly origin: string;
  readonly state: SimulatorState;
  /** Every request received (control API excluded), in order. */
  readonly requests: RecordedRequest[];
  count(endpoint?: SimEndpointId, filter?: { method?: string; status?: number }): number;
  resetRequests(): void;
  setLatency(ms: number): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Also resets budget usage and lockouts. */
  setBudget(budget: SimulatorOptions['budget']): void;
  /** 0 = off. When > 0, E1 answers 202 + Location and the poll URL answers 202 that many times, then 200. */
  setSlowSearch(pollsBeforeReady: number): void;
  /** E1 paging shape (contract#current-api); `reset()` restores the option. */
  setE1Paging(mode: 'cursor' | 'legacy'): void;
  /** What E8/E9 rows put in `message_id`; `reset()` restores the option. */
  setMoveResultMessageId(mode: 'rfc822' | 'investigate'): void;
  /** "New mail arrives": messages scanned at the current simulator time; returns their ids. */
  addMessages(accountId: string, count: number): string[];
  openConnections(): number;
  /** State back to seed; faults/latency/budget/slow search back to the options; requests cleared. */
  reset(): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  // The simulator must never be reachable from elsewhere (bind only loopback).
  if (!LOOPBACK.has(host)) throw new Error(`simulator: refusing to bind to non-loopback host ${host}`);
  const seed = options.seed ?? 1;
  const seedNow = (options.now ?? new Date()).getTime();
  const startedAt = Date.now();
  const messageCount = Math.max(200, options.messageCount ?? 240);
  const budget: BudgetOptions = options.budget === undefined ? { ...DEFAULT_BUDGET } : options.budget;
  const state = new SimulatorState({
    seed,
    seedNow,
    messageCount,
    secondMessageCount: Math.max(30, Math.round(messageCount / 6)),
    bulkJobStepMs: options.bulkJobStepMs ?? 100,
    // The simulator clock starts at `now` and advances in real time, so E1's default window
    // (now − 30 d … now) and "new mail" line up with the seed even when `now` is in the past.
    clock: () => seedNow + (Date.now() - startedAt),
    e1Paging: options.e1Paging ?? 'cursor',
    moveResultMessageId: options.moveResultMessageId ?? 'rfc822',
  });
  const server = new SimulatorServer(state, { latencyMs: options.latencyMs ?? 0, budget, seed });
  await server.listen(host, options.port ?? 0);
  const origin = server.origin;

  return {
    baseUrl: `${origin}/client/v4`,
    origin,
    state,
    requests: server.requests,
    count: (endpoint?: SimEndpointId, filter?: { method?: string; status?: number }) => server.count(endpoint, filter),
    resetRequests: () => server.resetRequests(),
    setLatency: (ms) => server.setLatency(ms),
    injectFault: (rule) => server.injectFault(rule),
    clearFaults: () => server.clearFaults(),
    setBudget: (b) => server.setBudget(b ?? null),
    setSlowSearch: (polls) => server.setSlowSearch(polls),
    setE1Paging: (mode) => {
      state.e1Paging = mode;
    },
    setMoveResultMessageId: (mode) => {
      state.moveResultMessageId = mode;
    },
    addMessages: (accountId, count) => state.addMessages(accountId, count),
    openConnections: () => server.openConnections(),
    reset: () => server.reset(),
    close: () => server.close(),
  };
}
