/**
 * Outputs of a benchmark run: latest.json, the `## Benchmarks` section of benchmarks.md (other
 * sections of that file are kept) and benchmarks.svg (hand-written SVG).
 *
 * A plain run writes them to bench/out/ (gitignored), so trying `npm run bench` or `npm run soak`
 * leaves the working tree clean; `--publish` (or BENCH_PUBLISH=1) writes the tracked, published
 * files instead: bench/results/latest.json, docs/benchmarks.md and docs/benchmarks.svg.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { headline } from './headline.js';
import { ROOT } from './processes.js';
import { renderMarkdown, SECTION } from './report-markdown.js';
import { renderSvg } from './report-svg.js';
import type { BenchResults } from './results.js';

/** `--publish` on the command line or BENCH_PUBLISH=1: overwrite the tracked, published results. */
export function publishRequested(argv = process.argv, env = process.env): boolean {
  return argv.includes('--publish') || env.BENCH_PUBLISH === '1';
}

export interface OutputPaths {
  /** Folder for latest.json, soak.json and soak.md. */
  resultsDir: string;
  doc: string;
  svg: string;
}

export function outputPaths(publish = publishRequested()): OutputPaths {
  if (publish)
    return {
      resultsDir: join(ROOT, 'bench/results'),
      doc: join(ROOT, 'docs/benchmarks.md'),
      svg: join(ROOT, 'docs/benchmarks.svg'),
    };
  const out = join(ROOT, 'bench/out');
  return { resultsDir: out, doc: join(out, 'benchmarks.md'), svg: join(out, 'benchmarks.svg') };
}

/** The document a section is written into: the published one as the starting point of a private copy. */
function readDoc(paths: OutputPaths): string {
  const published = join(ROOT, 'docs/benchmarks.md');
  const source = existsSync(paths.doc) ? paths.doc : published;
  return existsSync(source) ? readFileSync(source, 'utf8') : '# Performance\n';
}

export function writeReports(results: BenchResults, paths = outputPaths()): OutputPaths {
  results.headline = headline(results);
  mkdirSync(paths.resultsDir, { recursive: true });
  writeFileSync(join(paths.resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(paths.svg, renderSvg(results));
  writeFileSync(paths.doc, replaceSection(readDoc(paths), renderMarkdown(results)));
  return paths;
}

/** Replaces one `## ` section of benchmarks.md (the soak writes `## Soak` the same way). */
export function writeDocSection(heading: string, section: string, paths = outputPaths()): void {
  mkdirSync(dirname(paths.doc), { recursive: true });
  writeFileSync(paths.doc, replaceSection(readDoc(paths), section, heading));
}

/** Replaces the `## Benchmarks` (or another) section, up to the next `## ` heading, or appends it. */
export function replaceSection(document: string, section: string, heading = SECTION): string {
  const lines = document.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading || line.startsWith(`${heading} `));
  if (start === -1) return `${document.replace(/\s*$/, '')}\n\n${section.trim()}\n`;
  let end = lines.findIndex((line, index) => index > start && /^## /.test(line));
  if (end === -1) end = lines.length;
  const before = lines.slice(0, start).join('\n').replace(/\s*$/, '');
  const after = lines.slice(end).join('\n').trim();
  return `${before ? `${before}\n\n` : ''}${section.trim()}\n${after ? `\n${after}\n` : ''}`;
}
