/** Standalone simulator (`npm run simulator`); environment variables: see standalone.ts. */
import { runStandalone, standaloneOptionsFromEnv } from './standalone.js';

await runStandalone(standaloneOptionsFromEnv(process.env));
