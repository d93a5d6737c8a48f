import {
  CreateBulkActionDocument,
  type CreateBulkActionInput,
  type CreateBulkActionMutation,
} from '../../client/generated/gql/graphql.js';
import type { TestGateway } from './gateway.js';

/** All mail of the last 30 days: a job that has messages to work through. */
export const LAST_30_DAYS = () => ({ start: new Date(Date.now() - 30 * 86_400_000).toISOString() });

/**
 * Creates a MOVE-to-junk bulk job through the gateway with the screens' own `CreateBulkAction`
 * document and returns its id; anything but a created job fails the calling test with what came back.
 */
export async function createMoveJob(
  t: TestGateway,
  searchParams: CreateBulkActionInput['searchParams'],
  headers?: Record<string, string>,
): Promise<string> {
  const input: CreateBulkActionInput = { action: 'MOVE', destination: 'JUNK_EMAIL', searchParams };
  const { body } = await t.query<CreateBulkActionMutation>(CreateBulkActionDocument, { input }, headers);
  const result = body.data?.createBulkAction;
  if (result?.__typename !== 'CreateBulkActionPayload') {
    throw new Error(`createBulkAction did not create a job: ${JSON.stringify(body)}`);
  }
  return result.job.id;
}
