/**
 * The Cloudflare simulator as a child process of a benchmark, and its `/__simulator/` control API.
 */
import { Pool, request } from 'undici';
import { type Child, freePort, spawnNode, stop, waitForOutput } from './processes.js';

/**
 * The simulator's out-of-band control API (`/__simulator/<action>`: reset, counts, requests, budget,
 * latency, faults, messages…), over a pool of its own so that closing it leaves no socket behind
 * (the soak counts the TCP handles of its process).
 */
export class SimulatorControl {
  private readonly pool: Pool;

  constructor(readonly origin: string) {
    this.pool = new Pool(origin, { connections: 2 });
  }

  get<T = unknown>(action: string): Promise<T> {
    return this.send('GET', action) as Promise<T>;
  }

  post<T = unknown>(action: string, body?: unknown): Promise<T> {
    return this.send('POST', action, body) as Promise<T>;
  }

  delete(action: string): Promise<unknown> {
    return this.send('DELETE', action);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async send(method: 'GET' | 'POST' | 'DELETE', action: string, body?: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(`${this.origin}/__simulator/${action}`, {
          dispatcher: this.pool,
          method,
          headers: { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        // A keep-alive socket the simulator has just closed can fail one attempt; only a failed
        // connection is retried, never an answer, so a POST is not applied twice.
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        continue;
      }
      const text = await response.body.text();
      if (response.statusCode < 200 || response.statusCode >= 300)
        throw new Error(`simulator control ${method} ${action}: ${response.statusCode} ${text}`);
      return text ? JSON.parse(text) : undefined;
    }
  }
}

export interface SimulatorProcess {
  child: Child;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The Cloudflare API base URL it serves, `<origin>/client/v4`. */
  baseUrl: string;
  control: SimulatorControl;
  /** Closes the control pool, then stops the process by PID. */
  stop(): Promise<void>;
}

/**
 * Starts a simulator entry (`dist/simulator/main.js` by default) on a loopback port and waits for
 * the base URL it prints once it listens (an entry may pick its own port and ignore SIMULATOR_PORT).
 */
export async function startSimulator(options: {
  logDir: string;
  latencyMs: number;
  /** Node arguments running the entry, e.g. `['--import', 'tsx', 'src/simulator/main.ts']`. */
  args?: string[];
  env?: Record<string, string>;
}): Promise<SimulatorProcess> {
  const child = spawnNode(
    'simulator',
    options.args ?? ['dist/simulator/main.js'],
    {
      SIMULATOR_PORT: String(await freePort()),
      SIMULATOR_HOST: '127.0.0.1',
      SIMULATOR_LATENCY_MS: String(options.latencyMs),
      ...options.env,
    },
    options.logDir,
  );
  const listening = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+\/client\/v4)/);
  const baseUrl = listening[1] as string;
  const origin = new URL(baseUrl).origin;
  const control = new SimulatorControl(origin);
  return {
    child,
    origin,
    baseUrl,
    control,
    async stop() {
      await control.close();
      await stop(child);
    },
  };
}
