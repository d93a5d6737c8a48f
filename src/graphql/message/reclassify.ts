/**
 * Reclassify a message (E10): type, input schema and the upstream call; the pipeline
 * (../mutation.ts) does validation, scope, idempotency, outcome and audit.
 */
import { z } from 'zod';
import { accountIdArgOptions } from '../account.js';
import { builder, cloudflareCalls } from '../builder.js';
import { ReclassifyDisposition } from '../enums.js';
import { defineMutation, idempotencyKeyField } from '../mutation.js';
import { accountIdFor, investigateIdSchema } from '../validation.js';
import { forget } from './batched-writes.js';
import { MessageRef, loadMessage } from './types.js';

interface ReclassifyPayload {
  id: string;
  accountId: string;
  expectedDisposition: string;
  replayed: boolean;
}

const ReclassifyPayloadRef = builder.objectRef<ReclassifyPayload>('ReclassifyMessagePayload').implement({
  description: 'The reclassification was accepted; Cloudflare processes it asynchronously.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Investigate id.' }),
    expectedDisposition: t.field({
      type: ReclassifyDisposition.ref,
      nullable: false,
      description: 'The disposition reported.',
      resolve: (p) => p.expectedDisposition as never,
    }),
    updatedMessage: t.field({
      // Reading mail in a payload needs `read` too; checked before the resolver, so no fetch is made.
      authScopes: { read: true },
      type: MessageRef,
      directives: cloudflareCalls(1),
      description:
        'The message as Cloudflare shows it now (its action log records the reclassification). Not named `message`, which every error type uses for its text.',
      resolve: (p, _a, c) => loadMessage(c, { accountId: p.accountId, id: p.id }),
    }),
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: 'True when this is the stored result of an earlier request with the same idempotency key.',
    }),
  }),
});

const ReclassifyMessageInput = builder.inputType('ReclassifyMessageInput', {
  description: 'Report a false positive or false negative (E10).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Investigate id.' }),
    expectedDisposition: t.field({
      type: ReclassifyDisposition.ref,
      required: true,
      description: 'The disposition the message should have had.',
    }),
    emlContent: t.string({ description: 'Base64-encoded EML of the message (optional; never logged).' }),
    escalatedSubmissionId: t.string({ description: 'Id of an escalated submission this relates to.' }),
    accountId: t.string(accountIdArgOptions),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const emlSchema = z
  .string()
  .transform((value) => value.replace(/\s+/g, ''))
  .refine((value) => value.length > 0 && BASE64.test(value), 'must be base64-encoded EML')
  .nullish();

defineMutation('reclassifyMessage', {
  directives: cloudflareCalls(1),
  description:
    'Report that a message should have had another disposition (E10); Cloudflare processes it asynchronously. Requires `email-security:write`.',
  input: ReclassifyMessageInput,
  inputDescription: 'The message and its expected disposition.',
  payload: ReclassifyPayloadRef,
  result: { name: 'ReclassifyMessageResult', description: 'The reclassification payload, or a typed error.' },
  schema: (context) =>
    z.object({
      id: investigateIdSchema,
      expectedDisposition: z.string(),
      emlContent: emlSchema,
      escalatedSubmissionId: z.string().nullish(),
      accountId: accountIdFor(context),
    }),
  target: (input) => ({
    accountId: input.accountId,
    ids: [input.id],
    details: {
      expectedDisposition: input.expectedDisposition,
      withEml: Boolean(input.emlContent),
      escalatedSubmissionId: input.escalatedSubmissionId ?? null,
    },
  }),
  run: async (context, { id, accountId, expectedDisposition, emlContent, escalatedSubmissionId }) => {
    await context.client.emailSecurity.investigate.reclassify.create(accountId, id, {
      expected_disposition: expectedDisposition,
      ...(emlContent ? { eml_content: emlContent } : {}),
      ...(escalatedSubmissionId ? { escalated_submission_id: escalatedSubmissionId } : {}),
    });
    return { id, accountId, expectedDisposition, replayed: false };
  },
  audit: (payload) => ({ result: 'applied', outcomes: [{ id: payload.id, outcome: 'ACCEPTED' }] }),
  settle: (context, { id, accountId }) => forget(context, accountId, [id]),
});
