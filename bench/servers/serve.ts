/**
 * How every bench server listens: on 127.0.0.1 at PORT, stopping on SIGTERM / SIGINT (the driver
 * stops its children by PID) once open connections are closed and `dispose` has run.
 */
import { createServer, type RequestListener } from 'node:http';

export function serveOnLoopback(handler: RequestListener, dispose?: () => unknown): void {
  const server = createServer(handler);
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const stop = () => {
    server.close(() => {
      void Promise.resolve(dispose?.()).finally(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
