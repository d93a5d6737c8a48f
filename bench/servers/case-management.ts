/**
 * Benchmark-only second subgraph (run in its own process): a case-management service whose cases
 * reference e-mail messages by key and which adds `cases` to `Message` — the federation test's
 * subgraph, plus paging on `cases` so concurrent benchmark requests ask for different messages.
 * Env: PORT, CASE_MESSAGE_IDS (comma-separated investigate ids, one case each).
 */
import { createServer } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

export const caseManagementTypeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Case {
    id: ID!
    title: String!
    message: Message!
  }

  type Message @key(fields: "id") {
    id: ID!
    cases: [Case!]!
  }

  type Query {
    cases(offset: Int = 0, first: Int = 5): [Case!]!
  }
`;

interface CaseRecord {
  id: string;
  title: string;
  messageId: string;
}

export function createCaseManagementYoga(cases: CaseRecord[]) {
  const schema = buildSubgraphSchema({
    typeDefs: parse(caseManagementTypeDefs),
    resolvers: {
      Query: {
        cases: (_root: unknown, args: { offset: number; first: number }) =>
          cases.slice(args.offset, args.offset + args.first),
      },
      Case: { message: (item: CaseRecord) => ({ __typename: 'Message', id: item.messageId }) },
      Message: {
        __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
        cases: (message: { id: string }) => cases.filter((item) => item.messageId === message.id),
      },
    },
  });
  return createYoga({ schema, graphqlEndpoint: '/graphql', logging: false, maskedErrors: true, landingPage: false });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ids = (process.env.CASE_MESSAGE_IDS ?? '').split(',').filter(Boolean);
  const cases = ids.map((messageId, index) => ({
    id: `case-${index + 1}`,
    title: `Phishing wave ${index + 1}`,
    messageId,
  }));
  const server = createServer(createCaseManagementYoga(cases));
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
