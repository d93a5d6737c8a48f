/**
 * The soak's mixed load: the virtual users' operations (triage pages and their next page, message
 * details, previews, insights, bulk jobs, mutations with idempotency keys — some replayed on
 * purpose — and invalid inputs) and the faults injected into the simulator, with the counters the
 * evaluation reads.
 */
import { type Pool, request } from 'undici';
import { ERROR_CODES } from '../../src/graphql/errors.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/constants.js';

const Q = {
  triage: `query Triage($after: String) { messages(first: 10, after: $after, filter: { detectionsOnly: true }) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id subject from scannedAt finalDisposition isQuarantined detection { action threatCategories { name } links { href } } } } }`,
  detail: `query Detail($id: ID!) { message(id: $id) { id subject actionLog { operation } detection { action attachments { filename sha256 } } trace { inbound { lines { message } } } } }`,
  preview: `query Preview($id: ID!) { message(id: $id) { id preview { source dataUrl } } }`,
  insights: `query Insights($scope: InsightScope!) { insights(scope: $scope, first: 20) { totalCount nodes { id subject severity status } } }`,
  bulkJobs: `{ bulkJobs(first: 5) { nodes { id statusRaw progress } } }`,
  move: `mutation Move($input: MoveMessagesInput!) { moveMessages(input: $input) { __typename
    ... on MoveMessagesPayload { movedCount replayed outcomes { id status } } ... on MutationError { code } } }`,
  release: `mutation Release($input: ReleaseMessagesInput!) { releaseMessages(input: $input) { __typename
    ... on ReleaseMessagesPayload { releasedCount replayed } ... on MutationError { code } } }`,
  intel: `mutation Intel($input: SubmitMiscategorizationInput!) { submitMiscategorization(input: $input) { __typename
    ... on SubmitMiscategorizationPayload { replayed } ... on MutationError { code } } }`,
  invalid: `query Invalid($after: String, $accountId: String) { messages(first: 5, after: $after, accountId: $accountId) { totalCount } }`,
};

