/**
 * The E1 202 flow (older docs: "202 with a Location header pointing to a polling endpoint"). Off by
 * default; when on, E1 validates the search at once (a 400 comes back directly, not via the poll),
 * answers 202 + Location, and the poll URL answers 202 `pollsBeforeReady` times, then the results.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, CODES, type SimResponse } from './envelope.js';
import type { Handler, HandlerContext } from './handlers/handler.js';
import { listMessages } from './handlers/investigate.js';

interface PendingSearch {
  accountId: string;
  query: Record<string, string[]>;
  remaining: number;
}

export class SlowSearches {
  private pollsBeforeReady = 0;
  private readonly pending = new Map<string, PendingSearch>();

  /** 0 turns the flow off and forgets the searches still pending. */
  configure(pollsBeforeReady: number): void {
    this.pollsBeforeReady = Math.max(0, Math.floor(pollsBeforeReady));
    if (this.pollsBeforeReady === 0) this.pending.clear();
  }

  get enabled(): boolean {
    return this.pollsBeforeReady > 0;
  }

  start(ctx: HandlerContext): SimResponse {
    listMessages(ctx);
    const id = randomBytes(8).toString('hex');
    this.pending.set(id, { accountId: ctx.accountId, query: ctx.query, remaining: this.pollsBeforeReady });
    return pendingAnswer(ctx, id);
  }

  poll(ctx: HandlerContext): SimResponse {
    const id = ctx.params.search_id ?? '';
    const pending = this.pending.get(id);
    if (!pending || pending.accountId !== ctx.accountId)
      throw new ApiError(404, CODES.NO_ROUTE, 'Search not found or expired');
    if (pending.remaining > 0) {
      pending.remaining--;
      return pendingAnswer(ctx, id);
    }
    return listMessages({ ...ctx, query: pending.query });
  }
}

function pendingAnswer(ctx: HandlerContext, id: string): SimResponse {
  const location = `${ctx.baseUrl}/accounts/${ctx.accountId}/email-security/investigate/poll/${id}`;
  return {
    status: 202,
    headers: { location, 'retry-after': '0' },
    body: {
      success: true,
      errors: [],
      messages: [{ code: 202, message: 'Search in progress; poll the Location URL for results' }],
      result: null,
    },
  };
}

/** E1 as routed: the plain search, or the start of a slow one when the flow is on. */
export const searchMessages: Handler = (ctx) =>
  ctx.state.slowSearches.enabled ? ctx.state.slowSearches.start(ctx) : listMessages(ctx);

/** The poll URL that a slow E1 hands out in its Location header. */
export const pollSearch: Handler = (ctx) => ctx.state.slowSearches.poll(ctx);
