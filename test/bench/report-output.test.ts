import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../../bench/lib/processes.js';
import { outputPaths, publishRequested } from '../../bench/lib/report.js';

describe('where npm run bench / npm run soak write', () => {
  test('a plain run writes to the gitignored bench/out/, never to the tracked docs/ or bench/results/', () => {
    expect(publishRequested(['node', 'bench/run.ts'], {})).toBe(false);
    expect(outputPaths(false)).toEqual({
      resultsDir: join(ROOT, 'bench/out'),
      doc: join(ROOT, 'bench/out/benchmarks.md'),
      svg: join(ROOT, 'bench/out/benchmarks.svg'),
    });
  });

  test('--publish or BENCH_PUBLISH=1 writes the published docs/benchmarks.md, docs/benchmarks.svg and bench/results/', () => {
    expect(publishRequested(['node', 'bench/run.ts', '--publish'], {})).toBe(true);
    expect(publishRequested(['node', 'bench/soak.ts'], { BENCH_PUBLISH: '1' })).toBe(true);
    expect(outputPaths(true)).toEqual({
      resultsDir: join(ROOT, 'bench/results'),
      doc: join(ROOT, 'docs/benchmarks.md'),
      svg: join(ROOT, 'docs/benchmarks.svg'),
    });
  });
});
