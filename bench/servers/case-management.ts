/**
 * Benchmark-only second subgraph (run in its own process): the example case-management subgraph of
 * deploy/supergraph/cases.graphql, whose cases reference e-mail messages by key and which adds
 * `cases` to `Message`, plus paging on `cases` so concurrent benchmark requests ask for different
 * messages. Env: PORT, CASE_MESSAGE_IDS (comma-separated investigate ids, one case each).
 */
import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type DocumentNode, type FieldDefinitionNode, type ObjectTypeDefinitionNode, parse, visit } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { serveOnLoopback } from './serve.js';

/** `Query.cases` with the arguments the bench pages with (the deploy example takes none). */
const PAGED_CASES = (
  parse('type Query { cases(offset: Int = 0, first: Int = 5): [Case!]! }').definitions[0] as ObjectTypeDefinitionNode
).fields?.[0] as FieldDefinitionNode;

/** The deploy example's SDL (one copy, not one per use), with `Query.cases` paged. */
export const caseManagementTypeDefs: DocumentNode = visit(
  parse(readFileSync(new URL('../../deploy/supergraph/cases.graphql', import.meta.url), 'utf8')),
  {
    ObjectTypeDefinition(type) {
      if (type.name.value !== 'Query') return undefined;
      return {
        ...type,
        fields: type.fields?.map((field) => (field.name.value === PAGED_CASES.name.value ? PAGED_CASES : field)),
      };
    },
  },
);

interface CaseRecord {
  id: string;
  title: string;
  messageId: string;
}

export function createCaseManagementYoga(cases: CaseRecord[]) {
  const schema = buildSubgraphSchema({
    typeDefs: caseManagementTypeDefs,
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
  serveOnLoopback(createCaseManagementYoga(cases));
}
