/**
 * JSON with every object's keys sorted, so equal values give equal text whatever order their keys
 * were set in: the input of digests (idempotency fingerprints, cursor filter digests). Dates become
 * their ISO string and `undefined` members are left out; with `omitNull`, `null` members too, for
 * digests where a null field and an absent one mean the same thing (a filter).
 */
export function canonicalJson(value: unknown, options: { omitNull?: boolean } = {}): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, options)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined && !(options.omitNull && inner === null))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner, options)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
