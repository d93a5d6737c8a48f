/**
 * The catalogue of every Cloudflare endpoint the gateway speaks to, keyed by the official SDK's
 * method name. The upstream client, the simulator, logs and metrics all use these ids, so a count
 * in a test ("investigate.detections.get was called 25 times") names the same thing everywhere.
 *
 * Contract: ../shared/reference/cloudflare-api.md §0 (endpoint index). `{scope}` stands for the
 * literal `accounts` or `zones` of Security Center (§2.4); `{account_id}` is always an account.
 */
export const endpoints = {
  // Email Security — Investigate (E1–E17)
  'emailSecurity.investigate.list': { ref: 'E1', method: 'GET', path: '/accounts/{account_id}/email-security/investigate' },
  'emailSecurity.investigate.get': { ref: 'E2', method: 'GET', path: '/accounts/{account_id}/email-security/investigate/{investigate_id}' },
  'emailSecurity.investigate.detections.get': { ref: 'E3', method: 'GET', path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/detections' },
  'emailSecurity.investigate.preview.get': { ref: 'E4', method: 'GET', path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/preview' },
  'emailSecurity.investigate.preview.create': { ref: 'E5', method: 'POST', path: '/accounts/{account_id}/email-security/investigate/preview' },
  'emailSecurity.investigate.raw.get': { ref: 'E6', method: 'GET', path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/raw' },
  'emailSecurity.investigate.trace.get': { ref: 'E7', method: 'GET', path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/trace' },
  'emailSecurity.investigate.move.create': { ref: 'E8', method: 'POST', path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/move' },
  'emailSecurity.investigate.move.bulk': { ref: 'E9', method: 'POST', path: '/accounts/{account_id}/email-security/investigate/move' },
  'emailSecurity.investigate.reclassify.create': { ref: 'E10', method: 'POST', path: '/accounts/{account_id}/email-security/investigate/{investigate_id}/reclassify' },
  'emailSecurity.investigate.release.bulk': { ref: 'E11', method: 'POST', path: '/accounts/{account_id}/email-security/investigate/release' },
  'emailSecurity.investigate.bulk.create': { ref: 'E12', method: 'POST', path: '/accounts/{account_id}/email-security/investigate/bulk' },
  'emailSecurity.investigate.bulk.list': { ref: 'E13', method: 'GET', path: '/accounts/{account_id}/email-security/investigate/bulk' },
  'emailSecurity.investigate.bulk.get': { ref: 'E14', method: 'GET', path: '/accounts/{account_id}/email-security/investigate/bulk/{job_id}' },
  'emailSecurity.investigate.bulk.delete': { ref: 'E15', method: 'DELETE', path: '/accounts/{account_id}/email-security/investigate/bulk/{job_id}' },
  'emailSecurity.investigate.bulk.cancel.create': { ref: 'E16', method: 'POST', path: '/accounts/{account_id}/email-security/investigate/bulk/{job_id}/cancel' },
  'emailSecurity.investigate.bulk.messages.list': { ref: 'E17', method: 'GET', path: '/accounts/{account_id}/email-security/investigate/bulk/{job_id}/messages' },
  // Intel (I1) — note the singular path segment.
  'intel.miscategorizations.create': { ref: 'I1', method: 'POST', path: '/accounts/{account_id}/intel/miscategorization' },
  // Security Center — Insights (S1–S9)
  'securityCenter.insights.list': { ref: 'S1', method: 'GET', path: '/{scope}/{scope_id}/security-center/insights' },
  'securityCenter.insights.dismiss': { ref: 'S2', method: 'PUT', path: '/{scope}/{scope_id}/security-center/insights/{issue_id}/dismiss' },
  'securityCenter.insights.classification.update': { ref: 'S3', method: 'PATCH', path: '/{scope}/{scope_id}/security-center/insights/{issue_id}/classification' },
  'securityCenter.insights.class.get': { ref: 'S4', method: 'GET', path: '/{scope}/{scope_id}/security-center/insights/class' },
  'securityCenter.insights.severity.get': { ref: 'S5', method: 'GET', path: '/{scope}/{scope_id}/security-center/insights/severity' },
  'securityCenter.insights.type.get': { ref: 'S6', method: 'GET', path: '/{scope}/{scope_id}/security-center/insights/type' },
  'securityCenter.insights.auditLogs.list': { ref: 'S7', method: 'GET', path: '/{scope}/{scope_id}/security-center/insights/audit-log' },
  'securityCenter.insights.auditLogs.listByInsight': { ref: 'S8', method: 'GET', path: '/{scope}/{scope_id}/security-center/insights/{issue_id}/audit-log' },
  'securityCenter.insights.context.get': { ref: 'S9', method: 'GET', path: '/accounts/{account_id}/security-center/insights/{issue_id}/context' },
} as const satisfies Record<string, { ref: string; method: HttpMethod; path: string }>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type EndpointId = keyof typeof endpoints;
export const endpointIds = Object.keys(endpoints) as EndpointId[];

interface CompiledRoute {
  id: EndpointId;
  method: HttpMethod;
  pattern: RegExp;
  params: string[];
}

/** Static segments win over parameters (`/investigate/move` is E9, not E2 with id "move"). */
const compiledRoutes: CompiledRoute[] = endpointIds
  .map((id) => {
    const { method, path } = endpoints[id];
    const params: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
        params.push(param[1] as string);
        return param[1] === 'scope' ? '(accounts|zones)' : '([^/]+)';
      })
      .join('/');
    return { id, method, pattern: new RegExp(`^${source}$`), params, staticCount: path.split('/').filter((s) => !s.startsWith('{')).length };
  })
  .sort((a, b) => b.staticCount - a.staticCount)
  .map(({ staticCount: _ignored, ...route }) => route);

/** Finds which endpoint a method + path (relative to the base URL, already without query) is. */
export function matchEndpoint(
  method: string,
  path: string,
): { id: EndpointId; params: Record<string, string> } | { id: null; pathMatched: boolean } {
  let pathMatched = false;
  for (const route of compiledRoutes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    route.params.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] as string);
    });
    return { id: route.id, params };
  }
  return { id: null, pathMatched };
}
