/**
 * The freshness table (docs/freshness.md), rendered from the catalogue: how long each answer the
 * gateway caches stays true, why, and which of the gateway's own writes make it stale. A test keeps
 * the document equal to this rendering, so the table cannot drift from the code.
 */
import { type CacheClass, type CacheTtls, type Invalidation, ttlOfClass } from './cache.js';
import { type EndpointDefinition, endpointIds, endpoints } from './endpoints.js';

/** Why an answer of each class stays true as long as it does (from Cloudflare's contract). */
const WHY: Record<CacheClass, string> = {
  immutable: 'what a scan found does not change once the message is scanned',
  trace: 'a delivery trace only gains lines when the message is moved, released or retracted',
  message: 'a message’s state changes with any action, the gateway’s or anyone else’s',
  search: 'new mail arrives at any time; the search window also steps with this TTL',
  insights: 'insights are classified and dismissed by people and automation alike',
  never: 'bulk jobs are followed for their progress; writes are never cached',
};

/** Which write kinds make an answer of each class stale (a bulk job seen finished counts as `account`). */
const STALE_AFTER: Record<CacheClass, Invalidation['kind'][]> = {
  immutable: [],
  trace: ['messages', 'account'],
  message: ['messages', 'account'],
  search: ['messages', 'searches', 'account'],
  insights: ['insights'],
  never: [],
};

const TTL_SETTING: Record<CacheClass, string> = {
  immutable: 'CACHE_TTL_IMMUTABLE_SECONDS',
  trace: 'CACHE_TTL_TRACE_SECONDS',
  message: 'CACHE_TTL_MESSAGE_SECONDS',
  search: 'CACHE_TTL_SEARCH_SECONDS',
  insights: 'CACHE_TTL_INSIGHTS_SECONDS',
  never: '',
};

export function renderFreshnessTable(ttls: CacheTtls): string {
  const writes = endpointIds.filter((id) => (endpoints[id] as EndpointDefinition).invalidates);
  const rows = endpointIds
    .filter((id) => endpoints[id].semantics === 'read')
    .map((id) => {
      const definition: EndpointDefinition = endpoints[id];
      const kind = definition.cache;
      const staleAfter = writes
        .filter((write) =>
          STALE_AFTER[kind].includes((endpoints[write] as EndpointDefinition).invalidates as Invalidation['kind']),
        )
        .map((write): string => endpoints[write].ref);
      if (STALE_AFTER[kind].includes('account')) staleAfter.push('a bulk job seen finished (E13/E14)');
      const ttl = kind === 'never' ? 'not cached' : `${ttlOfClass(ttls, kind) / 1000} s (\`${TTL_SETTING[kind]}\`)`;
      const changing = definition.stillChanging ? `; ${ttls.messageMs / 1000} s while a side is \`pending\`` : '';
      const primes = definition.primesItemsAs
        ? `; each item is also cached as its ${endpoints[definition.primesItemsAs].ref} answer (for that answer's own time, counted from the search)`
        : '';
      return `| ${definition.ref} \`${id}\` | \`${kind}\` | ${ttl}${changing} | ${WHY[kind]}${primes} | ${staleAfter.join(', ') || '—'} |`;
    });
  return [
    '| Answer | Class | Stays true for (default) | Why | Made stale at once by the gateway’s own |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
