import { readFile, writeFile } from 'node:fs/promises';
import { printSubgraphSchema } from '@apollo/subgraph';
import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../src/graphql/index.js';

/**
 * Writes the checked-in SDL artifacts; `--check` fails when they differ from the code (CI drift check).
 * - schema/schema.graphql: the public schema, sorted, for codegen and review.
 * - schema/subgraph.graphql: the federation subgraph SDL (keeps @link / @key) for composition.
 */
export function renderSchemas(): Record<string, string> {
  // The public SDL declares @defer / @stream (served by the defer-stream plugin), so codegen and
  // typed clients can use them; the subgraph SDL does not: a router plans incremental delivery itself.
  const config = schema.toConfig();
  const publicSchema = new GraphQLSchema({
    ...config,
    directives: [...config.directives, GraphQLDeferDirective, GraphQLStreamDirective],
  });
  return {
    'schema/schema.graphql': `${printSchema(lexicographicSortSchema(publicSchema))}\n`,
    'schema/subgraph.graphql': `${printSubgraphSchema(schema)}\n`,
  };
}

async function main() {
  const check = process.argv.includes('--check');
  let stale = false;
  for (const [path, content] of Object.entries(renderSchemas())) {
    if (check) {
      const current = await readFile(path, 'utf8').catch(() => '');
      if (current !== content) {
        stale = true;
        console.error(`${path} is stale: run \`npm run schema:print\``);
      }
    } else {
      await writeFile(path, content);
      console.log(`wrote ${path}`);
    }
  }
  if (stale) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
