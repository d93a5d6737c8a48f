import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

/**
 * A small second subgraph, for the federation tests and the federated benchmark: a case-management
 * service whose cases reference e-mail messages by key, and which adds `cases` to `Message`.
 */
/** The example subgraph the README composes with (`npm run supergraph`): one SDL, not a copy per use. */
export const caseManagementTypeDefs = readFileSync(
  new URL('../../deploy/supergraph/cases.graphql', import.meta.url),
  'utf8',
);

export function createCaseManagementYoga(cases: { id: string; title: string; messageId: string }[]) {
  const schema = buildSubgraphSchema({
    typeDefs: parse(caseManagementTypeDefs),
    resolvers: {
      Query: {
        cases: (_root: unknown, args: { offset: number; first: number }) =>
          cases.slice(args.offset, args.offset + args.first),
      },
      Case: { message: (item: { messageId: string }) => ({ __typename: 'Message', id: item.messageId }) },
      Message: {
        __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
        cases: (message: { id: string }) => cases.filter((item) => item.messageId === message.id),
      },
    },
  });
  return createYoga({ schema, graphqlEndpoint: '/graphql', logging: false, maskedErrors: true });
}
