import {
  context as otelContext,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing: a span per GraphQL operation and per Cloudflare call. Configured by the
 * standard OTEL_* variables (the OTLP exporter reads OTEL_EXPORTER_OTLP_ENDPOINT / _HEADERS itself);
 * off unless an endpoint is set. W3C `traceparent` from the router is continued and propagated upstream.
 */
export interface Tracing {
  tracer: Tracer;
  /** Extracts the caller's trace context from request headers. */
  extract(headers: Headers): ReturnType<typeof otelContext.active>;
  /** Headers to send upstream for the given span (traceparent, tracestate). */
  inject(span: Span): Record<string, string>;
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();

export function createTracing(options: { env?: NodeJS.ProcessEnv; exporter?: SpanExporter } = {}): Tracing | null {
  const env = options.env ?? process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!options.exporter && (!endpoint || env.OTEL_SDK_DISABLED === 'true')) return null;
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'email-security-gateway' }),
    spanProcessors: [processor],
  });
  propagation.setGlobalPropagator(propagator);
  const tracer = provider.getTracer('email-security-gateway');
  return {
    tracer,
    extract(headers) {
      return propagator.extract(otelContext.active(), headers, {
        get: (carrier, key) => carrier.get(key) ?? undefined,
        keys: (carrier) => [...carrier.keys()],
      });
    },
    inject(span) {
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(otelContext.active(), span), carrier, {
        set: (target, key, value) => {
          target[key] = value;
        },
      });
      return carrier;
    },
    shutdown: () => provider.shutdown(),
  };
}

export { SpanKind, SpanStatusCode, trace, otelContext };
