import type { GatewayContext } from '../context.js';
import { badUserInput } from './errors.js';
import { accountIdFor } from './validation.js';

/** Options of the optional `accountId` argument every root field takes (overrides CLOUDFLARE_ACCOUNT_ID). */
export const accountIdArgOptions = {
  description: 'Cloudflare account id (32 hex characters). Defaults to the configured account.',
} as const;

/** Validates a query's `accountId` argument (or picks the default) before any upstream call. */
export function resolveAccountId(
  context: GatewayContext,
  argument: string | null | undefined,
  path: readonly (string | number)[] = ['accountId'],
): string {
  const parsed = accountIdFor(context).safeParse(argument);
  if (parsed.success) return parsed.data;
  throw badUserInput(parsed.error.issues[0]?.message ?? '`accountId` is invalid', path);
}
