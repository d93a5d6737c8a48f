import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpTransport } from '../../src/upstream/transport.js';

// The transport reads bodies with 'data' events and stream.finished (not `for await`): the same
// outcomes for a body in many chunks, a body that stalls past the timeout and one cut off by a reset.
let server: Server;
let transport: HttpTransport;
beforeAll(async () => {
  server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    if (request.url === '/chunks') {
      const parts = ['{"success":true,', '"result":{"text":"', 'é'.repeat(5000), '"}}'];
      let index = 0;
      const next = () => {
        if (index === parts.length) return void response.end();
        response.write(parts[index++]);
        setTimeout(next, 5);
      };
      next();
    } else if (request.url === '/stall') {
      response.write('{"success":');
    } else if (request.url === '/reset') {
      response.write('{"success":', () => response.socket?.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  transport = new HttpTransport({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    timeoutMs: 300,
  });
});
afterAll(async () => {
  await transport.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('HttpTransport reads the body', () => {
  test('a body in several chunks (multi-byte characters across them) arrives whole', async () => {
    const outcome = await transport.send({ method: 'GET', pathAndQuery: '/chunks', headers: {}, timeoutMs: 300 });
    expect(outcome.kind).toBe('response');
    if (outcome.kind !== 'response') return;
    expect(JSON.parse(outcome.text)).toEqual({ success: true, result: { text: 'é'.repeat(5000) } });
  });

  test('a body that stalls past the timeout is a timeout', async () => {
    const outcome = await transport.send({ method: 'GET', pathAndQuery: '/stall', headers: {}, timeoutMs: 300 });
    expect(outcome.kind).toBe('timeout');
  });

  test('a body cut off by a reset is a network failure, not a hang', async () => {
    const outcome = await transport.send({ method: 'GET', pathAndQuery: '/reset', headers: {}, timeoutMs: 300 });
    expect(outcome.kind).toBe('network');
  });
});
