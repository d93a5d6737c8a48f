/**
 * `npm run docs:freshness`: rewrites the table in docs/freshness.md from the endpoint catalogue
 * (src/upstream/freshness.ts) with the default TTLs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { renderFreshnessTable } from '../src/upstream/freshness.js';

const path = new URL('../docs/freshness.md', import.meta.url);
const document = readFileSync(path, 'utf8');
const start = document.indexOf('<!-- freshness-table -->');
const end = document.indexOf('<!-- /freshness-table -->');
if (start === -1 || end === -1) throw new Error('docs/freshness.md lacks the freshness-table markers');
const table = renderFreshnessTable(loadConfig({}).cache.ttls);
writeFileSync(path, `${document.slice(0, start)}<!-- freshness-table -->\n${table}\n${document.slice(end)}`);
