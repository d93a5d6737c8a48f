/**
 * The call path to Cloudflare: this class prepares a call once (path, query, credential
 * fingerprint) and runs it through the chain of layers in ./call/, assembled here in order:
 *
 *   cache → single flight → retry (+ 202 polling) → budget → pacer → transport
 *
 * then applies the endpoint's schemas. Everything it knows about an endpoint comes from the
 * catalogue (endpoints.ts). One request-wide deadline (REQUEST_DEADLINE_MS) bounds all of it.
 */
import type { Dispatcher } from 'undici';
import type { CallOptions, CallResult, CloudflareHttpOptions } from './call-types.js';
import { budgetLayer } from './call/budget-layer.js';
import { cacheLayer } from './call/cache-layer.js';
import { type Attempt, type Call, type CallLayer, chain, type UpstreamCall } from './call/chain.js';
import { pacerLayer } from './call/pacer-layer.js';
import { attemptReporter } from './call/report.js';
import { retryLayer } from './call/retry-layer.js';
import { singleFlightLayer } from './call/single-flight-layer.js';
import { transportAttempt } from './call/transport-layer.js';
import { validated } from './call/validate.js';
import { type EndpointDefinition, type EndpointId, endpoints } from './endpoints.js';
import { fingerprintCredentials } from './fingerprint.js';
import { RetryPolicy } from './retry.js';
import { buildPath, encodeQuery, HttpTransport } from './transport.js';

export type {
  CallOptions,
  CallResult,
  CloudflareHttpOptions,
  UpstreamAttempt,
  UpstreamObserver,
  UpstreamTracer,
} from './call-types.js';
export type { Envelope } from './envelope.js';
export { boundedRetryAfter, MAX_LOCKOUT_MS, retryAfterMillis } from './retry.js';
export {
  credentialHeaders,
  encodePathParam,
  encodeQuery,
  MAX_PATH_PARAM_LENGTH,
  type QueryParams,
  type QueryValue,
} from './transport.js';

/** How long a replica waits for another one's identical read before calling itself (SINGLE_FLIGHT_LEASE_MS). */
export const DEFAULT_FLIGHT_LEASE_MS = 3_000;

export class CloudflareHttp {
  readonly baseUrl: string;
  readonly requestDeadlineMs: number;
  private readonly transport: HttpTransport;
  private readonly run: Call;

  constructor(private readonly options: CloudflareHttpOptions) {
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      ...(options.connections === undefined ? {} : { connections: options.connections }),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    this.baseUrl = this.transport.baseUrl;
    this.requestDeadlineMs = options.requestDeadlineMs ?? 0;
    const transport = this.transport;
    const processObserver = { onAttempt: options.onAttempt, onCacheHit: options.onCacheHit };
    const attempt = chain<Attempt>(
      [
        ...(options.budget ? [budgetLayer(options.budget, transport)] : []),
        ...(options.pacer ? [pacerLayer(options.pacer, transport)] : []),
      ],
      transportAttempt(transport, {
        timeoutMs: options.timeoutMs,
        userAgent: options.userAgent ?? 'email-security-graphql-gateway',
      }),
    );
    const calls: CallLayer[] = [];
    if (options.cache) {
      calls.push(
        cacheLayer(options.cache, {
          pathOf: (endpoint, pathParams) => this.pathOf(endpoint, pathParams),
          processObserver,
        }),
        singleFlightLayer({
          store: options.flights ?? null,
          leaseMs: options.flightLeaseMs ?? DEFAULT_FLIGHT_LEASE_MS,
          maxAnswerBytes: options.flightMaxAnswerBytes ?? 4 * 1024 * 1024,
          transport,
        }),
      );
    }
    this.run = chain<Call>(
      calls,
      retryLayer(
        {
          policy: new RetryPolicy(options),
          transport,
          report: attemptReporter(processObserver),
          timeoutMs: options.timeoutMs,
          requestDeadlineMs: this.requestDeadlineMs,
          searchPollTimeoutMs: options.searchPollTimeoutMs,
        },
        attempt,
      ),
    );
  }

  /** The keep-alive pool (tests and the soak read its stats). */
  get dispatcher(): Dispatcher {
    return this.transport.dispatcher;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private pathOf(endpoint: EndpointId, pathParams: Record<string, string>): string {
    return this.transport.basePath + buildPath(endpoint, endpoints[endpoint].path, pathParams);
  }

  async call<E extends EndpointId>(options: CallOptions<E>): Promise<CallResult<E>> {
    const definition: EndpointDefinition = endpoints[options.endpoint];
    const call: UpstreamCall = {
      options,
      endpoint: options.endpoint,
      definition,
      isRead: definition.semantics === 'read',
      path: this.pathOf(options.endpoint, options.pathParams),
      search: encodeQuery(options.query),
      credential: fingerprintCredentials(options.credentials),
      logger: options.logger ?? this.options.logger,
    };
    return validated<E>(call, await this.run(call));
  }
}
