import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createGateway } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { attachWebSocket } from './transports/websocket.js';

/** A bad configuration stops the process with exit 2 and one line per variable, never a stack trace. */
function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    for (const issue of error.issues) console.error(`Configuration error: ${issue.variable} ${issue.message}`);
    process.exit(2);
  }
  throw error;
}

/**
 * pino-pretty is a development dependency (the production image installs none of them). LOG_PRETTY=true
 * without it falls back to JSON lines and says so once, instead of a stack from pino's transport.
 */
function prettyPrinterInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    console.error(
      'LOG_PRETTY=true ignored: pino-pretty is not installed (a development dependency); logging JSON lines',
    );
    return false;
  }
}

/** Why the server could not listen, as the configuration error it is (null: some other failure). */
function bindFailure(error: NodeJS.ErrnoException, host: string, port: number): ConfigError | null {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError([
        {
          variable: 'PORT',
          message: `${port} is already in use on ${host} (another gateway, or a second \`npm start\`?): stop it or choose another PORT`,
        },
      ]);
    case 'EACCES':
      return new ConfigError([
        { variable: 'PORT', message: `${port} on ${host} may not be bound by this user: choose a PORT above 1023` },
      ]);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ConfigError([{ variable: 'HOST', message: `${host} is not an address of this machine` }]);
    default:
      return null;
  }
}

/** The only file that listens. */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    exitOnConfigError(error);
  }
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty && prettyPrinterInstalled() });
  // Some values are only checked when used (e.g. AUTH_PUBLIC_KEY must parse as a key).
  const gateway = await createGateway(config, logger).catch(exitOnConfigError);
  const server = createServer(gateway.yoga);
  // A load balancer reuses idle connections for up to its own idle timeout (often 60 s); if the
  // gateway closed them first (Node's default is 5 s), a reused one would meet a reset (a 502). The
  // headers timeout must outlast the keep-alive one, or Node cuts a reused connection's next request.
  server.keepAliveTimeout = config.server.keepAliveMs;
  server.headersTimeout = config.server.keepAliveMs + 1_000;
  // graphql-ws on the same port and path (/graphql): the HTTP server hands it the upgrades.
  const websocket = attachWebSocket(server, gateway);
  // A port that is taken or not ours to bind is a configuration problem like any other: one line, exit 2.
  server.once('error', (error: NodeJS.ErrnoException) =>
    exitOnConfigError(bindFailure(error, config.server.host, config.server.port) ?? error),
  );
  server.listen(config.server.port, config.server.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    logger.info({ url: `http://${config.server.host}:${port}/graphql` }, 'Email Security gateway listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, graceMs: config.shutdownGraceMs },
      'shutting down: no new connections, finishing in-flight requests',
    );
    // Live streams would hold the drain until the deadline: end them now, so their clients reconnect
    // to another replica and resume from their last event id.
    gateway.services.live.drain();
    void websocket.close();
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline reached; closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    deadline.unref();
    // Keep-alive sockets that finish their last response while we drain must not hold the process.
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    reaper.unref();
    server.close(async () => {
      clearInterval(reaper);
      clearTimeout(deadline);
      await gateway.close();
      logger.info('stopped');
      // pino writes stdout asynchronously; process.exit() now would race its in-flight write against
      // the exit-time sync flush and drop or reorder the last lines. Everything is closed, so let the
      // event loop empty by itself; the unref'd timer only ends a process that something still holds.
      process.exitCode = 0;
      setTimeout(() => process.exit(0), 2_000).unref();
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
