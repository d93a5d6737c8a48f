/**
 * The GraphQL documents the scenarios send: the published operations (schema/operations/) and the
 * bench's own queries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print } from 'graphql';
import { ROOT } from '../lib/processes.js';
import { FEDERATED_CASES, TRIAGE_PAGE } from './settings.js';

export interface Operations {
  /** schema/operations/actions.graphql: MoveMessages, ReleaseMessages, ReclassifyMessage. */
  actionsDocument: string;
  /** TriagePage with its variables. */
  triageBody: { query: string; operationName: string; variables: unknown };
  /** TriagePageDeferred with its variables. */
  triageDeferredBody: { query: string; operationName: string; variables: unknown };
  /** The TriagePage operation alone (the floor's schema has neither `nodes` nor @defer). */
  triagePageOnly: string;
  federatedQuery: string;
  messageQuery: string;
}

export function loadOperations(): Operations {
  const triageDocument = readFileSync(join(ROOT, 'schema/operations/triage.graphql'), 'utf8');
  const triageVariables = { first: TRIAGE_PAGE, filter: { detectionsOnly: true } };
  return {
    actionsDocument: readFileSync(join(ROOT, 'schema/operations/actions.graphql'), 'utf8'),
    triageBody: { query: triageDocument, operationName: 'TriagePage', variables: triageVariables },
    triageDeferredBody: { query: triageDocument, operationName: 'TriagePageDeferred', variables: triageVariables },
    triagePageOnly: print({
      kind: Kind.DOCUMENT,
      definitions: parse(triageDocument).definitions.filter(
        (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === 'TriagePage',
      ),
    }),
    federatedQuery: `query CasePage($offset: Int!) { cases(offset: $offset, first: ${FEDERATED_CASES}) { id title message { id subject finalDisposition detection { action threatCategories { name } } } } }`,
    messageQuery:
      'query MessageById($id: ID!) { message(id: $id) { id subject from fromName scannedAt finalDisposition deliveryStatus isQuarantined } }',
  };
}
