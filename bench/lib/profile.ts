/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof`) by where the time is spent: self time
 * of every sample grouped by npm package (undici, pino, graphql, …), gateway module (dist/…), Node
 * internals and V8 pseudo-frames ((garbage collector), (program)). Idle time is left out of the
 * percentages, so they are shares of the CPU the process actually used.
 */
import { readFileSync } from 'node:fs';
import { round } from './processes.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  /** Busy time (all samples except idle), ms. */
  busyMs: number;
  /** By package / module group, largest first. */
  groups: ProfileEntry[];
  /** The heaviest single functions, `function (group)`. */
  functions: ProfileEntry[];
}

/** The group a frame's self time is charged to. */
export function groupOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return 'V8/native (program)';
    if (functionName === '(root)') return '(idle)';
    // Builtins without a script: JSON.parse, JSON.stringify, RegExp, Promise machinery, …
    if (/^JSON|parse$|stringify$/i.test(functionName)) return 'JSON (builtin)';
    return 'V8 builtins';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? '?');
    if (
      pkg.startsWith('@envelop/') ||
      pkg.startsWith('@graphql-yoga/') ||
      pkg === 'graphql-yoga' ||
      pkg.startsWith('@whatwg-node/')
    ) {
      return `yoga/envelop/whatwg-node (${pkg})`;
    }
    if (pkg.startsWith('@pothos/')) return 'Pothos';
    if (pkg.startsWith('@opentelemetry/')) return 'OpenTelemetry';
    if (pkg.startsWith('@escape.tech/')) return 'GraphQL Armor';
    if (
      pkg === 'pino' ||
      pkg === 'sonic-boom' ||
      pkg === 'thread-stream' ||
      pkg.startsWith('pino-') ||
      pkg === 'fast-redact' ||
      pkg === 'quick-format-unescaped'
    )
      return 'pino';
    return pkg;
  }
  if (url.startsWith('node:')) {
    const module = url.slice('node:'.length).split('/');
    // node:internal/http, node:internal/streams/…, node:net …
    const name = module[0] === 'internal' ? module.slice(1, 2).join('/') : module[0];
    return `node:${name}`;
  }
  const dist = url.indexOf('/dist/');
  if (dist !== -1)
    return `gateway ${url
      .slice(dist + 1)
      .replace(/^dist\//, 'src/')
      .replace(/\.js$/, '.ts')}`;
  return url.replace(/^file:\/\//, '');
}

/** Merges the groups people ask about: "yoga/envelop (…)" variants, node:* into one "Node core" line. */
function family(group: string): string {
  if (group.startsWith('yoga/envelop')) return 'yoga/envelop/whatwg-node';
  if (group.startsWith('node:')) return `Node core (${group.slice(5)})`;
  return group;
}

/** `skipMs`/`windowMs`: only samples from skipMs after the profile's start, for windowMs (the measured load). */
export function summariseProfile(
  file: string,
  skipMs = 0,
  windowMs = Number.POSITIVE_INFINITY,
  top = 16,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const groupMs = new Map<string, number>();
  const functionMs = new Map<string, number>();
  let busy = 0;
  let at = 0;
  // timeDeltas[i] is the time since the previous sample; charge it to sample i (V8's convention).
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    at += delta;
    if (!node || delta <= 0 || at < skipMs || at > skipMs + windowMs) continue;
    const group = family(groupOf(node.callFrame));
    if (group === '(idle)') continue;
    busy += delta;
    groupMs.set(group, (groupMs.get(group) ?? 0) + delta);
    const fn = `${node.callFrame.functionName || '(anonymous)'} (${group})`;
    functionMs.set(fn, (functionMs.get(fn) ?? 0) + delta);
  }
  const entries = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, selfMs: round(ms, 1), percent: round((100 * ms) / Math.max(1, busy), 1) }));
  return { busyMs: round(busy, 1), groups: entries(groupMs), functions: entries(functionMs) };
}
