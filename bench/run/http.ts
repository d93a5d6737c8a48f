/**
 * What the bench sends: autocannon request templates for GraphQL, the check a response must pass,
 * and the probes' single timed request (over one keep-alive socket, timing a multipart response's
 * first part).
 */
import { Agent, request as httpRequest } from 'node:http';
import type { Request as AutocannonRequest } from 'autocannon';

/** False on a GraphQL `errors` entry or an `…Error` union member: the response counts as failed. */
export const verifyGraphql = (body: string) => !body.includes('"errors":') && !/"__typename":"\w*Error"/.test(body);

export function graphqlRequest(body: unknown, token: string | null, path = '/graphql'): AutocannonRequest {
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  };
}

/** One request whose body is rebuilt for each call (ids cycle, idempotency keys are unique). */
export function cyclingRequest(token: string | null, build: (n: number) => unknown): AutocannonRequest {
  let n = 0;
  return {
    ...graphqlRequest({}, token),
    setupRequest: (request) => ({ ...request, body: JSON.stringify(build(n++)) }),
  };
}

const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });

export interface Timed {
  status: number;
  body: string;
  /** ms from sending the request to the end of the first complete multipart part (or of the body). */
  firstPartMs: number;
  totalMs: number;
  parts: number;
}

/** One HTTP request over a keep-alive socket; for multipart/mixed it times the first complete part. */
export function timedRequest(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(url, { method: init.method, headers: init.headers, agent: probeAgent }, (res) => {
      let body = '';
      let firstPartMs = Number.NaN;
      res.setEncoding('utf8');
      // multipart/mixed from yoga: "\r\n---" then per part "\r\nContent-Type…\r\n\r\n{json}\r\n---".
      const parts = () => Math.max(0, body.split('\r\n---').length - 2);
      const multipart = String(res.headers['content-type'] ?? '').startsWith('multipart/mixed');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (multipart && Number.isNaN(firstPartMs) && parts() >= 1) firstPartMs = performance.now() - started;
      });
      res.on('end', () => {
        const totalMs = performance.now() - started;
        resolve({
          status: res.statusCode ?? 0,
          body,
          firstPartMs: multipart ? firstPartMs : totalMs,
          totalMs,
          parts: multipart ? parts() : 1,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
