/**
 * Load generation with autocannon's programmatic API (in the driver process, a separate process from
 * every server). Latency percentiles are computed from every response time (autocannon's own
 * histogram has no p95).
 */
import autocannon, { type Request as AutocannonRequest } from 'autocannon';
import { round } from './processes.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Stop after this many responses, within the duration (unloaded probe). */
  maxRequests?: number;
  /**
   * Run exactly this many requests instead of a fixed duration, so that no request is in flight when
   * the run ends (exact upstream calls per operation); `durationSeconds` then only bounds the run:
   * it is stopped after 2 × durationSeconds + 5 s whatever happens.
   */
  amount?: number;
  requests: AutocannonRequest[];
  /** False marks a response as a failure (GraphQL errors, error union members). */
  verifyBody?: (body: string) => boolean;
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  completed: number;
  ok: number;
  failed: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number; max: number };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** The median of unsorted values, rounded to 0.1 (ms). */
export function p50(values: number[]): number {
  return round(
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ),
    1,
  );
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    let failedStatus = 0;
    const started = performance.now();
    let safety: NodeJS.Timeout | undefined;
    const verifyBody = options.verifyBody;
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.amount
          ? { amount: Math.max(options.amount, options.connections) }
          : { duration: options.durationSeconds }),
        ...(options.maxRequests ? { maxOverallRequests: options.maxRequests } : {}),
        timeout: 30,
        requests: options.requests,
        // autocannon hands the body over as a string (its types also allow a Buffer or nothing).
        ...(verifyBody ? { verifyBody: (body) => verifyBody(String(body ?? '')) } : {}),
      },
      (error, result) => {
        clearTimeout(safety);
        if (error) return reject(error);
        const elapsedSeconds = (performance.now() - started) / 1000;
        times.sort((a, b) => a - b);
        const completed = times.length;
        const failed = failedStatus + result.errors + result.timeouts + result.mismatches;
        const mean = completed === 0 ? Number.NaN : times.reduce((sum, t) => sum + t, 0) / completed;
        resolve({
          connections: options.connections,
          durationSeconds: round(elapsedSeconds, 2),
          completed,
          ok: Math.max(0, completed - failedStatus - result.mismatches),
          failed,
          requestsPerSecond: round(completed / elapsedSeconds, 1),
          latencyMs: {
            p50: round(percentile(times, 50), 1),
            p95: round(percentile(times, 95), 1),
            p99: round(percentile(times, 99), 1),
            mean: round(mean, 1),
            max: round(times[times.length - 1] ?? Number.NaN, 1),
          },
        });
      },
    );
    if (options.amount) safety = setTimeout(() => instance.stop(), (2 * options.durationSeconds + 5) * 1000);
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      times.push(responseTime);
      if (statusCode < 200 || statusCode >= 300) failedStatus++;
    });
  });
}
