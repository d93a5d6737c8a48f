import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { renderFreshnessTable } from '../../src/upstream/freshness.js';

describe('the freshness table', () => {
  test('docs/freshness.md holds the table the catalogue renders (run `npm run docs:freshness` when this fails)', () => {
    const document = readFileSync(new URL('../../docs/freshness.md', import.meta.url), 'utf8');
    expect(document).toContain(
      `<!-- freshness-table -->\n${renderFreshnessTable(loadConfig({}).cache.ttls)}\n<!-- /freshness-table -->`,
    );
  });

  test('a trace is said to stay true longer than a message, and its own moves and releases make it stale', () => {
    const table = renderFreshnessTable(loadConfig({}).cache.ttls);
    const trace = table.split('\n').find((row) => row.includes('trace.get')) ?? '';
    expect(trace).toContain('300 s');
    expect(trace).toMatch(/E8, E9, E10, E11/);
  });
});