/** Injected in turn, one every faultEveryMs. */
export const FAULTS: unknown[] = [
  { endpoint: 'emailSecurity.investigate.detections.get', times: 3, response: { kind: 'status', status: 503 } },
  {
    endpoint: 'emailSecurity.investigate.list',
    times: 2,
    response: { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
  },
  { endpoint: 'emailSecurity.investigate.get', times: 1, response: { kind: 'hang' } },
  { endpoint: 'emailSecurity.investigate.detections.get', times: 2, response: { kind: 'reset-mid-body' } },
  { endpoint: 'emailSecurity.investigate.list', times: 1, response: { kind: 'malformed-json' } },
  { endpoint: 'emailSecurity.investigate.trace.get', times: 5, response: { kind: 'delay', ms: 300 } },
  {
    endpoint: 'emailSecurity.investigate.detections.get',
    times: 3,
    response: { kind: 'enum-drift', field: 'final_disposition', value: 'QUANTUM' },
  },
  {
    endpoint: 'emailSecurity.investigate.move.create',
    times: 1,
    afterProcessing: true,
    response: { kind: 'status', status: 502 },
  },
  { endpoint: '*', times: 4, probability: 0.5, response: { kind: 'status', status: 500 } },
];

/** The closed list of codes a client may see (src/graphql/errors.ts). */
const TYPED = new Set<string>(ERROR_CODES);

type Json = { data?: Record<string, unknown> | null; errors?: { message?: string; extensions?: { code?: string } }[] };

export interface WorkloadStats {
  operations: number;
  /** Operations by name. */
  counts: Record<string, number>;
  errorCodes: Record<string, number>;
  unexpected: number;
  unexpectedExamples: string[];
  /** Response times, ms: every one up to 200,000, then a uniform reservoir of that size. */
  latencies: number[];
  replays: number;
  doubleApplied: number;
}

export interface Workload {
  stats: WorkloadStats;
  /** One operation drawn by weight. */
  nextOperation(): () => Promise<unknown>;
}

/**
 * Reads the messages to work on through the gateway once, then returns the operations drawn from.
 * `random` is the run's seeded PRNG.
 */
export async function createWorkload(url: string, pool: Pool, random: () => number): Promise<Workload> {
  const stats: WorkloadStats = {
    operations: 0,
    counts: {},
    errorCodes: {},
    unexpected: 0,
    unexpectedExamples: [],
    latencies: [],
    replays: 0,
    doubleApplied: 0,
  };
  const { latencies, counts, errorCodes, unexpectedExamples } = stats;

  const post = async (name: string, query: string, variables: Record<string, unknown> = {}): Promise<Json | null> => {
    const started = performance.now();
    try {
      const response = await request(`${url}/graphql`, {
        dispatcher: pool,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      const text = await response.body.text();
      const elapsed = performance.now() - started;
      if (latencies.length < 200_000) latencies.push(elapsed);
      else latencies[Math.floor(random() * latencies.length)] = elapsed;
      stats.operations++;
      counts[name] = (counts[name] ?? 0) + 1;
      const body = JSON.parse(text) as Json;
      if (response.statusCode !== 200 && response.statusCode !== 400) throw new Error(`HTTP ${response.statusCode}`);
      for (const error of body.errors ?? []) {
        const code = error.extensions?.code ?? 'NONE';
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        if (!TYPED.has(code)) throw new Error(`untyped error ${code}: ${error.message ?? ''}`);
      }
      return body;
    } catch (error) {
      stats.unexpected++;
      if (unexpectedExamples.length < 10) unexpectedExamples.push(`${name}: ${(error as Error).message}`);
      return null;
    }
  };

  // Ids to work on, read through the gateway once.
  const seed = await post('seed', `{ messages(first: 100) { nodes { id isQuarantined deliveryStatus } } }`);
  const nodes =
    (
      seed?.data?.messages as
        | { nodes?: { id: string; isQuarantined: boolean; deliveryStatus: string[] | null }[] }
        | undefined
    )?.nodes ?? [];
  const ids = nodes.map((node) => node.id);
  const movable = nodes
    .filter((node) => !(node.deliveryStatus ?? []).some((s) => s === 'REJECTED' || s === 'BOUNCED'))
    .map((node) => node.id);
  const quarantined = nodes.filter((node) => node.isQuarantined).map((node) => node.id);
  if (ids.length === 0 || movable.length === 0)
    throw new Error('soak: could not read seed messages through the gateway');
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T;
  const usedKeys: { key: string; input: Record<string, unknown>; kind: 'move' | 'release' | 'intel' }[] = [];
  let keyCounter = 0;

  const mutationWithKey = async (kind: 'move' | 'release' | 'intel') => {
    const replay = usedKeys.length > 0 && random() < 0.25;
    let entry: (typeof usedKeys)[number];
    if (replay) {
      entry = pick(usedKeys.filter((candidate) => candidate.kind === kind).concat(usedKeys.slice(-1)));
    } else {
      const key = `soak-${kind}-${keyCounter++}`;
      const input =
        kind === 'move'
          ? { ids: [pick(movable)], destination: pick(['INBOX', 'JUNK_EMAIL', 'DELETED_ITEMS']), idempotencyKey: key }
          : kind === 'release'
            ? { ids: [pick(quarantined.length ? quarantined : ids)], idempotencyKey: key }
            : {
                indicatorType: 'DOMAIN',
                url: `soak-${keyCounter}.example.com`,
                contentAdds: [82],
                idempotencyKey: key,
              };
      entry = { key, input, kind };
      usedKeys.push(entry);
      if (usedKeys.length > 500) usedKeys.shift();
    }
    const query = entry.kind === 'move' ? Q.move : entry.kind === 'release' ? Q.release : Q.intel;
    const body = await post(entry.kind, query, { input: entry.input });
    const result = Object.values(body?.data ?? {})[0] as { __typename?: string; replayed?: boolean } | undefined;
    if (replay && result) {
      stats.replays++;
      // A replayed key must never be applied again: a success payload must say `replayed: true`.
      if (result.replayed === false) stats.doubleApplied++;
    }
  };

  const operationsTable: [number, () => Promise<unknown>][] = [
    [
      30,
      async () => {
        const page = await post('triage', Q.triage);
        const info = (
          page?.data?.messages as { pageInfo?: { hasNextPage: boolean; endCursor: string | null } } | undefined
        )?.pageInfo;
        if (info?.hasNextPage && info.endCursor && random() < 0.5)
          await post('triage-next', Q.triage, { after: info.endCursor });
      },
    ],
    [18, () => post('detail', Q.detail, { id: pick(ids) })],
    [6, () => post('preview', Q.preview, { id: pick(ids) })],
    [10, () => post('insights', Q.insights, { scope: { accountId: SIMULATOR_ACCOUNT_ID } })],
    [6, () => post('bulkJobs', Q.bulkJobs)],
    [14, () => mutationWithKey('move')],
    [5, () => mutationWithKey('release')],
    [4, () => mutationWithKey('intel')],
    [7, () => post('invalid', Q.invalid, random() < 0.5 ? { after: 'not-a-cursor' } : { accountId: '../../zones' })],
  ];
  const totalWeight = operationsTable.reduce((sum, [weight]) => sum + weight, 0);
  return {
    stats,
    nextOperation() {
      let roll = random() * totalWeight;
      for (const [weight, operation] of operationsTable) {
        roll -= weight;
        if (roll < 0) return operation;
      }
      return (operationsTable[0] as [number, () => Promise<unknown>])[1];
    },
  };
}
