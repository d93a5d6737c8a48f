/**
 * An internal app's triage screen on the typed client. In the app itself:
 *   npm run client:build                                   (in this repository: client/dist/)
 *   npm install /path/to/email-security-gateway/client     (or publish client/ to your registry)
 * and import from '@email-security-gateway/client' instead of the relative path below.
 *
 * Run against a gateway: node --import tsx examples/typed-client/triage.ts [http://127.0.0.1:4000/graphql]
 * (with GATEWAY_TOKEN=… when it verifies JWTs: `GATEWAY_TOKEN=$(npm run -s token)`)
 */
import { pathToFileURL } from 'node:url';
import { execute, type TriagePageQuery, TriagePageDocument } from '../../client/index.js';

export interface TriageRow {
  id: string;
  subject: string;
  disposition: string;
  action: string;
}

type Message = NonNullable<NonNullable<NonNullable<TriagePageQuery['messages']['edges']>[number]>['node']>;

export async function loadTriage(endpoint: string, token?: string): Promise<TriageRow[]> {
  const { data, errors } = await execute(
    endpoint,
    TriagePageDocument,
    { first: 10 },
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  if (!data)
    throw new Error(
      `triage page failed: ${errors?.map((error) => `${error.extensions?.code ?? ''} ${error.message}`).join('; ')}`,
    );
  const messages = (data.messages.edges ?? []).flatMap((edge) => (edge?.node ? [edge.node] : []));
  return messages.map((message: Message) => ({
    id: message.id,
    subject: message.subject ?? '(no subject)',
    disposition: message.finalDisposition ?? 'NONE',
    action: message.detection?.action ?? '-',
  }));
}

/** One line for a person at a terminal: what went wrong and what to do, not fetch's stack. */
export function explainFailure(endpoint: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED')
    return `no gateway is listening at ${endpoint}: start one with \`npm start\` (or pass its URL as the first argument)`;
  if (cause?.code === 'ENOTFOUND') return `${new URL(endpoint).hostname} does not resolve (endpoint ${endpoint})`;
  const reason = cause?.code ? `${(error as Error).message} (${cause.code})` : (error as Error).message;
  return `${endpoint}: ${reason}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const endpoint = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
  try {
    const rows = await loadTriage(endpoint, process.env.GATEWAY_TOKEN);
    for (const row of rows) console.log(`${row.disposition.padEnd(14)} ${row.action.padEnd(12)} ${row.subject}`);
  } catch (error) {
    console.error(`triage: ${explainFailure(endpoint, error)}`);
    process.exitCode = 1;
  }
}
