import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { LIVE_GRAPHIQL_QUERY } from '../../src/yoga.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createMoveJob, LAST_30_DAYS } from '../helpers/bulk-jobs.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Chromium flags: no sandbox as root, and no background traffic to Google hosts. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let t: TestGateway;
let origin: string;
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { LIVE_POLL_INTERVAL_MS: '250', LIVE_BUDGET_SHARE: '1' } });
  ({ origin } = await t.listen());
  profile = await mkdtemp(join(tmpdir(), 'graphiql-profile-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
  await t.close();
});

describe('GraphiQL in a real browser', () => {
  test('the default triage query runs and shows simulated messages, and the page talks to no other host', async () => {
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${origin}/graphql`);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await page.click('button.graphiql-execute-button');
    // Monaco renders spaces as NBSP, hence \s.
    // totalCount is null against today's cursor-paged E1 (contract#current-api); the page info is always there.
    await page.waitForFunction(() => /"hasNextPage":\s*(true|false)/.test(document.body.innerText), undefined, {
      timeout: 30_000,
    });
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toMatch(/"finalDisposition":\s*"(MALICIOUS|MALICIOUS_BEC|SUSPICIOUS|SPOOF|SPAM|BULK)"/);
    await mkdir('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/graphiql.png' });
    const foreign = requested.filter(
      (url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'),
    );
    expect(foreign).toEqual([]);
    expect(requested.some((url) => url.startsWith(`${origin}/graphql`))).toBe(true);
    await page.close();
  }, 90_000);

  test('a bulkJobProgress subscription run from GraphiQL streams to COMPLETED over SSE (a POST, so CSRF prevention stays on)', async () => {
    const id = await createMoveJob(t, LAST_30_DAYS());
    expect(id).toBeTruthy();
    const subscription = `subscription Progress { bulkJobProgress(id: "${id}") { id status progress isTerminal } }`;
    const page = await context.newPage();
    const streams: { method: string; status: number; contentType: string | undefined }[] = [];
    page.on('response', (response) => {
      if (response.request().headers().accept?.includes('text/event-stream')) {
        streams.push({
          method: response.request().method(),
          status: response.status(),
          contentType: response.headers()['content-type'],
        });
      }
    });
    // GraphiQL opens the operation given in the URL (?query=) in a new tab.
    await page.goto(`${origin}/graphql?query=${encodeURIComponent(subscription)}`);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await page.waitForFunction((expected) => document.body.innerText.includes(expected), 'bulkJobProgress', {
      timeout: 30_000,
    });
    await page.click('button.graphiql-execute-button');
    await page.waitForFunction(
      () =>
        /"status":\s*"COMPLETED"/.test(document.body.innerText) ||
        /CSRF|error/i.test(document.querySelector('.result-window')?.textContent ?? ''),
      undefined,
      { timeout: 30_000 },
    );
    const result = await page.evaluate(
      () => document.querySelector('.result-window')?.textContent ?? document.body.innerText,
    );
    expect(result).not.toMatch(/CSRF/);
    expect(result).toMatch(/"status":\s*"COMPLETED"/);
    expect(result).toMatch(/"isTerminal":\s*true/);
    expect(streams).toEqual([
      { method: 'POST', status: 200, contentType: expect.stringMatching(/^text\/event-stream/) },
    ]);
    await page.close();
  }, 90_000);

  test('the live triage queue tab shows the snapshot and then a message that arrives while it is open', async () => {
    // The page ships the live queue as its second tab…
    const html = await (await fetch(`${origin}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('LiveTriageQueue');
    // …and runs it. Opened through ?query= (as the bulk test does): switching tabs and executing at
    // once races GraphiQL's own operation-name update ("Cannot infer operation TriagePage").
    const page = await context.newPage();
    await page.goto(`${origin}/graphql?query=${encodeURIComponent(LIVE_GRAPHIQL_QUERY)}`);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await page.waitForFunction(() => document.body.innerText.includes('triageQueue'), undefined, { timeout: 30_000 });
    const polls = t.gateway.services.live.stats().polls;
    await page.click('button.graphiql-execute-button');
    await page
      .waitForFunction(() => /"kind":\s*"SNAPSHOT"/.test(document.body.innerText), undefined, { timeout: 30_000 })
      .catch(async (error) => {
        await page.screenshot({ path: 'test/artifacts/graphiql-live-failed.png' });
        throw error;
      });
    await vi.waitFor(() => expect(t.gateway.services.live.stats().polls).toBeGreaterThan(polls), { timeout: 10_000 });
    // Detections only: add until one of the new messages is a detection.
    const arrived = await page
      .waitForFunction(() => /"kind":\s*"ARRIVED"/.test(document.body.innerText), undefined, { timeout: 500 })
      .catch(() => null);
    for (let attempt = 0; !arrived && attempt < 20; attempt++) {
      t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 3);
      const seen = await page
        .waitForFunction(() => /"kind":\s*"ARRIVED"/.test(document.body.innerText), undefined, { timeout: 2_000 })
        .then(() => true)
        .catch(() => false);
      if (seen) break;
    }
    const result = await page.evaluate(() => document.querySelector('.result-window')?.textContent ?? '');
    expect(result).toMatch(/"kind":\s*"ARRIVED"/);
    expect(result).toMatch(/"eventId":/);
    expect(LIVE_GRAPHIQL_QUERY).toContain('triageQueue');
    await page.screenshot({ path: 'test/artifacts/graphiql-live.png' });
    await page.close();
  }, 90_000);
});
