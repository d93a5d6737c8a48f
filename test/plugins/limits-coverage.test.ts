import {
  type GraphQLField,
  type GraphQLObjectType,
  getNamedType,
  isAbstractType,
  isObjectType,
  isRequiredArgument,
  parse,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { schema } from '../../src/graphql/index.js';
import { declaredCosts, estimateUpstreamCost } from '../../src/plugins/limits.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { sseReader } from '../helpers/sse.js';

/**
 * Which fields call Cloudflare is measured, not listed: every field of every type is resolved against
 * the simulator once with and once without it selected, and the upstream calls it adds must be what
 * the gateway's estimate adds for it (and so what its `@cost` / `@listSize` say). A field added
 * without a price, or priced wrong, fails here; a type no probe reaches fails too, so a new type
 * needs a way in (a fixture below) before it can go unpriced.
 */

let t: TestGateway;

const ACCOUNT = { accountId: SIMULATOR_ACCOUNT_ID };
/** Per root field: its arguments, made fresh for each run (a job can be cancelled only once). */
type Fixture = () => Promise<Record<string, unknown>>;
const fixtures = new Map<string, Fixture>();

/** Typed mutation errors are built from what the pipeline caught, never from data a resolver loads. */
const isMutationError = (type: GraphQLObjectType) => type.getInterfaces().some((i) => i.name === 'MutationError');
/**
 * Types only an error reaches: the steps' failure (a SET that fails after its RESET) and what the
 * typed errors hold. Plain values, resolved from the object they hang on.
 */
const ONLY_ON_FAILURE = new Set(['InsightStepFailure', 'ValidationIssue', 'CloudflareError']);

async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const { body } = await t.query<T>(query, variables);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

async function createJob(): Promise<string> {
  const data = await gql<{ createBulkAction: { job?: { id: string }; message?: string } }>(
    'mutation($input: CreateBulkActionInput!) { createBulkAction(input: $input) { ... on CreateBulkActionPayload { job { id } } ... on MutationError { message } } }',
    {
      input: {
        action: 'MOVE',
        destination: 'JUNK_EMAIL',
        searchParams: { start: new Date(Date.now() - 30 * 86_400_000).toISOString() },
      },
    },
  );
  if (!data.createBulkAction.job) throw new Error(data.createBulkAction.message);
  return data.createBulkAction.job.id;
}

async function cancelJob(id: string): Promise<void> {
  await gql('mutation($id: ID!) { cancelBulkJob(input: { id: $id }) { __typename } }', { id });
}

/** The paths at which a result holds at least one object. */
function kindsOfObjects(value: unknown, path = '', found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) kindsOfObjects(item, path, found);
  else if (value && typeof value === 'object') {
    found.add(path);
    for (const [key, inner] of Object.entries(value)) kindsOfObjects(inner, `${path}.${key}`, found);
  }
  return found;
}

/** The message whose detection, trace and preview have the most to show, so every nested type has an instance. */
async function richestMessage(): Promise<string> {
  const { messages } = await gql<{ messages: { nodes: { id: string }[] } }>(
    '{ messages(first: 100) { nodes { id } } }',
  );
  let best = { id: '', score: -1 };
  for (const { id } of messages.nodes) {
    const { message } = await gql<{ message: Record<string, unknown> }>(
      `query($id: ID!) { message(id: $id) {
        actionLog { __typename } validation { __typename } findings { __typename }
        detection { attachments { __typename } findings { __typename } headers { __typename } links { __typename }
          senderInfo { __typename } threatCategories { __typename } validation { __typename } }
        trace { inbound { lines { __typename } } outbound { lines { __typename } } } preview { __typename } } }`,
      { id },
    );
    const score = kindsOfObjects(message).size;
    if (score > best.score) best = { id, score };
  }
  return best.id;
}

