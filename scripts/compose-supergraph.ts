import { readFile, writeFile } from 'node:fs/promises';
import { compositionHasErrors, composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';

/**
 * Composes this subgraph with others into a supergraph SDL (for Hive Gateway / Apollo Router):
 *   npm run supergraph -- --self http://gateway:4000/graphql cases=./cases.graphql@http://cases:4000/graphql
 * writes supergraph.graphql, or prints the composition errors and exits 1.
 */
async function main() {
  const args = process.argv.slice(2);
  const selfIndex = args.indexOf('--self');
  const selfUrl = selfIndex >= 0 ? (args[selfIndex + 1] as string) : 'http://127.0.0.1:4000/graphql';
  const others = args.filter((_, index) => index !== selfIndex && index !== selfIndex + 1);
  const services = [{ name: 'email-security', typeDefs: parse(await readFile('schema/subgraph.graphql', 'utf8')), url: selfUrl }];
  for (const spec of others) {
    const match = /^([\w-]+)=(.+)@(https?:\/\/.+)$/.exec(spec);
    if (!match) throw new Error(`Expected name=path@url, got ${spec}`);
    const [, name, path, url] = match as unknown as [string, string, string, string];
    services.push({ name, typeDefs: parse(await readFile(path, 'utf8')), url });
  }
  const result = composeServices(services);
  if (compositionHasErrors(result)) {
    for (const error of result.errors) console.error(error.message);
    process.exit(1);
  }
  await writeFile('supergraph.graphql', result.supergraphSdl);
  console.log(`wrote supergraph.graphql (${services.map((service) => service.name).join(', ')})`);
}

await main();
