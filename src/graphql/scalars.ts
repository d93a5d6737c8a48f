import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.js';

/**
 * Cloudflare sends RFC 3339 timestamps, except the deprecated `ts` fields which have no zone
 * (`2019-11-20T23:22:01`, contract#message): those are UTC and are serialised with a `Z`.
 */
function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string') return null;
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? null : date;
}

builder.scalarType('DateTime', {
  description: 'An instant in time, as an ISO 8601 / RFC 3339 string in UTC (e.g. `2024-01-05T10:00:00.000Z`).',
  serialize: (value) => {
    const date = toDate(value);
    if (!date) throw new GraphQLError(`DateTime cannot represent ${JSON.stringify(value)}`);
    return date.toISOString();
  },
  parseValue: (value) => {
    const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? toDate(value) : null;
    if (!date)
      throw new GraphQLError('DateTime must be an ISO 8601 date-time such as 2024-01-05T10:00:00Z', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    return date;
  },
  parseLiteral: (ast) => {
    const date = ast.kind === Kind.STRING && /^\d{4}-\d{2}-\d{2}T/.test(ast.value) ? toDate(ast.value) : null;
    if (!date)
      throw new GraphQLError('DateTime must be an ISO 8601 date-time such as 2024-01-05T10:00:00Z', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    return date;
  },
});

builder.scalarType('JSON', {
  description: 'Arbitrary JSON as Cloudflare returned it (free-form upstream objects such as insight payloads).',
  serialize: (value) => value,
  parseValue: (value) => value,
});
