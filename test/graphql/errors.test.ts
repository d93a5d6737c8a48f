import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ERROR_CODES, MUTATION_ERROR_CODES } from '../../src/graphql/errors.js';

describe('the closed list of error codes', () => {
  test("the README's error table lists exactly the codes the gateway can answer with", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Error codes'),
      readme.indexOf('\n## ', readme.indexOf('## Error codes') + 1),
    );
    const documented = new Set(
      section
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z_]+)`/g)].map((match) => match[1])),
    );
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
  });

  test('every code a typed mutation error can carry is one of them', () => {
    for (const code of MUTATION_ERROR_CODES) expect(ERROR_CODES).toContain(code);
  });
});
