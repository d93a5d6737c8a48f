import type { CfTrace } from '../../upstream/schemas.js';
import { builder } from '../builder.js';

type TraceSide = CfTrace['inbound'];
type TraceLine = NonNullable<TraceSide['lines']>[number];

const TraceLineRef = builder.objectRef<TraceLine>('TraceLine').implement({
  description: 'One line of a delivery trace.',
  fields: (t) => ({
    lineno: t.exposeFloat('lineno', { description: 'Line number in the trace log.' }),
    loggedAt: t.field({
      type: 'DateTime',
      description: 'When the line was logged.',
      resolve: (line) => line.logged_at ?? null,
    }),
    message: t.exposeString('message', { description: 'The log message.' }),
    ts: t.field({
      type: 'DateTime',
      description: 'When the line was logged (legacy field).',
      deprecationReason: 'Cloudflare deprecated `ts`; use `loggedAt`.',
      resolve: (line) => line.ts ?? null,
    }),
  }),
});

const TraceSideRef = builder.objectRef<TraceSide>('TraceSide').implement({
  description: 'One direction of a delivery trace.',
  fields: (t) => ({
    pending: t.exposeBoolean('pending', { description: 'True while more lines may still arrive.' }),
    lines: t.field({
      type: [TraceLineRef],
      description: 'The trace lines, in order.',
      resolve: (side) => side.lines ?? [],
    }),
  }),
});

/** E7 */
export const TraceRef = builder.objectRef<CfTrace>('Trace').implement({
  description: 'Delivery and processing trace of a message (E7): delivery path, retractions and moves.',
  fields: (t) => ({
    inbound: t.field({
      type: TraceSideRef,
      nullable: false,
      description: 'Inbound processing.',
      resolve: (trace) => trace.inbound,
    }),
    outbound: t.field({
      type: TraceSideRef,
      nullable: false,
      description: 'Outbound processing.',
      resolve: (trace) => trace.outbound,
    }),
  }),
});
