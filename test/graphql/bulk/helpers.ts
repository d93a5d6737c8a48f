import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

// Both are set by `useBulkGateways` before the calling file's first test runs.

/** Fast jobs: one simulator step every 20 ms, so a job of ~240 messages finishes in ~300 ms. */
export let t: TestGateway;
/** Jobs that never leave PENDING (one step per hour): "running job" cases without races. */
export let slow: TestGateway;

/** Starts both gateways for the file; every test starts on freshly seeded simulators with empty logs. */
export function useBulkGateways(): void {
  beforeAll(async () => {
    [t, slow] = await Promise.all([
      startTestGateway({ simulator: { bulkJobStepMs: 20 } }),
      startTestGateway({ simulator: { bulkJobStepMs: 3_600_000 } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t.close(), slow.close()]);
  });
  beforeEach(() => {
    t.sim.reset();
    slow.sim.reset();
    t.logs.length = 0;
    slow.logs.length = 0;
  });
}

export const E12 = 'emailSecurity.investigate.bulk.create';
export const E13 = 'emailSecurity.investigate.bulk.list';
export const E14 = 'emailSecurity.investigate.bulk.get';
export const E15 = 'emailSecurity.investigate.bulk.delete';
export const E16 = 'emailSecurity.investigate.bulk.cancel.create';
export const E17 = 'emailSecurity.investigate.bulk.messages.list';

/** The simulator seeds three historical jobs: COMPLETED (MOVE), FAILED (RELEASE), CANCELLED (MOVE). */
export function seededJob(gw: TestGateway, status: 'COMPLETED' | 'FAILED' | 'CANCELLED'): string {
  const job = gw.sim.state.listBulkJobs(SIMULATOR_ACCOUNT_ID).find((j) => j.status === status);
  if (!job) throw new Error(`no seeded ${status} job`);
  return job.job_id;
}

export type AuditLine = {
  audit: {
    actor: string;
    action: string;
    result: string;
    outcomes: { id: string; outcome: string }[];
    idempotencyKey?: string | null;
  };
};
export const audits = (gw: TestGateway, action: string) =>
  gw.logs
    .filter((line): line is AuditLine => 'audit' in line && (line as AuditLine).audit.action === action)
    .map((line) => line.audit);

export const CREATE = /* GraphQL */ `
  mutation Create($input: CreateBulkActionInput!) {
    createBulkAction(input: $input) {
      __typename
      ... on CreateBulkActionPayload { replayed job { id action status statusRaw isTerminal actionParams { type destination } searchParams { finalDisposition start } } }
      ... on MutationError { code message }
      ... on ValidationError { issues { path message } }
    }
  }
`;
export type CreateResult = {
  createBulkAction: {
    __typename: string;
    replayed?: boolean;
    job?: {
      id: string;
      action: string;
      status: string;
      statusRaw: string;
      isTerminal: boolean;
      actionParams: { type: string; destination: string | null };
      searchParams: { finalDisposition: string | null; start: string | null };
    };
    code?: string;
    message?: string;
    issues?: { path: string[]; message: string }[];
  };
};

export async function create(gw: TestGateway, input: Record<string, unknown>) {
  const { body } = await gw.query<CreateResult>(CREATE, { input });
  expect(body.errors).toBeUndefined();
  return body.data?.createBulkAction as CreateResult['createBulkAction'];
}

export const CANCEL = /* GraphQL */ `
  mutation Cancel($id: ID!) {
    cancelBulkJob(input: { id: $id }) {
      __typename
      ... on CancelBulkJobPayload { job { id status isTerminal messagesCancelled } }
      ... on MutationError { code message }
    }
  }
`;
export const DELETE = /* GraphQL */ `
  mutation Delete($id: ID!) {
    deleteBulkJob(input: { id: $id }) {
      __typename
      ... on DeleteBulkJobPayload { id replayed }
      ... on MutationError { code message }
    }
  }
`;

export const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
