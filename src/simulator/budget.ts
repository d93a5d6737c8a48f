/**
 * Cloudflare-style request budget: `limit` requests per `windowSeconds` per credential. Going over
 * answers 429 (code 971) with Retry-After and locks the credential out for `lockoutSeconds` — every
 * call during the lockout is refused, like Cloudflare's 5-minute block. Every authenticated answer
 * carries the Ratelimit-Policy / Ratelimit headers.
 */
import { ApiError, CODES } from './envelope.js';
import type { BudgetOptions } from './public-types.js';

interface BudgetUsage {
  windowStart: number;
  used: number;
  lockedUntil: number;
}

export class BudgetMeter {
  private usage = new Map<string, BudgetUsage>();

  constructor(private budget: BudgetOptions) {}

  /** A new budget (null = none) starts every credential afresh. */
  set(budget: BudgetOptions): void {
    this.budget = budget;
    this.usage.clear();
  }

  /** Counts one request of `key`; writes the rate-limit headers; the 429 error when over budget. */
  charge(key: string, headers: Record<string, string>): ApiError | undefined {
    const budget = this.budget;
    if (!budget) return undefined;
    const now = Date.now();
    let usage = this.usage.get(key);
    if (!usage || (now >= usage.windowStart + budget.windowSeconds * 1000 && now >= usage.lockedUntil)) {
      usage = { windowStart: now, used: 0, lockedUntil: 0 };
      this.usage.set(key, usage);
    }
    headers['ratelimit-policy'] = `"default";q=${budget.limit};w=${budget.windowSeconds}`;
    if (usage.lockedUntil > now) {
      const wait = Math.ceil((usage.lockedUntil - now) / 1000);
      headers.ratelimit = `"default";r=0;t=${wait}`;
      return rateLimited(wait);
    }
    usage.used++;
    if (usage.used > budget.limit) {
      usage.lockedUntil = now + budget.lockoutSeconds * 1000;
      const wait = Math.max(1, budget.lockoutSeconds);
      headers.ratelimit = `"default";r=0;t=${wait}`;
      return rateLimited(wait);
    }
    const reset = Math.max(0, Math.ceil((usage.windowStart + budget.windowSeconds * 1000 - now) / 1000));
    headers.ratelimit = `"default";r=${budget.limit - usage.used};t=${reset}`;
    return undefined;
  }
}

function rateLimited(waitSeconds: number): ApiError {
  return new ApiError(429, CODES.RATE_LIMITED, 'Please wait and consider throttling your request speed', {
    'retry-after': String(waitSeconds),
  });
}