beforeAll(async () => {
  t = await startTestGateway({
    // One shared poll per subscription probe: the one its topic starts with.
    env: { LIVE_POLL_INTERVAL_MS: '600000' },
  });
  const messageId = await richestMessage();
  const messages = t.sim.state.listMessages(SIMULATOR_ACCOUNT_ID);
  const quarantined = messages.find((message) => message.is_quarantined && message.id !== messageId)?.id;
  const moved = messages.find((message) => message.id !== messageId && message.id !== quarantined)?.id;
  const [insight] = t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID);
  // A seeded finished job, with its messages.
  const finishedJob = t.sim.state.listBulkJobs(SIMULATOR_ACCOUNT_ID).find((job) => job.status === 'COMPLETED')?.job_id;
  const scope = ACCOUNT;
  const fixed =
    (args: Record<string, unknown>): Fixture =>
    () =>
      Promise.resolve(args);
  fixtures.set('Query.message', fixed({ id: messageId }));
  fixtures.set('Query.messages', fixed({ first: 1 }));
  fixtures.set('Query.insights', fixed({ scope, first: 1 }));
  fixtures.set('Query.insight', fixed({ scope, id: insight?.id }));
  fixtures.set('Query.insightCounts', fixed({ scope, groupBy: 'SEVERITY' }));
  fixtures.set('Query.insightAuditLog', fixed({ scope, first: 1 }));
  fixtures.set('Query.bulkJob', fixed({ id: finishedJob }));
  fixtures.set('Query.bulkJobs', fixed({ first: 1 }));
  fixtures.set('Query._entities', fixed({ representations: [{ __typename: 'Message', id: messageId }] }));
  fixtures.set('Mutation.moveMessages', fixed({ input: { ids: [moved], destination: 'JUNK_EMAIL' } }));
  fixtures.set('Mutation.releaseMessages', fixed({ input: { ids: [quarantined] } }));
  fixtures.set('Mutation.reclassifyMessage', fixed({ input: { id: messageId, expectedDisposition: 'SPAM' } }));
  fixtures.set(
    'Mutation.submitMiscategorization',
    fixed({ input: { indicatorType: 'DOMAIN', url: 'example.com', contentAdds: [82] } }),
  );
  fixtures.set(
    'Mutation.classifyInsight',
    fixed({ input: { scope, id: insight?.id, classification: 'FALSE_POSITIVE' } }),
  );
  fixtures.set('Mutation.dismissInsight', fixed({ input: { scope, id: insight?.id } }));
  fixtures.set(
    'Mutation.createBulkAction',
    fixed({
      input: {
        action: 'MOVE',
        destination: 'JUNK_EMAIL',
        searchParams: { start: new Date(Date.now() - 86_400_000).toISOString() },
      },
    }),
  );
  fixtures.set('Mutation.cancelBulkJob', async () => ({ input: { id: await createJob() } }));
  fixtures.set('Mutation.deleteBulkJob', async () => {
    const id = await createJob();
    await cancelJob(id);
    return { input: { id } };
  });
  fixtures.set('Subscription.bulkJobProgress', fixed({ id: finishedJob }));
  fixtures.set('Subscription.triageQueue', fixed({ first: 1 }));
}, 60_000);
afterAll(async () => {
  await t.close();
});

// ───────────────────────────── paths to every type ─────────────────────────────

/** One step from a type to the next: a field, and the member type when the field is abstract. */
interface Step {
  parent: GraphQLObjectType;
  field: GraphQLField<unknown, unknown>;
  member: GraphQLObjectType | null;
}

const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
  (root): root is GraphQLObjectType => root != null,
);
const coordinate = (step: Pick<Step, 'parent' | 'field'>) => `${step.parent.name}.${step.field.name}`;

/** The shortest way in to each object type from a root, through fields the fixtures can call. */
function pathsToTypes(): Map<GraphQLObjectType, Step[]> {
  const paths = new Map<GraphQLObjectType, Step[]>(roots.map((root) => [root, []]));
  const queue = [...roots];
  for (let type = queue.shift(); type; type = queue.shift()) {
    const path = paths.get(type) as Step[];
    for (const field of Object.values(type.getFields())) {
      // `_entities` is probed as a field; its members have their own ways in.
      if (field.name === '_entities') continue;
      if (path.length === 0 && field.args.some(isRequiredArgument) && !fixtures.has(`${type.name}.${field.name}`)) {
        continue;
      }
      const named = getNamedType(field.type);
      const members = isAbstractType(named) ? schema.getPossibleTypes(named) : isObjectType(named) ? [named] : [];
      for (const member of members) {
        if (paths.has(member) || isMutationError(member)) continue;
        paths.set(member, [...path, { parent: type, field, member: isAbstractType(named) ? member : null }]);
        queue.push(member);
      }
    }
  }
  return paths;
}

// ───────────────────────────── one probe ─────────────────────────────

interface Probe {
  operation: 'query' | 'mutation' | 'subscription';
  text: string;
  variables: Record<string, unknown>;
}

/** An operation down `path` that selects `__typename` and, when given, `field` on the type at its end. */
async function probe(
  path: Step[],
  root: GraphQLObjectType,
  field: GraphQLField<unknown, unknown> | null,
): Promise<Probe> {
  const operation =
    root === schema.getMutationType() ? 'mutation' : root === schema.getSubscriptionType() ? 'subscription' : 'query';
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  const argumentsOf = async (step: Pick<Step, 'parent' | 'field'>, atRoot: boolean): Promise<string> => {
    const fixture = fixtures.get(coordinate(step));
    if (atRoot && fixture) {
      const values = await fixture();
      for (const [name, value] of Object.entries(values)) {
        const argument = step.field.args.find((arg) => arg.name === name);
        if (!argument) throw new Error(`${coordinate(step)} has no argument ${name}`);
        variables[`${step.field.name}_${name}`] = value;
        definitions.push(`$${step.field.name}_${name}: ${String(argument.type)}`);
      }
      return `(${Object.keys(values)
        .map((name) => `${name}: $${step.field.name}_${name}`)
        .join(', ')})`;
    }
    const required = step.field.args.filter(isRequiredArgument);
    if (required.length > 0) throw new Error(`${coordinate(step)} needs a fixture for ${required.map((a) => a.name)}`);
    // One item per page, so each field below it resolves once, as the estimate counts it.
    return step.field.args.some((arg) => arg.name === 'first') ? '(first: 1)' : '';
  };
  const end = path.at(-1)?.member ?? (path.length > 0 ? getNamedType(path.at(-1)?.field.type) : root);
  let inner = '__typename';
  if (field) {
    const named = getNamedType(field.type);
    const selection = isObjectType(named) || isAbstractType(named) ? ' { __typename }' : '';
    const args = await argumentsOf({ parent: end as GraphQLObjectType, field }, path.length === 0);
    inner = `__typename ${field.name}${args}${selection}`;
  }
  for (let index = path.length - 1; index >= 0; index--) {
    const step = path[index] as Step;
    const body = step.member ? `__typename ... on ${step.member.name} { ${inner} }` : inner;
    inner = `__typename ${step.field.name}${await argumentsOf(step, index === 0)} { ${body} }`;
  }
  // A subscription selects exactly one field at its root, and no `__typename`.
  if (operation === 'subscription') inner = inner.replace(/^__typename /, '');
  const header = definitions.length > 0 ? `(${definitions.join(', ')})` : '';
  return { operation, text: `${operation} Probe${header} { ${inner} }`, variables };
}

