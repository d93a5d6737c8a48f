import { readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import { print } from 'graphql';
import { describe, expect, test } from 'vitest';
import codegenConfig from '../../codegen.js';
import { MoveMessagesDocument, type TriagePageQuery, TriagePageDocument } from '../../client/generated/gql/graphql.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { useTestGateway, type TestGateway } from '../helpers/gateway.js';

const hashOf = (document: object) => (document as { __meta__?: { hash?: string } }).__meta__?.hash as string;

describe('typed documents (graphql-codegen)', () => {
  test('the generated files match schema/operations and the checked-in schema (run `npm run codegen` when this fails)', async () => {
    const outputs = await generate({ ...codegenConfig, silent: true }, false);
    for (const output of outputs as { filename: string; content: string }[]) {
      expect(await readFile(output.filename, 'utf8'), output.filename).toBe(output.content);
    }
  }, 60_000);
});

describe('trusted documents (PERSISTED_OPERATIONS_ONLY=true)', () => {
  let t: TestGateway;
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { env: { PERSISTED_OPERATIONS_ONLY: 'true' } },
  );

  async function post(body: Record<string, unknown>) {
    const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
  }

  test('a manifest operation runs by documentId and returns typed data', async () => {
    const result = (await post({ documentId: hashOf(TriagePageDocument), variables: { first: 3 } })) as {
      data?: TriagePageQuery;
    };
    expect(result.data?.messages.edges).toHaveLength(3);
  });

  test('the APQ-style sha256Hash extension works too', async () => {
    const result = await post({
      extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(TriagePageDocument).replace('sha256:', '') } },
      variables: { first: 1 },
    });
    expect(result.errors).toBeUndefined();
  });

  test('an arbitrary query is refused and costs no upstream call', async () => {
    t.sim.resetRequests();
    const result = await post({ query: print(TriagePageDocument) });
    expect(result.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(t.sim.count()).toBe(0);
  });

  test('an unknown documentId is refused', async () => {
    const result = await post({ documentId: 'sha256:0000' });
    expect(result.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('a trusted mutation runs with its variables', async () => {
    const id = t.sim.state
      .listMessages(SIMULATOR_ACCOUNT_ID)
      .find((m) => m.is_quarantined === false && !(m.delivery_status ?? []).includes('rejected'))?.id;
    const result = (await post({
      documentId: hashOf(MoveMessagesDocument),
      variables: { input: { ids: [id], destination: 'JUNK_EMAIL' } },
    })) as {
      data?: { moveMessages: { __typename: string } };
    };
    expect(result.data?.moveMessages.__typename).toBe('MoveMessagesPayload');
  });
});
