/** Reading request bodies and writing JSON answers on node:http, shared by the API and the control API. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY = 16 * 1024 * 1024;

/** The whole body; null when the client went away or sent more than 16 MiB. */
export function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
    req.on('aborted', () => resolve(null));
  });
}

/** JSON when it parses (whatever the content type claims), else the raw text; undefined when empty. */
export function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(JSON.stringify(body ?? null));
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(data.length),
    'cf-ray': cfRay(),
  });
  res.end(data);
}

/** A Cloudflare-looking ray id, marked as the simulator's. */
export function cfRay(): string {
  return `${randomBytes(8).toString('hex')}-SIM`;
}
