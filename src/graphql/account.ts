import type { GatewayContext } from '../context.js';
import { badUserInput } from './errors.js';

const ACCOUNT_ID = /^[0-9a-f]{32}$/i;

/** Options of the optional `accountId` argument every root field takes (overrides CLOUDFLARE_ACCOUNT_ID). */
export const accountIdArgOptions = {
  description: 'Cloudflare account id (32 hex characters). Defaults to the configured account.',
} as const;

/** Validates the account before any upstream call. */
export function resolveAccountId(context: GatewayContext, argument: string | null | undefined, path: readonly (string | number)[] = ['accountId']): string {
  if (argument != null) {
    if (!ACCOUNT_ID.test(argument)) throw badUserInput('`accountId` must be 32 hexadecimal characters', path);
    return argument.toLowerCase();
  }
  if (!context.defaultAccountId) {
    throw badUserInput('`accountId` is required: the gateway has no CLOUDFLARE_ACCOUNT_ID configured', path);
  }
  return context.defaultAccountId;
}
