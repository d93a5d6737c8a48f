/**
 * What the insight mutations answer: the classify and dismiss payloads, with the insight read fresh
 * after the change and the classification steps the gateway sent.
 */
import type { GatewayContext } from '../../context.js';
import { cloudflareCalls, builder, type GatewaySchemaTypes } from '../builder.js';
import { UserClassification } from '../enums.js';
import type { MutationErrorCode } from '../errors.js';
import { ActionErrorCode } from '../results.js';
import type { ResolvedScope } from '../validation.js';
import { findInsight } from './lookup.js';
import { InsightScopeKind, resolvedScopeOf } from './scope.js';
import { type InsightShape, InsightRef } from './types.js';

type ScopeKind = ResolvedScope['kind'];

export const InsightClassificationStep = builder.enumType('InsightClassificationStep', {
  description: 'One PATCH of the classification (S3) the gateway sent.',
  values: {
    RESET: { description: 'Set the classification to null.' },
    SET: { description: 'Set the requested classification (a no-op at Cloudflare when it already had that value).' },
  } as const,
});
export type Step = typeof InsightClassificationStep.$inferType;

export interface StepFailure {
  step: Step;
  code: MutationErrorCode;
  message: string;
}

const InsightStepFailureRef = builder.objectRef<StepFailure>('InsightStepFailure').implement({
  description: 'A step that failed after an earlier one was applied.',
  fields: (t) => ({
    step: t.field({
      type: InsightClassificationStep,
      nullable: false,
      description: 'The step that failed.',
      resolve: (f) => f.step,
    }),
    code: t.field({
      type: ActionErrorCode,
      nullable: false,
      description: 'Why (OUTCOME_UNKNOWN: it may have been applied after all).',
      resolve: (f) => f.code,
    }),
    message: t.exposeString('message', { nullable: false, description: 'Human-readable explanation.' }),
  }),
});

interface ScopedPayload {
  id: string;
  scopeKind: ScopeKind;
  scopeId: string;
  replayed: boolean;
}

export interface ClassifyPayload extends ScopedPayload {
  classification: string | null;
  previousClassification: string | null;
  previousClassificationKnown: boolean;
  steps: Step[];
  complete: boolean;
  failure: StepFailure | null;
}

export interface DismissPayload extends ScopedPayload {
  dismissed: boolean;
}

/** Fresh read of the changed insight for a payload (bounded S1 scan, see `insight`). */
async function freshInsight(context: GatewayContext, payload: ScopedPayload): Promise<InsightShape | null> {
  const found = await findInsight(context, resolvedScopeOf(payload), payload.id, { fresh: true });
  return found.insight;
}

/** The payloads' `insight`: read fresh after the change; needs `read` (checked before any fetch). */
function freshInsightField<P extends Parameters<typeof freshInsight>[1]>(
  t: PothosSchemaTypes.ObjectFieldBuilder<GatewaySchemaTypes, P>,
) {
  return t.field({
    authScopes: { read: true },
    type: InsightRef,
    directives: cloudflareCalls(1),
    description:
      'The insight as Cloudflare shows it now (read fresh after the change: a bounded S1 scan, usually one call).',
    resolve: (p, _a, c) => freshInsight(c, p),
  });
}

/** The payloads' scope: which account or zone the insight belongs to. */
function scopeFields<P extends Parameters<typeof freshInsight>[1]>(
  t: PothosSchemaTypes.ObjectFieldBuilder<GatewaySchemaTypes, P>,
) {
  return {
    scopeKind: t.field({
      type: InsightScopeKind,
      nullable: false,
      description: 'Account or zone.',
      resolve: (p) => p.scopeKind,
    }),
    accountId: t.string({
      description: 'Account of the insight (null for zone insights).',
      resolve: (p) => (p.scopeKind === 'ACCOUNT' ? p.scopeId : null),
    }),
    zoneId: t.string({
      description: 'Zone of the insight (null for account insights).',
      resolve: (p) => (p.scopeKind === 'ZONE' ? p.scopeId : null),
    }),
  };
}

export const ClassifyInsightPayloadRef = builder.objectRef<ClassifyPayload>('ClassifyInsightPayload').implement({
  description:
    'What the classification change did. Cloudflare refuses a direct change between two classifications (S3), so with `replaceExisting` the gateway may send two PATCHes (RESET, SET); `steps` says which were applied. When `complete` is false the change is half-applied: the insight is now unclassified, and `failure` says why the SET failed.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Cloudflare issue id.' }),
    ...scopeFields(t),
    classification: t.field({
      type: UserClassification.ref,
      description: 'The classification requested (null = reset).',
      resolve: (p) => p.classification as never,
    }),
    previousClassification: t.field({
      type: UserClassification.ref,
      description:
        'The classification before the change, when the gateway read it (only with `replaceExisting: true`, see `previousClassificationKnown`); null when it was unclassified or not read.',
      resolve: (p) => p.previousClassification as never,
    }),
    previousClassificationKnown: t.exposeBoolean('previousClassificationKnown', {
      nullable: false,
      description:
        'Whether `previousClassification` was actually read (true) or is unknown (false, the gateway did not spend a call on it).',
    }),
    steps: t.field({
      type: [InsightClassificationStep],
      nullable: false,
      description: 'PATCHes Cloudflare accepted, in order. Empty when nothing had to change.',
      resolve: (p) => p.steps,
    }),
    complete: t.exposeBoolean('complete', {
      nullable: false,
      description: 'True when every needed step was applied; false when RESET was applied and SET failed.',
    }),
    failure: t.field({
      type: InsightStepFailureRef,
      description: 'The failed step, when `complete` is false.',
      resolve: (p) => p.failure,
    }),
    insight: freshInsightField(t),
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: 'True when this is the stored result of an earlier request with the same idempotency key.',
    }),
  }),
});

export const DismissInsightPayloadRef = builder.objectRef<DismissPayload>('DismissInsightPayload').implement({
  description: 'The insight was dismissed (archived) or restored (S2).',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Cloudflare issue id.' }),
    ...scopeFields(t),
    dismissed: t.exposeBoolean('dismissed', {
      nullable: false,
      description: 'The dismissed state requested and accepted.',
    }),
    insight: freshInsightField(t),
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: 'True when this is the stored result of an earlier request with the same idempotency key.',
    }),
  }),
});
