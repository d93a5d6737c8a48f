import type { PaceStore } from '../../upstream/pacer.js';
import type { RedisLink } from './link.js';

/*
 * One request-rate window per second for all replicas (Cloudflare limits the API per source IP, and
 * replicas behind one NAT share it). INCR of the current second's key is atomic; the script reads the
 * Redis clock so replicas agree on where a second begins. A caller over the rate waits for the next
 * second and asks again.
 *
 * KEYS: none (the key is derived from TIME). ARGV: rate per second. → {granted, ms until the next second}
 */
const RESERVE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local second = tonumber(t[1])
local intoSecondMs = math.floor(tonumber(t[2]) / 1000)
local key = KEYS[1] .. ':' .. second
local used = redis.call('INCR', key)
if used == 1 then redis.call('PEXPIRE', key, 2000) end
if used <= tonumber(ARGV[1]) then return {1, 0} end
return {0, 1000 - intoSecondMs}
`;

type PaceClient = { esgwPaceReserve(key: string, rate: number): Promise<[number, number]> };

/** At most this many re-asks for one call; past it the call goes (the per-process cap still holds). */
const MAX_ROUNDS = 5;

export class RedisPaceStore implements PaceStore {
  constructor(
    private readonly link: RedisLink,
    private readonly fallback: PaceStore,
    /** Replicas sharing the per-IP rate: alone, each may use 1/N of it. */
    private readonly replicas: () => number,
  ) {
    const client = link.client as unknown as Record<string, unknown>;
    if (!('esgwPaceReserve' in client)) link.client.defineCommand('esgwPaceReserve', { numberOfKeys: 1, lua: RESERVE });
  }

  async reserve(ratePerSecond: number): Promise<number> {
    return this.link.run(
      async () => {
        for (let round = 0; round < MAX_ROUNDS; round++) {
          const [granted, nextSecondMs] = await (this.link.client as unknown as PaceClient).esgwPaceReserve(
            'pace',
            ratePerSecond,
          );
          if (granted === 1) return 0;
          // Wait here rather than returning the wait: the slot must be taken in the second it is used.
          await new Promise((resolve) => setTimeout(resolve, nextSecondMs));
        }
        return 0;
      },
      () => this.fallback.reserve(Math.max(1, Math.floor(ratePerSecond / this.replicas()))),
    );
  }
}
