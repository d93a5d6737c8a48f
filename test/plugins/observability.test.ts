import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, test } from 'vitest';
import { startTestGateway, useTestGateway, type TestGateway } from '../helpers/gateway.js';

const exporter = new InMemorySpanExporter();
let t: TestGateway;

useTestGateway(
  (gateway) => {
    t = gateway;
  },
  {
    env: { CACHE_ENABLED: 'true', BUDGET_ENABLED: 'true' },
    simulator: { budget: { limit: 1200, windowSeconds: 300, lockoutSeconds: 300 } },
    gateway: { tracingExporter: exporter },
  },
);

async function get(path: string) {
  const response = await t.gateway.yoga.fetch(`http://gateway.test${path}`);
  return { status: response.status, text: await response.text() };
}

describe('Prometheus metrics', () => {
  test('/metrics exposes operation histograms, upstream calls by endpoint/status/outcome, cache hits, and budget', async () => {
    await t.query('query Triage { messages(first: 5) { nodes { id detection { action } } } }');
    await t.query('query Triage { messages(first: 5) { nodes { id detection { action } } } }');
    const { status, text } = await get('/metrics');
    expect(status).toBe(200);
    expect(text).toMatch(/graphql_envelop_request_duration_bucket\{.*operationName="Triage"/);
    expect(text).toMatch(
      /gateway_upstream_calls_total\{endpoint="emailSecurity.investigate.detections.get",status="200",outcome="ok"\} 5/,
    );
    expect(text).toMatch(/gateway_cache_hits_total\{endpoint="emailSecurity.investigate.detections.get"\} 5/);
    expect(text).toMatch(/gateway_upstream_budget_remaining\{credential="cred:[0-9a-f]{16}"\} \d+/);
    expect(text).toMatch(
      /gateway_upstream_call_duration_seconds_count\{endpoint="emailSecurity.investigate.list"\} [12]\b/,
    );
    expect(text).not.toContain('test-token');
  });
});

describe('OpenTelemetry tracing', () => {
  test("the router's traceparent is continued: operation span, upstream spans, and traceparent sent to Cloudflare", async () => {
    exporter.reset();
    t.sim.resetRequests();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    await t.query(
      'query Traced { messages(first: 2, filter: { subject: "traced" }) { totalCount } }',
      {},
      { traceparent: `00-${traceId}-${parentId}-01` },
    );
    const spans = exporter.getFinishedSpans();
    const operation = spans.find((span) => span.name === 'graphql Traced');
    const upstream = spans.find((span) => span.name === 'cloudflare emailSecurity.investigate.list');
    expect(operation?.spanContext().traceId).toBe(traceId);
    expect(operation?.parentSpanContext?.spanId).toBe(parentId);
    expect(upstream?.spanContext().traceId).toBe(traceId);
    expect(upstream?.parentSpanContext?.spanId).toBe(operation?.spanContext().spanId);
    const sent = t.sim.requests.find((request) => request.endpoint === 'emailSecurity.investigate.list')?.headers
      .traceparent;
    expect(sent).toMatch(new RegExp(`^00-${traceId}-${upstream?.spanContext().spanId}-01$`));
  });
});

describe('health and readiness', () => {
  test('/health answers 200 with a small JSON body for liveness', async () => {
    const { status, text } = await get('/health');
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ status: 'ok' });
  });

  test('/ready reports config, upstream reachability and the state store', async () => {
    const { status, text } = await get('/ready');
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({
      status: 'ready',
      checks: { config: 'ok', upstream: { reachable: true }, state: { kind: 'memory', redis: 'disabled' } },
    });
  });

  test('/ready is 503 when Cloudflare cannot be reached', async () => {
    const unreachable = await startTestGateway({ env: { CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/client/v4' } });
    try {
      const response = await unreachable.gateway.yoga.fetch('http://gateway.test/ready');
      expect(response.status).toBe(503);
      expect(
        ((await response.json()) as { checks: { upstream: { reachable: boolean } } }).checks.upstream.reachable,
      ).toBe(false);
    } finally {
      await unreachable.close();
    }
  });
});
