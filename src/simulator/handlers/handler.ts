/** What every endpoint handler receives and answers. */
import type { SimResponse } from '../envelope.js';
import type { InsightScope } from '../insight-store.js';
import type { SimulatorState } from '../state.js';

export interface HandlerContext {
  state: SimulatorState;
  /** Decoded path params (`account_id`, `investigate_id`, `job_id`, `issue_id`, `scope`, `scope_id`). */
  params: Record<string, string>;
  query: Record<string, string[]>;
  body: unknown;
  /** The account the request is about (for zone-scoped insight calls: the zone's owner). */
  accountId: string;
  /** Set for Security Center endpoints. */
  scope?: InsightScope;
  /** Who is calling (email for key auth, a token label otherwise): audit `changed_by`, action-log `requested_by`. */
  principal: string;
  /** Where this simulator answers (`http://127.0.0.1:PORT/client/v4`), for Location headers. */
  baseUrl: string;
}

export type Handler = (ctx: HandlerContext) => SimResponse;
