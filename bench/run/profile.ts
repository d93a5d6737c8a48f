/**
 * The last phase: the compiled gateway under the loaded triage page with `node --cpu-prof`, its
 * self time summarised by package (bench/lib/profile.ts).
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from '../lib/load.js';
import { cpuMs, ROOT, round, stop } from '../lib/processes.js';
import { type ProfileSummary, summariseProfile } from '../lib/profile.js';
import { type RunContext, startBenchGateway } from './context.js';
import { graphqlRequest, verifyGraphql } from './http.js';
import { resetSimulator } from './measure.js';
import { CONNECTIONS, DURATION, PACER_RAISED, WARMUP } from './settings.js';

export type GatewayProfile = ProfileSummary & { requests: number; cpuMsPerRequest: number };

/** Undefined when the process wrote no profile. */
export async function profileGateway(context: RunContext): Promise<GatewayProfile | undefined> {
  process.stdout.write('\n▶ profile: node --cpu-prof dist/server.js under the loaded triage page\n');
  const profileDir = join(context.logDir, 'cpu-profile');
  const profiled = await startBenchGateway(
    context,
    'gateway-profiled',
    { CACHE_ENABLED: 'false', UPSTREAM_MAX_RPS: PACER_RAISED },
    'dist/server.js',
    ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  );
  const spawnedAt = performance.now();
  await resetSimulator(context.simulator.control);
  const options = {
    url: profiled.url,
    requests: [graphqlRequest(context.operations.triageBody, context.token)],
    verifyBody: verifyGraphql,
    connections: CONNECTIONS,
  };
  await runLoad({ ...options, durationSeconds: WARMUP });
  // The profile covers the whole process; only the measured load (after start-up and warm-up) is summarised.
  const skipMs = performance.now() - spawnedAt;
  const before = cpuMs(profiled.child.pid);
  const load = await runLoad({ ...options, durationSeconds: DURATION });
  const cpuPerRequest = round((cpuMs(profiled.child.pid) - before) / Math.max(1, load.completed), 2);
  await stop(profiled.child, 15_000);
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) {
    process.stdout.write('  ⚠ no .cpuprofile written\n');
    return undefined;
  }
  const profile = {
    ...summariseProfile(join(profileDir, file), skipMs, load.durationSeconds * 1000),
    requests: load.completed,
    cpuMsPerRequest: cpuPerRequest,
  };
  // Kept for a closer look (Chrome DevTools / speedscope): bench/out is gitignored.
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  copyFileSync(join(profileDir, file), join(ROOT, 'bench/out/gateway-triage.cpuprofile'));
  for (const entry of profile.groups.slice(0, 10))
    process.stdout.write(`  ${String(entry.percent).padStart(5)} %  ${entry.name}\n`);
  return profile;
}
