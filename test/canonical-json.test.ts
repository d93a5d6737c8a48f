import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../src/canonical-json.js';
import { filterDigest } from '../src/graphql/pagination/cursors.js';
import { inputFingerprint } from '../src/idempotency.js';

const sample = { b: [1, { z: null, y: undefined, x: new Date(0) }], a: null, c: 'é', d: undefined };

describe('canonical JSON (idempotency fingerprints, cursor filter digests)', () => {
  test('two objects with the same members in another key order give the same text', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  test('undefined members are left out, null members only with omitNull', () => {
    expect(canonicalJson(sample)).toBe('{"a":null,"b":[1,{"x":"1970-01-01T00:00:00.000Z","z":null}],"c":"é"}');
    expect(canonicalJson(sample, { omitNull: true })).toBe('{"b":[1,{"x":"1970-01-01T00:00:00.000Z"}],"c":"é"}');
  });

  test('fingerprints and filter digests keep the values stored before they shared one function', () => {
    // Stored idempotency records and issued cursors carry these digests: a change would break replays and paging.
    expect(inputFingerprint(sample)).toBe('d020af310a9bfecb8f5b1e222a29de98531e6fa86ed6f0fcd90eb99fd74bdd5f');
    expect(filterDigest(sample)).toBe('ysZwBlE8b20lPZJuFTSxfv');
  });
});
