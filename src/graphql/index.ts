import './scalars.js';
import './enums.js';
import './message/sender-authentication.js';
import './message/detection.js';
import './message/trace.js';
import './message/preview.js';
import './message/types.js';
import './message/queries.js';
import './results.js';
import './message/move.js';
import './message/release.js';
import './message/reclassify.js';
import './intel/miscategorization.js';
import './insight/queries.js';
import './insight/mutations.js';
import './bulk/queries.js';
import './bulk/mutations.js';
import './bulk/progress.js';
import './message/triage-queue.js';
import './upstream-budget/query.js';
import { builder } from './builder.js';

export const schema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.9',
  federationDirectives: ['@key', '@shareable', '@cost', '@listSize'],
});
