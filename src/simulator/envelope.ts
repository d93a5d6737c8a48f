/**
 * The Cloudflare v4 response envelope (contract#envelope) and the error codes the simulator answers with.
 * Codes that the contract names are used verbatim; where it is silent, the code is the simulator's
 * own plausible choice (noted per constant) — clients should key on HTTP status, not on these.
 */
export interface ResponseInfo {
  code: number;
  message: string;
}

export interface Envelope {
  success: boolean;
  errors: ResponseInfo[];
  messages: ResponseInfo[];
  result?: unknown;
  result_info?: unknown;
}

/** A handler's answer before faults/latency are applied. `body` is JSON unless `raw` is set. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A non-JSON body (already serialised) and its content type. */
  raw?: { contentType: string; data: string | Buffer };
}

export const CODES = {
  /** Cloudflare's generic "no route". */
  NO_ROUTE: 7000,
  /** Cloudflare: "Could not route to …, perhaps your object identifier is invalid?". */
  BAD_IDENTIFIER: 7003,
  /** Cloudflare: "Unauthorized to access requested resource". */
  UNAUTHORIZED: 9109,
  /** Cloudflare: "Authentication error". */
  AUTH: 10000,
  /** Cloudflare: "Method not allowed". */
  METHOD_NOT_ALLOWED: 10405,
  /** Cloudflare: "Please wait and consider throttling your request speed". */
  RATE_LIMITED: 971,
  /** Simulator's choice for body/query validation failures (Cloudflare uses many 1xxx codes). */
  BAD_REQUEST: 1000,
  /** Simulator's choice: unknown message id. */
  MESSAGE_NOT_FOUND: 1001,
  /** Simulator's choice: E4/E6 asked for a benign message (documented for non-benign only). */
  NOT_AVAILABLE: 1002,
  /** Simulator's choice: unknown bulk job. */
  JOB_NOT_FOUND: 1004,
  /** Simulator's choice: unknown insight. */
  INSIGHT_NOT_FOUND: 1005,
  /** Simulator's choice: bulk-job state conflict (E15 non-terminal, E16 terminal). */
  CONFLICT: 1009,
  /** Simulator's choice: request body not JSON. */
  MALFORMED_BODY: 1012,
} as const;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, CODES.BAD_REQUEST, message);
}

export function ok(result: unknown, resultInfo?: unknown, status = 200): SimResponse {
  const body: Envelope = { success: true, errors: [], messages: [], result };
  if (resultInfo !== undefined) body.result_info = resultInfo;
  return { status, body };
}

/** I1, S2, S3: the success schema is only `{errors, messages, success}` — no `result` key (contract#envelope). */
export function okNoResult(): SimResponse {
  const body: Envelope = { success: true, errors: [], messages: [] };
  return { status: 200, body };
}

export function errorEnvelope(code: number, message: string): Envelope {
  return { success: false, errors: [{ code, message }], messages: [], result: null };
}

export function errorResponse(error: ApiError): SimResponse {
  return { status: error.status, headers: error.headers, body: errorEnvelope(error.code, error.message) };
}

/** Default error body for an injected `status` fault: a plausible Cloudflare envelope per status. */
export function defaultErrorFor(status: number): Envelope {
  switch (status) {
    case 400:
      return errorEnvelope(CODES.BAD_REQUEST, 'Bad request');
    case 401:
      return errorEnvelope(CODES.AUTH, 'Authentication error');
    case 403:
      return errorEnvelope(CODES.UNAUTHORIZED, 'Unauthorized to access requested resource');
    case 404:
      return errorEnvelope(CODES.NO_ROUTE, 'No route for that URI');
    case 405:
      return errorEnvelope(CODES.METHOD_NOT_ALLOWED, 'Method not allowed');
    case 409:
      return errorEnvelope(CODES.CONFLICT, 'Conflict');
    case 429:
      return errorEnvelope(CODES.RATE_LIMITED, 'Please wait and consider throttling your request speed');
    case 502:
      return errorEnvelope(10013, 'Bad gateway');
    case 503:
      return errorEnvelope(10013, 'Service temporarily unavailable');
    case 504:
      return errorEnvelope(10013, 'Gateway timeout');
    default:
      return status >= 500
        ? errorEnvelope(10013, 'An unknown error has occurred')
        : errorEnvelope(CODES.BAD_REQUEST, `Request failed with status ${status}`);
  }
}
