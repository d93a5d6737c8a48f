/** Matches a method + path (relative to /client/v4, no query) against the simulator's route table. */
import type { Handler } from './handlers/handler.js';
import { ROUTES, type RouteMethod, type SimEndpointId } from './routes.js';

const METHODS: readonly RouteMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

interface CompiledRoute {
  id: SimEndpointId;
  method: RouteMethod;
  handler: Handler;
  regex: RegExp;
  paramNames: string[];
  staticSegments: number;
}

function compile(route: (typeof ROUTES)[number]): CompiledRoute {
  const paramNames: string[] = [];
  const segments = route.pattern.split('/').map((segment) => {
    if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
    const name = segment.slice(1);
    paramNames.push(name);
    return name === 'scope' ? '(accounts|zones)' : '([^/]+)';
  });
  return {
    id: route.id,
    method: route.method,
    handler: route.handler,
    regex: new RegExp(`^${segments.join('/')}$`),
    paramNames,
    staticSegments: route.pattern.split('/').filter((segment) => !segment.startsWith(':')).length,
  };
}

/** Static segments win over parameters: `POST …/investigate/move` is E9, not E8 on a message called "move". */
const COMPILED = ROUTES.map(compile).sort((a, b) => b.staticSegments - a.staticSegments);

export type RouteMatch =
  | { kind: 'route'; id: SimEndpointId; handler: Handler; params: Record<string, string> }
  /** The path is known but not with this method: the methods it has (for 405 + Allow). */
  | { kind: 'wrong-method'; allowed: RouteMethod[] }
  | { kind: 'no-route' }
  /** A path parameter is not valid percent-encoding. */
  | { kind: 'bad-encoding' };

export function matchRoute(method: string, path: string): RouteMatch {
  const allowed = new Set<RouteMethod>();
  for (const route of COMPILED) {
    const match = route.regex.exec(path);
    if (!match) continue;
    allowed.add(route.method);
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    try {
      route.paramNames.forEach((name, index) => {
        params[name] = decodeURIComponent(match[index + 1] as string);
      });
    } catch {
      return { kind: 'bad-encoding' };
    }
    return { kind: 'route', id: route.id, handler: route.handler, params };
  }
  if (allowed.size === 0) return { kind: 'no-route' };
  return { kind: 'wrong-method', allowed: METHODS.filter((m) => allowed.has(m)) };
}
