import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { E13, E14, E17, seededJob, t, useBulkGateways } from './helpers.js';

useBulkGateways();

describe('bulk job queries', () => {
  test('every BulkJob field, its messages and their Message resolve for a seeded job', async () => {
    const id = seededJob(t, 'COMPLETED');
    const { body } = await t.query<{
      bulkJob: Record<string, unknown> & {
        messages: {
          totalCount: number;
          edges: { node: Record<string, unknown> & { message: { id: string } | null } }[];
        };
      };
    }>(
      /* GraphQL */ `
        query Job($id: ID!) {
          bulkJob(id: $id) {
            id accountId action status statusRaw statusMessage isTerminal progress comment createdAt startedAt completedAt
            totalMessagesDiscovered messagesSuccessful messagesFailed messagesPending messagesCancelled messagesSkipped
            actionParams { type destination expectedDisposition }
            searchParams { query sender recipient domain subject exactSubject finalDisposition messageAction deliveryStatus alertId messageId smtpHeloIp metric detectionsOnly submissions actionLog start end }
            messages(first: 3) {
              totalCount
              pageInfo { hasNextPage hasPreviousPage }
              edges {
                cursor
                node {
                  messageId postfixId actionType status statusRaw statusMessage retryCount retryAfter createdAt processedAt alertId emailMessageId
                  actionParams { type clientRecipient destination expectedDisposition }
                  message { id }
                }
              }
            }
          }
        }
      `,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const job = body.data?.bulkJob;
    expect(job).toMatchObject({
      id,
      accountId: SIMULATOR_ACCOUNT_ID,
      action: 'MOVE',
      status: 'COMPLETED',
      statusRaw: 'COMPLETED',
      isTerminal: true,
      progress: 1,
      comment: 'Weekly spam clean-up',
      totalMessagesDiscovered: 8,
      messagesPending: 0,
      actionParams: { type: 'MOVE', expectedDisposition: 'SPAM' },
      searchParams: { finalDisposition: 'SPAM' },
    });
    expect(job?.messages.totalCount).toBe(8);
    expect(job?.messages.edges).toHaveLength(3);
    const node = job?.messages.edges[0]?.node;
    expect(node?.message?.id).toBe(node?.messageId);
    expect(node?.actionParams).toMatchObject({ type: 'MOVE' });
    // One E14, one E17 page, one E2 per distinct message selected.
    expect(t.sim.count(E14)).toBe(1);
    expect(t.sim.count(E17)).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.get')).toBeLessThanOrEqual(3);
  });

  test('a job status Cloudflare added later passes through as statusRaw with a null status', async () => {
    const id = seededJob(t, 'COMPLETED');
    t.sim.injectFault({ endpoint: E14, response: { kind: 'enum-drift', field: 'status', value: 'ARCHIVED' } });
    const { body } = await t.query<{ bulkJob: { status: string | null; statusRaw: string; isTerminal: boolean } }>(
      `query($id: ID!) { bulkJob(id: $id) { status statusRaw isTerminal } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    // Unknown but stamped with completed_at: terminal (contract#versions).
    expect(body.data?.bulkJob).toEqual({ status: null, statusRaw: 'ARCHIVED', isTerminal: true });
  });

  test('bulkJobs pages forward and back over E13 with one call per page', async () => {
    type Page = {
      bulkJobs: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
        nodes: { id: string }[];
      };
    };
    const PAGE = `query($first: Int, $last: Int, $after: String, $before: String) {
      bulkJobs(first: $first, last: $last, after: $after, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } }
    }`;
    const run = async (variables: Record<string, unknown>) => {
      const { body } = await t.query<Page>(PAGE, variables);
      expect(body.errors).toBeUndefined();
      return body.data?.bulkJobs as Page['bulkJobs'];
    };
    const first = await run({ first: 2 });
    expect(first.totalCount).toBe(3);
    expect(first.nodes).toHaveLength(2);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await run({ first: 2, after: first.pageInfo.endCursor });
    expect(second.nodes).toHaveLength(1);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const back = await run({ last: 2, before: second.pageInfo.startCursor });
    expect(back.nodes.map((n) => n.id)).toEqual(first.nodes.map((n) => n.id));
    expect(back.pageInfo.hasPreviousPage).toBe(false);
    const allIds = t.sim.state.listBulkJobs(SIMULATOR_ACCOUNT_ID).map((j) => j.job_id);
    expect([...first.nodes, ...second.nodes].map((n) => n.id)).toEqual(allIds);
    expect(t.sim.count(E13)).toBe(3);
  });

  test('bulkJobs sends the action and status filter to E13 in Cloudflare spelling', async () => {
    const { body } = await t.query<{ bulkJobs: { nodes: { status: string; action: string }[] } }>(
      `{ bulkJobs(filter: { action: MOVE, status: CANCELLED }) { nodes { status action } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.bulkJobs.nodes).toEqual([{ status: 'CANCELLED', action: 'MOVE' }]);
    const request = t.sim.requests.find((r) => r.endpoint === E13);
    expect(request?.query).toMatchObject({ action_type: ['MOVE'], status: ['CANCELLED'] });
  });

  test('a job message status filter reaches E17', async () => {
    const id = seededJob(t, 'CANCELLED');
    const { body } = await t.query<{ bulkJob: { messages: { nodes: { statusRaw: string }[] } } }>(
      `query($id: ID!) { bulkJob(id: $id) { messages(status: CANCELLED) { nodes { statusRaw } } } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const statuses = body.data?.bulkJob.messages.nodes.map((n) => n.statusRaw) ?? [];
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['CANCELLED']));
    expect(t.sim.requests.find((r) => r.endpoint === E17)?.query.status).toEqual(['CANCELLED']);
  });

  test('bulkJob returns null when Cloudflare answers 404', async () => {
    const { body } = await t.query(`{ bulkJob(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ bulkJob: null });
    expect(t.sim.count(E14)).toBe(1);
  });

  test.each(['../x', 'a/b', '..'])(
    'bulkJob refuses the path-unsafe id %j with BAD_USER_INPUT and sends nothing',
    async (id) => {
      const { body } = await t.query(`query($id: ID!) { bulkJob(id: $id) { id } }`, { id });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(t.sim.requests).toHaveLength(0);
    },
  );
});
