import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compositionHasErrors, composeServices } from '@theguild/federation-composition';
import { type DocumentNode, GraphQLError, parse } from 'graphql';

/**
 * Composes this subgraph with others into a supergraph SDL (for Hive Gateway / Apollo Router):
 *   npm run supergraph -- --self http://email-gateway:4000/graphql \
 *     cases=./deploy/supergraph/cases.graphql@http://cases:4000/graphql [--out supergraph.graphql]
 * The URLs are where the router reaches each subgraph (above: container names on one network). On one
 * machine the router takes port 4000, so this gateway runs beside it on 4001, the default `--self`:
 *   PORT=4001 npm start  &  npm run supergraph  &&  npm run router
 * writes supergraph.graphql (or --out), or says what is wrong (a missing file, an SDL syntax error,
 * composition errors) on stderr and exits 1; a usage error exits 2. No stack traces.
 */
const USAGE =
  'usage: npm run supergraph -- [--self URL] [--out FILE] name=path/to/schema.graphql@http://host:port/graphql ...';

class UsageError extends Error {}

async function loadSdl(name: string, path: string): Promise<DocumentNode> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error));
    throw new Error(
      `subgraph "${name}": cannot read ${path} (${why}). Pass the file with its SDL, e.g. cases=./deploy/supergraph/cases.graphql@http://cases:4000/graphql`,
    );
  }
  try {
    return parse(text);
  } catch (error) {
    const location =
      error instanceof GraphQLError && error.locations?.[0]
        ? `:${error.locations[0].line}:${error.locations[0].column}`
        : '';
    throw new Error(`subgraph "${name}": ${path}${location} is not valid GraphQL SDL: ${(error as Error).message}`);
  }
}

export async function composeSupergraph(args: string[]): Promise<{ out: string; names: string[] }> {
  // Not 4000: on one machine that is the router's port (`npm run router`).
  let selfUrl = 'http://127.0.0.1:4001/graphql';
  let out = 'supergraph.graphql';
  const specs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--self' || arg === '--out') {
      const value = args[++i];
      if (!value) throw new UsageError(`${arg} needs a value`);
      if (arg === '--self') selfUrl = value;
      else out = value;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else specs.push(arg);
  }
  const services = [
    { name: 'email-security', typeDefs: await loadSdl('email-security', 'schema/subgraph.graphql'), url: selfUrl },
  ];
  for (const spec of specs) {
    const match = /^([\w-]+)=(.+)@(https?:\/\/.+)$/.exec(spec);
    if (!match) throw new UsageError(`expected name=path@url, got "${spec}"`);
    const [, name, path, url] = match as unknown as [string, string, string, string];
    services.push({ name, typeDefs: await loadSdl(name, path), url });
  }
  const result = composeServices(services);
  if (compositionHasErrors(result)) {
    throw new Error(`composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  }
  await writeFile(out, result.supergraphSdl);
  return { out, names: services.map((service) => service.name) };
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  composeSupergraph(process.argv.slice(2)).then(
    ({ out, names }) => console.log(`wrote ${out} (${names.join(', ')})`),
    (error: unknown) => {
      console.error(`supergraph: ${(error as Error).message}`);
      if (error instanceof UsageError) console.error(USAGE);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
