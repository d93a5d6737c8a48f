/** Kept so bench/soak.ts can still spawn this path; the entry is src/simulator/standalone.ts (random port, the soak's budget). */
import { runStandalone, standaloneOptionsFromEnv } from '../../src/simulator/standalone.js';

await runStandalone(
  standaloneOptionsFromEnv({
    ...process.env,
    SIMULATOR_PORT: '0',
    SIMULATOR_BUDGET_LIMIT: process.env.SOAK_SIM_BUDGET_LIMIT,
  }),
);
