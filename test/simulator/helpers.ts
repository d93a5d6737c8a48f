/** Test helpers: real HTTP against a simulator on 127.0.0.1 (global fetch = undici). */
import { vi } from 'vitest';
import { SIMULATOR_ACCOUNT_ID, type Simulator } from '../../src/simulator/index.js';

export const TOKEN = 'test-token';
export const ACCOUNT = SIMULATOR_ACCOUNT_ID;
export const INVESTIGATE = `/accounts/${ACCOUNT}/email-security/investigate`;

export interface ApiResult<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON body (undefined when empty / not JSON). */
  json: Envelope<T>;
  text: string;
}

export interface Envelope<T = unknown> {
  success: boolean;
  errors: { code: number; message: string }[];
  messages: { code: number; message: string }[];
  result: T;
  result_info?: Record<string, unknown>;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Default: `Authorization: Bearer test-token`. Pass `{}` for none. */
  auth?: Record<string, string>;
  signal?: AbortSignal;
}

export async function call<T = unknown>(
  sim: Simulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = {
    ...(options.auth ?? { authorization: `Bearer ${TOKEN}` }),
    ...(options.headers ?? {}),
  };
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  if (options.signal) init.signal = options.signal;
  const response = await fetch(`${sim.baseUrl}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json: json as Envelope<T>, text };
}

export const get = <T = unknown>(sim: Simulator, path: string, options?: CallOptions) =>
  call<T>(sim, 'GET', path, options);
export const post = <T = unknown>(sim: Simulator, path: string, body?: unknown, options: CallOptions = {}) =>
  call<T>(sim, 'POST', path, { ...options, body });

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits, with vitest's own `vi.waitFor`, until `check` holds (bulk jobs progress with time). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await check())) throw new Error('not yet');
    },
    { timeout: timeoutMs, interval: 20 },
  );
}
