import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type SharedStateHealth, sharedStateUsable } from '../state/shared-state.js';
import type { EndpointId } from '../upstream/endpoints.js';
import type { UpstreamAttempt } from '../upstream/http.js';

/**
 * Process metrics for Prometheus. One registry per gateway instance (tests run several in one
 * process). GraphQL operation histograms come from @graphql-yoga/plugin-prometheus on the same
 * registry; these are the gateway's own: upstream calls, cache, budget, loader batches.
 */
export function createMetrics(sharedState: () => SharedStateHealth) {
  const registry = new Registry();
  // Process health (event-loop lag percentiles, heap, handles): what says whether 1,000 open
  // subscriptions still leave room for queries.
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'gateway_shared_state_up',
    help: "Shared state (Redis): 1 usable or not configured; 0 unavailable (keyed mutations refused, the budget limited to this replica's share).",
    registers: [registry],
    collect() {
      this.set(sharedStateUsable(sharedState()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gateway_budget_replicas',
    help: 'Replicas this one believes share the Cloudflare token (each spends 1/N of the budget while Redis is unavailable).',
    registers: [registry],
    collect() {
      this.set(sharedState().replicas);
    },
  });
  let live: () => { subscriptions: number; topics: number; leading: number } = () => ({
    subscriptions: 0,
    topics: 0,
    leading: 0,
  });
  for (const [name, help, pick] of [
    [
      'gateway_live_subscriptions',
      'Live subscriptions (triageQueue, bulkJobProgress) open on this replica.',
      'subscriptions',
    ],
    [
      'gateway_live_topics',
      'Distinct live topics this replica follows (each is one upstream poller for all replicas).',
      'topics',
    ],
    ['gateway_live_leading', 'Live topics this replica polls Cloudflare for (it holds their lease).', 'leading'],
  ] as const)
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(live()[pick]);
      },
    });
  const livePolls = new Counter({
    name: 'gateway_live_polls_total',
    help: 'Upstream polls made by this replica for live topics, by kind (triage, bulk-job).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const upstreamCalls = new Counter({
    name: 'gateway_upstream_calls_total',
    help: 'Cloudflare calls by endpoint (SDK method name), HTTP status and attempt outcome (ok, retry, error).',
    labelNames: ['endpoint', 'status', 'outcome'] as const,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_call_duration_seconds',
    help: 'Duration of one Cloudflare call attempt.',
    labelNames: ['endpoint'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const upstreamAttempt = new Counter({
    name: 'gateway_upstream_attempts_total',
    help: 'Attempts by number (1 = first try, 2+ = retries or polls).',
    labelNames: ['endpoint', 'attempt'] as const,
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: 'gateway_cache_hits_total',
    help: 'Upstream reads answered from the read cache.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });
  const budgetRemaining = new Gauge({
    name: 'gateway_upstream_budget_remaining',
    help: "Requests left in Cloudflare's current window, per credential fingerprint, as the last response said.",
    labelNames: ['credential'] as const,
    registers: [registry],
  });
  return {
    registry,
    budgetRemaining,
    /** Where the live gauges read from (the hub is built after the metrics). */
    observeLive(stats: typeof live) {
      live = stats;
    },
    recordLivePoll(kind: string) {
      livePolls.inc({ kind });
    },
    recordAttempt(attempt: UpstreamAttempt) {
      upstreamCalls.inc({
        endpoint: attempt.endpoint,
        status: String(attempt.status ?? 'none'),
        outcome: attempt.outcome,
      });
      upstreamAttempt.inc({ endpoint: attempt.endpoint, attempt: String(Math.min(attempt.attempt, 5)) });
      upstreamDuration.observe({ endpoint: attempt.endpoint }, attempt.durationMs / 1000);
    },
    recordCacheHit(endpoint: EndpointId) {
      cacheHits.inc({ endpoint });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
