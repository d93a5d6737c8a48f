import './scalars.js';
import './enums.js';
import './types/validation.js';
import './types/detection.js';
import './types/trace.js';
import './types/preview.js';
import './types/message.js';
import './types/message-search.js';
import './results.js';
import './types/move.js';
import './types/release.js';
import './types/reclassify.js';
import './types/intel.js';
import './types/insight.js';
import './types/insight-mutations.js';
import './types/bulk.js';
import './types/bulk-mutations.js';
import './types/bulk-progress.js';
import './types/triage-queue.js';
import './types/budget.js';
import { builder } from './builder.js';

export const schema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.9',
  federationDirectives: ['@key', '@shareable', '@cost', '@listSize'],
});
