import type { PaceStore } from '../../upstream/pacer.js';
import type { RedisLink } from './link.js';

/*
 * One request-rate window per second for all replicas (Cloudflare limits the API per source IP, and
 * replicas behind one NAT share it). The script reads the Redis clock so replicas agree on where a
 * second begins, and grants slots of the current second in small batches (INCRBY, the part over the
 * rate given back): a replica spends its batch locally until the second ends, so a call costs a
 * Redis round trip only once per batch. A slot is never used outside the second it was granted in;
 * slots a replica does not use lapse with their second (the total stays under the rate).
 *
 * KEYS: none (the key is derived from TIME). ARGV: rate per second, slots wanted.
 * → {slots granted, ms until the next second}
 */
const RESERVE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local second = tonumber(t[1])
local untilNextMs = 1000 - math.floor(tonumber(t[2]) / 1000)
local key = KEYS[1] .. ':' .. second
local rate = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local used = redis.call('INCRBY', key, wanted)
if used == wanted then redis.call('PEXPIRE', key, 2000) end
local over = math.max(0, used - rate)
local granted = math.max(0, wanted - over)
if granted < wanted then redis.call('DECRBY', key, wanted - granted) end
return {granted, untilNextMs}
`;

type PaceClient = { esgwPaceReserve(key: string, rate: number, wanted: number): Promise<[number, number]> };

/** At most this many re-asks for one call; past it the call goes (the per-process cap still holds). */
const MAX_ROUNDS = 5;
/** A batch is this share of a replica's part of the rate (so replicas rarely strand many slots). */
const BATCH_SHARE = 0.25;
/** Local slots stop this long before Redis's second ends (clock reading and transit). */
const EDGE_MS = 5;

export class RedisPaceStore implements PaceStore {
  /** Slots of the current Redis second this replica holds, and until when (local clock) they are valid. */
  private local = { left: 0, until: 0 };

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
    if (this.local.left > 0 && Date.now() < this.local.until) {
      this.local.left--;
      return 0;
    }
    const batch = Math.max(1, Math.floor((ratePerSecond / Math.max(1, this.replicas())) * BATCH_SHARE));
    return this.link.run(
      async () => {
        for (let round = 0; round < MAX_ROUNDS; round++) {
          const asked = Date.now();
          const [granted, untilNextMs] = await (this.link.client as unknown as PaceClient).esgwPaceReserve(
            'pace',
            ratePerSecond,
            batch,
          );
          if (granted > 0) {
            this.local = { left: granted - 1, until: asked + untilNextMs - EDGE_MS };
            return 0;
          }
          // Wait here rather than returning the wait: the slot must be taken in the second it is used.
          await new Promise((resolve) => setTimeout(resolve, untilNextMs));
        }
        return 0;
      },
      () => this.fallback.reserve(Math.max(1, Math.floor(ratePerSecond / this.replicas()))),
    );
  }
}
