import type { Redis } from 'ioredis';
import type { FlightStore } from '../../upstream/call/single-flight-layer.js';
import type { RedisLink } from './link.js';

/**
 * Reads in flight across replicas (upstream/call/single-flight-layer.ts), one key per read:
 *   flight:<cache key> = `pending:<replica>` while claimed (SET NX PX lease), then `done:<answer>`.
 * Without Redis every replica calls for itself (reads only: a duplicate costs budget, never safety).
 */
const ABANDON = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type FlightClient = { esgwFlightAbandon(key: string, owner: string): Promise<number> };

export class RedisFlightStore implements FlightStore {
  constructor(
    private readonly link: RedisLink,
    private readonly owner: string,
  ) {
    const client = link.client as unknown as Record<string, unknown>;
    if (!('esgwFlightAbandon' in client))
      link.client.defineCommand('esgwFlightAbandon', { numberOfKeys: 1, lua: ABANDON });
  }

  private get redis(): Redis {
    return this.link.client;
  }

  claim(key: string, leaseMs: number): Promise<boolean> {
    return this.link.run(
      async () => (await this.redis.set(`flight:${key}`, `pending:${this.owner}`, 'PX', leaseMs, 'NX')) === 'OK',
      async () => true,
    );
  }

  peek(key: string): Promise<{ answer: string } | 'pending' | 'none'> {
    return this.link.run(
      async (): Promise<{ answer: string } | 'pending' | 'none'> => {
        const value = await this.redis.get(`flight:${key}`);
        if (value === null) return 'none';
        return value.startsWith('done:') ? { answer: value.slice(5) } : 'pending';
      },
      async () => 'none' as const,
    );
  }

  publish(key: string, answer: string, keepMs: number): Promise<void> {
    return this.link.run(
      async () => {
        await this.redis.set(`flight:${key}`, `done:${answer}`, 'PX', keepMs);
      },
      async () => undefined,
    );
  }

  abandon(key: string): Promise<void> {
    return this.link.run(
      async () => {
        await (this.redis as unknown as FlightClient).esgwFlightAbandon(`flight:${key}`, `pending:${this.owner}`);
      },
      async () => undefined,
    );
  }
}
