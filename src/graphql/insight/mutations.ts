/**
 * Insight mutations: classify (S3) and dismiss (S2). Types, input schemas and the upstream calls;
 * the pipeline (../mutation.ts) does validation, scope, idempotency, outcome and audit.
 */
import { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import { UpstreamBadRequestError } from '../../upstream/errors.js';
import { cloudflareCalls, builder } from '../builder.js';
import { UserClassification } from '../enums.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { classifyFailure, defineMutation, idempotencyKeyField } from '../mutation.js';
import { insightIdSchema, insightScopeSchema, type ResolvedScope } from '../validation.js';
import { cacheFor, findInsight } from './lookup.js';
import {
  type ClassifyPayload,
  ClassifyInsightPayloadRef,
  DismissInsightPayloadRef,
  type Step,
  type StepFailure,
} from './payloads.js';
import { InsightScopeInput, scopeKey } from './scope.js';

/**
 * Removes the insight from this request's cache so the payload's `insight` is read fresh (the write
 * itself made the scope's listings, counts and audit logs stale in the shared cache: the catalogue's
 * `invalidates`, applied by the call path).
 */
function forgetInsight(context: GatewayContext, scope: ResolvedScope, id: string) {
  cacheFor(context, scope).delete(id);
}

const ClassifyInsightInput = builder.inputType('ClassifyInsightInput', {
  description: 'Classify an insight, or reset its classification (S3).',
  fields: (t) => ({
    scope: t.field({ type: InsightScopeInput, required: true, description: 'Account or zone of the insight.' }),
    id: t.id({ required: true, description: 'Cloudflare issue id.' }),
    classification: t.field({
      type: UserClassification.ref,
      description: 'The new classification; null (or absent) resets it.',
    }),
    rationale: t.string({
      description: 'Why. Required (non-blank) for ACCEPT_RISK and OTHER; Cloudflare keeps it in the insight audit log.',
    }),
    replaceExisting: t.boolean({
      defaultValue: false,
      description:
        'Cloudflare refuses a direct change between two classifications (S3). When true, the gateway reads the current value and, if needed, resets it to null before setting the new one (two PATCHes). When false, such a change is a ConflictError.',
    }),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

const DismissInsightInput = builder.inputType('DismissInsightInput', {
  description: 'Dismiss (archive) an insight, or restore it (S2).',
  fields: (t) => ({
    scope: t.field({ type: InsightScopeInput, required: true, description: 'Account or zone of the insight.' }),
    id: t.id({ required: true, description: 'Cloudflare issue id.' }),
    dismiss: t.boolean({ defaultValue: true, description: 'true dismisses, false restores.' }),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

/** S3's refusal of a direct change (older docs: "Cannot change directly between classification values - must reset to null first."). */
function isDirectChangeRefusal(error: unknown): boolean {
  if (!(error instanceof UpstreamBadRequestError) || error.endpoint === null) return false;
  const texts = [error.message, ...error.cloudflareErrors.map((item) => item.message ?? '')];
  return texts.some((text) => /cannot change directly|must reset to null/i.test(text));
}

const directChangeConflict = (id: string) =>
  new ConflictError(
    `Insight ${id} already has a different classification and Cloudflare cannot change directly between two classifications: reset to null first or pass replaceExisting: true`,
  );

/**
 * Classification change, fewest calls first:
 * - replaceExisting false (the usual case): one PATCH, no read. Cloudflare itself refuses a direct
 *   change (S3) with a 400 we map to ConflictError, so a read would only add a call.
 * - replaceExisting true with a non-null target: read first (usually one S1 call), then RESET + SET
 *   only when needed, so exactly the two PATCHes the rule requires and no failed one. Trying the SET
 *   first would cost the same in the conflict case (failed SET + RESET + SET) but leave a refused
 *   request in Cloudflare's logs and could not report `previousClassification`. When the bounded read
 *   cannot see the insight, it falls back to try-then-reset.
 */
async function classify(
  context: GatewayContext,
  scope: ResolvedScope,
  id: string,
  input: ClassifyParsed,
): Promise<ClassifyPayload> {
  const target = input.classification ?? null;
  const rationale = input.rationale?.trim() ? input.rationale : undefined;
  const patch = (classification: string | null) =>
    context.client.securityCenter.insights.classification.update(scope.upstream, id, {
      classification,
      ...(rationale ? { rationale } : {}),
    });
  const base = { id, scopeKind: scope.kind, scopeId: scope.id, classification: target, replayed: false };
  const steps: Step[] = [];
  let previous: string | null = null;
  let previousKnown = false;

  const resetThenSet = async (): Promise<ClassifyPayload> => {
    await patch(null);
    steps.push('RESET');
    try {
      await patch(target);
      steps.push('SET');
    } catch (error) {
      // Half-applied: the reset stands. Report it instead of hiding it behind an error.
      // The same outcome table as every write: a SET answered unreadably is OUTCOME_UNKNOWN.
      const typed = classifyFailure(error, true).error;
      const failure: StepFailure = {
        step: 'SET',
        code: typed?.code ?? 'UPSTREAM_ERROR',
        message: `The classification was reset to null, then setting ${target} failed: ${typed?.message ?? 'internal error'}. The insight is now unclassified unless the SET was applied after all.`,
      };
      return {
        ...base,
        previousClassification: previous,
        previousClassificationKnown: previousKnown,
        steps: [...steps],
        complete: false,
        failure,
      };
    }
    return {
      ...base,
      previousClassification: previous,
      previousClassificationKnown: previousKnown,
      steps: [...steps],
      complete: true,
      failure: null,
    };
  };

  if (input.replaceExisting && target !== null) {
    const found = await findInsight(context, scope, id, { fresh: true });
    if (found.insight) {
      previous = found.insight.user_classification ?? null;
      previousKnown = true;
      if (previous === target) {
        return {
          ...base,
          previousClassification: previous,
          previousClassificationKnown: true,
          steps: [],
          complete: true,
          failure: null,
        };
      }
      if (previous !== null) return resetThenSet();
    } else if (found.complete) {
      throw new NotFoundError(
        `Insight ${id} does not exist in ${scope.kind === 'ACCOUNT' ? 'account' : 'zone'} ${scope.id}`,
      );
    }
  }
  try {
    await patch(target);
  } catch (error) {
    if (!isDirectChangeRefusal(error)) throw error;
    if (!input.replaceExisting) throw directChangeConflict(id);
    return resetThenSet();
  }
  steps.push(target === null ? 'RESET' : 'SET');
  return {
    ...base,
    previousClassification: previous,
    previousClassificationKnown: previousKnown,
    steps,
    complete: true,
    failure: null,
  };
}

const classifySchema = z
  .object({
    scope: insightScopeSchema,
    id: insightIdSchema,
    classification: z.string().nullish(),
    rationale: z.string().nullish(),
    replaceExisting: z.boolean().nullish(),
  })
  .superRefine((input, ctx) => {
    // S3 rule (contract#insights): a rationale is required for accept_risk and other; checked here so the request never goes out.
    if ((input.classification === 'accept_risk' || input.classification === 'other') && !input.rationale?.trim()) {
      ctx.addIssue({
        code: 'custom',
        path: ['rationale'],
        message: `is required (non-blank) when classification is ${input.classification === 'accept_risk' ? 'ACCEPT_RISK' : 'OTHER'}`,
      });
    }
  });
type ClassifyParsed = z.infer<typeof classifySchema>;

const auditScope = (scope: ResolvedScope) => ({
  accountId: scope.kind === 'ACCOUNT' ? scope.id : null,
  scope: `${scope.kind === 'ACCOUNT' ? 'accounts' : 'zones'}/${scope.id}`,
});

defineMutation('classifyInsight', {
  // The usual single PATCH; `replaceExisting` may add a read and a reset.
  directives: cloudflareCalls(1),
  description:
    'Classify a Security Center insight or reset its classification (S3). ACCEPT_RISK and OTHER need a rationale (checked before any call). Cloudflare refuses a direct change between two classifications: without `replaceExisting` that is a ConflictError; with it the gateway resets first (see `steps`). Costs one PATCH, or one S1 read + up to two PATCHes with `replaceExisting`. Requires `email-security:write`.',
  input: ClassifyInsightInput,
  inputDescription: 'The insight and its new classification.',
  payload: ClassifyInsightPayloadRef,
  result: { name: 'ClassifyInsightResult', description: 'The classification payload, or a typed error.' },
  schema: () => classifySchema,
  fingerprint: (input) => ({ ...input, scope: scopeKey(input.scope) }),
  target: (input) => ({
    ...auditScope(input.scope),
    ids: [input.id],
    details: {
      classification: input.classification ?? null,
      replaceExisting: input.replaceExisting ?? false,
      withRationale: Boolean(input.rationale?.trim()),
    },
  }),
  run: (context, input) => classify(context, input.scope, input.id, input),
  audit: (payload) => ({
    result: payload.complete ? 'applied' : 'partial',
    outcomes: [
      {
        id: payload.id,
        outcome: payload.complete ? (payload.steps.length > 0 ? 'CLASSIFIED' : 'UNCHANGED') : 'PARTIAL',
        reason: payload.failure?.message ?? null,
      },
    ],
    details: {
      steps: payload.steps,
      previousClassification: payload.previousClassificationKnown ? payload.previousClassification : 'unknown',
    },
  }),
  settle: (context, input) => forgetInsight(context, input.scope, input.id),
});

defineMutation('dismissInsight', {
  directives: cloudflareCalls(1),
  description:
    'Dismiss (archive) a Security Center insight, or restore it with `dismiss: false` (S2, one call). Cloudflare keeps its history; S2 writes no insight audit entry, the gateway’s own audit line records it. Requires `email-security:write`.',
  input: DismissInsightInput,
  inputDescription: 'The insight to dismiss or restore.',
  payload: DismissInsightPayloadRef,
  result: { name: 'DismissInsightResult', description: 'The dismiss payload, or a typed error.' },
  schema: () =>
    z.object({
      scope: insightScopeSchema,
      id: insightIdSchema,
      dismiss: z
        .boolean()
        .nullish()
        .transform((value) => value ?? true),
    }),
  fingerprint: (input) => ({ ...input, scope: scopeKey(input.scope) }),
  target: (input) => ({ ...auditScope(input.scope), ids: [input.id], details: { dismiss: input.dismiss } }),
  run: async (context, { scope, id, dismiss }) => {
    await context.client.securityCenter.insights.dismiss(scope.upstream, id, { dismiss });
    return { id, scopeKind: scope.kind, scopeId: scope.id, dismissed: dismiss, replayed: false };
  },
  audit: (payload) => ({
    result: 'applied',
    outcomes: [{ id: payload.id, outcome: payload.dismissed ? 'DISMISSED' : 'RESTORED' }],
  }),
  settle: (context, input) => forgetInsight(context, input.scope, input.id),
});
