/**
 * Cloudflare's API answers with the IETF draft rate-limit fields:
 *   Ratelimit: "default";r=1190;t=287        (r = remaining, t = seconds until the window resets)
 *   Ratelimit-Policy: "default";q=1200;w=300 (q = quota, w = window in seconds)
 * https://developers.cloudflare.com/fundamentals/api/reference/limits/ — 1,200 requests per 5 minutes
 * per user/token; going over blocks every call for 5 minutes.
 */
export interface RateLimitState {
  policy: string;
  remaining: number;
  resetSeconds: number;
  limit: number | null;
  windowSeconds: number | null;
  observedAt: number;
}

type HeaderBag = Record<string, string | string[] | undefined>;

interface StructuredItem {
  name: string;
  params: Record<string, number>;
}

/** Parses a structured-field list such as `"default";r=50;t=30, "burst";r=3;t=1`. */
export function parseStructuredList(value: string): StructuredItem[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const [rawName = '', ...rawParams] = item.split(';').map((part) => part.trim());
      const params: Record<string, number> = {};
      for (const param of rawParams) {
        const [key, raw] = param.split('=');
        const number = Number(raw);
        if (key && Number.isFinite(number)) params[key.toLowerCase()] = number;
      }
      return { name: rawName.replace(/^"|"$/g, ''), params };
    });
}

export function parseRateLimitHeaders(headers: HeaderBag): RateLimitState | null {
  const header = headerValue(headers, 'ratelimit');
  if (!header) return null;
  const items = parseStructuredList(header).filter((item) => item.params.r !== undefined);
  if (items.length === 0) return null;
  // The tightest policy is the one that will block us first.
  const tightest = items.reduce((a, b) => ((a.params.r ?? 0) <= (b.params.r ?? 0) ? a : b));
  const policies = parseStructuredList(headerValue(headers, 'ratelimit-policy') ?? '');
  const policy = policies.find((item) => item.name === tightest.name) ?? policies[0];
  return {
    policy: tightest.name,
    remaining: tightest.params.r ?? 0,
    resetSeconds: tightest.params.t ?? 0,
    limit: policy?.params.q ?? null,
    windowSeconds: policy?.params.w ?? null,
    observedAt: Date.now(),
  };
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
