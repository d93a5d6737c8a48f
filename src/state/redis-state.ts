import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SharedState } from './shared-state.js';

/** Placeholder until the Redis stores land: refuses loudly instead of silently running unshared. */
export async function createRedisState(_config: Config, logger: Logger, fallback: SharedState): Promise<SharedState> {
  logger.error('REDIS_URL is set but Redis support is not built yet; serving from local state');
  return { ...fallback, redisStatus: () => 'down' };
}
