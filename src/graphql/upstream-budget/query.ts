import { UpstreamUnauthenticatedError } from '../../upstream/errors.js';
import { fingerprintCredentials } from '../../upstream/fingerprint.js';
import { resolveCredentials } from '../../context.js';
import { builder } from '../builder.js';

interface BudgetView {
  enabled: boolean;
  limit: number;
  windowSeconds: number;
  remaining: number;
  resetSeconds: number;
  writeReserve: number;
  lockedOut: boolean;
  retryAfterSeconds: number | null;
}

const UpstreamBudgetRef = builder.objectRef<BudgetView>('UpstreamBudget').implement({
  description:
    "The caller's Cloudflare request budget as the gateway tracks it (1,200 requests per 5 minutes per token; going over blocks every call for 5 minutes). Kept in step with Cloudflare's Ratelimit headers and shared across replicas when Redis is configured.",
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', {
      nullable: false,
      description: 'False when the governor is switched off (BUDGET_ENABLED=false).',
    }),
    limit: t.exposeInt('limit', { nullable: false, description: 'Requests per window.' }),
    windowSeconds: t.exposeInt('windowSeconds', { nullable: false, description: 'Window length in seconds.' }),
    remaining: t.exposeInt('remaining', {
      nullable: false,
      description: 'Requests left in the current window (including the share reserved for mutations).',
    }),
    resetSeconds: t.exposeInt('resetSeconds', {
      nullable: false,
      description:
        'Seconds until the oldest requests still counted leave the window (the budget counts any span of the window length), so more become available.',
    }),
    writeReserve: t.exposeInt('writeReserve', {
      nullable: false,
      description: 'Requests of each window only mutations may use.',
    }),
    lockedOut: t.exposeBoolean('lockedOut', {
      nullable: false,
      description: 'True while Cloudflare has locked the credential out after a 429.',
    }),
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      description: 'When locked out: seconds until calls may resume.',
    }),
  }),
});

builder.queryField('upstreamBudget', (t) =>
  t.field({
    type: UpstreamBudgetRef,
    nullable: false,
    description:
      'Remaining Cloudflare budget of the credential this request uses, for UIs to show. Costs no Cloudflare call.',
    resolve: async (_root, _args, context) => {
      const { config, budget } = context.services;
      const base = {
        limit: config.budget.limit,
        windowSeconds: Math.round(config.budget.windowMs / 1000),
        writeReserve: config.budget.writeReserve,
      };
      if (!budget)
        return {
          ...base,
          enabled: false,
          remaining: base.limit,
          resetSeconds: 0,
          lockedOut: false,
          retryAfterSeconds: null,
        };
      const credentials = resolveCredentials(config, context.request);
      if (!credentials)
        throw new UpstreamUnauthenticatedError(
          'No Cloudflare credentials: send Authorization: Bearer <token> or X-Auth-Email + X-Auth-Key',
          { endpoint: null },
        );
      const state = await budget.remaining(fingerprintCredentials(credentials));
      const lockedFor = state.lockedUntil ? Math.ceil((state.lockedUntil - Date.now()) / 1000) : null;
      return {
        ...base,
        enabled: true,
        remaining: state.remaining,
        resetSeconds: Math.max(0, Math.ceil(state.resetMs / 1000)),
        lockedOut: lockedFor !== null,
        retryAfterSeconds: lockedFor,
      };
    },
  }),
);