/** The objects at the end of `path` in a result. */
function instancesAt(data: unknown, path: Step[]): unknown[] {
  let level: unknown[] = [data];
  for (const step of path) {
    level = level
      .flatMap((value) => (value as Record<string, unknown> | null)?.[step.field.name] ?? [])
      .flat(3)
      .filter((value) => value != null)
      .filter((value) => !step.member || (value as { __typename?: string }).__typename === step.member.name);
  }
  return level;
}

/** Runs a probe; a subscription until its first event. Returns its data and the upstream calls it made. */
async function run(probe: Probe): Promise<{ data: unknown; calls: number }> {
  t.sim.resetRequests();
  let data: unknown;
  if (probe.operation === 'subscription') {
    const live = t.gateway.services.live;
    const polls = live.stats().polls;
    const controller = new AbortController();
    const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: probe.text, variables: probe.variables }),
      signal: controller.signal,
    });
    const reader = sseReader(response, controller);
    for (let frame = await reader.next(); frame; frame = await reader.next()) {
      if (frame.event !== 'next') continue;
      const payload = frame.data as { data?: unknown; errors?: unknown[] };
      if (payload.errors) throw new Error(JSON.stringify(payload.errors));
      data = payload.data;
      break;
    }
    // The shared poller's first poll runs alongside the first event: let it finish, so every run
    // counts it (the next one is minutes away).
    await vi.waitFor(() => expect(live.stats().polls).toBeGreaterThan(polls));
    await reader.close();
    await vi.waitFor(() => expect(live.stats()).toMatchObject({ topics: 0, leading: 0 }));
  } else {
    data = await gql(probe.text, probe.variables);
  }
  return { data, calls: t.sim.count() };
}

const estimate = (probe: Probe) => estimateUpstreamCost(schema, parse(probe.text), 'Probe', probe.variables);

describe('every field that calls Cloudflare is priced', () => {
  test('each field adds exactly the Cloudflare calls the estimate adds for it, and a field that calls carries @cost', async () => {
    const costs = declaredCosts(schema);
    const paths = pathsToTypes();
    const wrong: string[] = [];
    const unpriced: string[] = [];
    const unreached: string[] = [];
    let probed = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      if (
        !isObjectType(type) ||
        type.name.startsWith('__') ||
        isMutationError(type) ||
        ONLY_ON_FAILURE.has(type.name)
      ) {
        continue;
      }
      const path = paths.get(type);
      const root = path?.[0]?.parent ?? type;
      if (!path) {
        unreached.push(type.name);
        continue;
      }
      const isRoot = path.length === 0;
      const baseline = isRoot ? null : await probe(path, root, null);
      const before = baseline ? await run(baseline) : { data: null, calls: 0 };
      if (baseline && instancesAt(before.data, path).length === 0) {
        unreached.push(`${type.name} (no instance at ${path.map(coordinate).join(' → ')})`);
        continue;
      }
      for (const field of Object.values(type.getFields())) {
        const key = `${type.name}.${field.name}`;
        if (isRoot && field.args.some(isRequiredArgument) && !fixtures.has(key)) {
          unreached.push(`${key} (no fixture)`);
          continue;
        }
        const withField = await probe(path, root, field);
        const after = await run(withField);
        probed++;
        const added = after.calls - before.calls;
        const estimated = estimate(withField) - (baseline ? estimate(baseline) : 0);
        // A subscription's polls are shared by its watchers: only the call that starts it is priced.
        const subscriptionRoot = isRoot && root === schema.getSubscriptionType();
        if (!subscriptionRoot && added !== estimated) wrong.push(`${key}: ${added} calls, estimated ${estimated}`);
        if (added > 0 && !costs.has(key) && key !== 'Query._entities') unpriced.push(`${key} (${added} calls)`);
      }
    }
    expect({ wrong, unpriced, unreached }).toEqual({ wrong: [], unpriced: [], unreached: [] });
    // Every type but the errors' has a way in: hundreds of fields were each resolved.
    expect(probed).toBeGreaterThan(300);
  }, 240_000);
});
