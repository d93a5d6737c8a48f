import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  documentId,
  execute,
  MessageDetailsDocument,
  persistedDocuments,
  TriagePageDocument,
} from '../../client/index.js';
import { loadTriage } from '../../examples/typed-client/triage.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let endpoint: string;
let outDir: string;

beforeAll(async () => {
  t = await startTestGateway();
  ({ url: endpoint } = await t.listen());
  outDir = await mkdtemp(join(tmpdir(), 'esgw-client-'));
});
afterAll(async () => {
  await t.close();
  await rm(outDir, { recursive: true, force: true });
});

describe('the typed client (client/, @email-security-gateway/client)', () => {
  test('the example triage screen gets typed rows from a running gateway', async () => {
    const rows = await loadTriage(endpoint);
    expect(rows).toHaveLength(10);
    for (const row of rows)
      expect(row).toEqual({
        id: expect.any(String),
        subject: expect.any(String),
        disposition: expect.any(String),
        action: expect.any(String),
      });
  });

  test('the example run with no gateway listening prints one line saying to start one, not a fetch stack', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = `http://127.0.0.1:${port}/graphql`;
    const failed = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'examples/typed-client/triage.ts',
      nowhere,
    ]).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toBe(
      `triage: no gateway is listening at ${nowhere}: start one with \`npm start\` (or pass its URL as the first argument)\n`,
    );
  }, 30_000);

  test('every generated document carries its trusted-document id, and execute sends that id alone to a PERSISTED_OPERATIONS_ONLY gateway', async () => {
    const id = documentId(TriagePageDocument);
    expect(persistedDocuments[id]).toMatch(/^query TriagePage/);
    const trusted = await startTestGateway({ env: { PERSISTED_OPERATIONS_ONLY: 'true' } });
    const first = trusted.sim.state.listMessages(SIMULATOR_ACCOUNT_ID)[0]?.id;
    try {
      const details = await execute(
        'http://trusted.test/graphql',
        MessageDetailsDocument,
        { id: first as string },
        {
          persistedOnly: true,
          fetch: ((input: string, init: RequestInit) =>
            trusted.gateway.yoga.fetch(input, init)) as unknown as typeof fetch,
        },
      );
      expect(details.errors).toBeUndefined();
      expect(details.data?.message?.id).toBe(first);
    } finally {
      await trusted.close();
    }
  });

  test('npm run client:build emits JavaScript and declarations that Node imports and runs with no dependency installed', async () => {
    await promisify(execFile)(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'client/tsconfig.json',
      '--outDir',
      outDir,
    ]);
    const built = (await import(
      pathToFileURL(join(outDir, 'client/index.js')).href
    )) as typeof import('../../client/index.js');
    const { data, errors } = await built.execute(endpoint, built.TriagePageDocument, { first: 2 });
    expect(errors).toBeUndefined();
    expect(data?.messages.edges).toHaveLength(2);
  }, 60_000);
});
