/** Types of the simulator's own API (options, request log, fault rules), re-exported by index.ts. */
import type { SimEndpointId } from './routes.js';

export type { SimEndpointId };

export type BudgetOptions = { limit: number; windowSeconds: number; lockoutSeconds: number } | null;

export interface SimulatorOptions {
  /** Default '127.0.0.1'. Only loopback addresses are accepted. */
  host?: string;
  /** Default 0 (random free port). */
  port?: number;
  /** PRNG seed, default 1; same seed + now → identical data. */
  seed?: number;
  /** The clock the seed data is laid out against; default `new Date()` at start. The simulator clock then advances in real time from it. */
  now?: Date;
  /** Messages in the main account (default 240, at least 200); the second account gets ~1/6 of it (min 30). */
  messageCount?: number;
  /** Fixed added latency for every response, default 0. */
  latencyMs?: number;
  /** Default {limit: 1200, windowSeconds: 300, lockoutSeconds: 300}; null = no budget. */
  budget?: BudgetOptions;
  /** How fast bulk jobs progress (one step per this many ms), default 100. */
  bulkJobStepMs?: number;
  /** E1 paging shape: 'cursor' (default, the current API, contract#current-api) or 'legacy' (real page/total_count, no cursors). */
  e1Paging?: 'cursor' | 'legacy';
  /** What E8/E9 rows put in `message_id`: 'rfc822' (default: the RFC 822 Message-ID, or null) or 'investigate' (the investigate id). */
  moveResultMessageId?: 'rfc822' | 'investigate';
}

export interface RecordedRequest {
  /** Epoch ms when the request arrived. */
  at: number;
  method: string;
  /** Relative to /client/v4, no query string (still percent-encoded as received). */
  path: string;
  endpoint: SimEndpointId | null;
  /** Decoded path params. */
  params: Record<string, string>;
  query: Record<string, string[]>;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw string if not JSON, or undefined when empty. */
  body: unknown;
  /** The status answered; 0 if the socket was reset or the request is still hanging. */
  status: number;
}

export type FaultResponse =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'malformed-json' }
  | { kind: 'empty-200' }
  | { kind: 'empty-204' }
  | { kind: 'success-false' }
  | { kind: 'html'; status: number }
  | { kind: 'reset' }
  | { kind: 'reset-mid-body' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop-field'; field: string }
  | { kind: 'enum-drift'; field: string; value: string };

export type FaultRule = {
  /** Default '*'. */
  endpoint?: SimEndpointId | '*';
  method?: string;
  /** Default 1; Infinity = always. */
  times?: number;
  /** 0..1, rolled on the seeded PRNG each time the rule matches. */
  probability?: number;
  /** Writes only: apply the state change first, then answer with the fault. */
  afterProcessing?: boolean;
  response: FaultResponse;
};
