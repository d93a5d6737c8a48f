import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { GatewayServices } from '../context.js';

/** Prometheus `/metrics`: yoga's operation histograms plus the gateway's own metrics, one registry. */
export function useMetrics(services: GatewayServices): Plugin {
  return usePrometheus({
    endpoint: '/metrics',
    registry: services.metrics.registry,
    // Per operation: duration, count, errors, HTTP duration. The per-phase histograms and the
    // deprecated-field counter (which walks every document) cost CPU on every request and answer
    // questions the request log and traces already answer; the upstream metrics are the gateway's own.
    metrics: {
      graphql_envelop_request_duration: true,
      graphql_envelop_request: true,
      graphql_envelop_error_result: true,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      // Not graphql_yoga_http_duration: its `url` label holds GET queries and their variables
      // (subjects, senders) on an unauthenticated endpoint, with unbounded cardinality.
      graphql_yoga_http_duration: false,
    },
  });
}
