import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { composeSupergraph } from '../../scripts/compose-supergraph.js';

const dir = mkdtempSync(join(tmpdir(), 'esgw-supergraph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run supergraph (scripts/compose-supergraph.ts)', () => {
  test('the README command composes this subgraph with the shipped example cases subgraph', async () => {
    const out = join(dir, 'supergraph.graphql');
    const result = await composeSupergraph([
      '--self',
      'http://email-gateway:4000/graphql',
      'cases=./deploy/supergraph/cases.graphql@http://cases:4000/graphql',
      '--out',
      out,
    ]);
    expect(result.names).toEqual(['email-security', 'cases']);
    const supergraph = readFileSync(out, 'utf8');
    expect(supergraph).toMatch(
      /EMAIL_SECURITY @join__graph\(name: "email-security", url: "http:\/\/email-gateway:4000\/graphql"\)/,
    );
    expect(supergraph).toMatch(/CASES @join__graph\(name: "cases", url: "http:\/\/cases:4000\/graphql"\)/);
    expect(supergraph).toMatch(/cases: \[Case!\]! @join__field\(graph: CASES\)/);
  });

  test('a missing subgraph file is one readable line naming the file and the subgraph, exit 1, no stack trace', async () => {
    const run = promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'scripts/compose-supergraph.ts',
      'cases=./cases.graphql@http://cases:4000/graphql',
      '--out',
      join(dir, 'x.graphql'),
    ]);
    const failure = (await run.catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr.trim()).toBe(
      'supergraph: subgraph "cases": cannot read ./cases.graphql (no such file). Pass the file with its SDL, e.g. cases=./deploy/supergraph/cases.graphql@http://cases:4000/graphql',
    );
  });

  test('an argument that is not name=path@url is refused with a message showing the expected form', async () => {
    await expect(composeSupergraph(['cases.graphql'])).rejects.toThrow('expected name=path@url, got "cases.graphql"');
  });

  test('without --self the supergraph routes to this gateway on 127.0.0.1:4001, beside a router on 4000', async () => {
    const out = join(dir, 'local.graphql');
    await composeSupergraph(['--out', out]);
    expect(readFileSync(out, 'utf8')).toMatch(
      /EMAIL_SECURITY @join__graph\(name: "email-security", url: "http:\/\/127\.0\.0\.1:4001\/graphql"\)/,
    );
  });
});
