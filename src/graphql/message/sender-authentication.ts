import type { z } from 'zod';
import type { validationSchema } from '../../upstream/schemas.js';
import { builder } from '../builder.js';
import { AuthResult } from '../enums.js';

/** Shared by Message and Detection: both carry the same SPF / DKIM / DMARC block (contract#message). */
export const ValidationRef = builder.objectRef<z.infer<typeof validationSchema>>('Validation').implement({
  description: 'Sender authentication results.',
  fields: (t) => ({
    spf: t.field({
      type: AuthResult.ref,
      description: 'SPF result.',
      resolve: (v, _a, c) => AuthResult.known(v.spf, c.logger),
    }),
    dkim: t.field({
      type: AuthResult.ref,
      description: 'DKIM result.',
      resolve: (v, _a, c) => AuthResult.known(v.dkim, c.logger),
    }),
    dmarc: t.field({
      type: AuthResult.ref,
      description: 'DMARC result.',
      resolve: (v, _a, c) => AuthResult.known(v.dmarc, c.logger),
    }),
    comment: t.exposeString('comment', { description: 'Free-text comment.' }),
  }),
});
