/**
 * A small HTTP proxy between the gateway and the simulator that can rewrite JSON response bodies,
 * for Cloudflare behaviours the simulator does not have (e.g. a MoveResult whose `message_id` holds
 * the RFC 822 Message-ID), and that records every request it forwards: an observer of what the
 * gateway sends that shares no code with the simulator. Binds 127.0.0.1 only; the target is set
 * once the simulator is up.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Rewrite = (request: { method: string; path: string }, body: unknown) => unknown;

export interface ForwardedRequest {
  method: string;
  path: string;
  /** Epoch ms when the request reached the proxy. */
  at: number;
}

export interface RewriteProxy {
  /** `http://127.0.0.1:<port>`; use `${origin}/client/v4` as the gateway's base URL. */
  origin: string;
  /** The simulator's origin; requests fail until it is set. */
  target: string | null;
  /** Applied to every JSON response while set; return the new body. */
  rewrite: Rewrite | null;
  /** Every request received, in arrival order. */
  requests: ForwardedRequest[];
  close(): Promise<void>;
}

const readAll = (stream: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

export async function startRewriteProxy(): Promise<RewriteProxy> {
  const proxy: RewriteProxy = { origin: '', target: null, rewrite: null, requests: [], close: async () => undefined };
  const server: Server = createServer(async (req, res) => {
    proxy.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', at: Date.now() });
    try {
      if (!proxy.target) throw new Error('no target');
      const body = await readAll(req);
      const target = new URL(req.url ?? '/', proxy.target);
      const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
        const forwarded = httpRequest(
          target,
          { method: req.method, headers: { ...req.headers, host: target.host } },
          resolve,
        );
        forwarded.on('error', reject);
        forwarded.end(body);
      });
      let data = await readAll(upstream);
      const headers = { ...upstream.headers };
      const rewrite = proxy.rewrite;
      if (rewrite && /json/.test(String(headers['content-type'] ?? '')) && data.length > 0) {
        data = Buffer.from(
          JSON.stringify(
            rewrite({ method: req.method ?? 'GET', path: target.pathname }, JSON.parse(data.toString('utf8'))),
          ),
        );
      }
      headers['content-length'] = String(data.length);
      delete headers['transfer-encoding'];
      res.writeHead(upstream.statusCode ?? 502, headers);
      res.end(data);
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
