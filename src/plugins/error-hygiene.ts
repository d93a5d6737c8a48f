import { isAsyncIterable, type Plugin } from 'graphql-yoga';

interface ErrorJson {
  message?: string;
  extensions?: Record<string, unknown>;
}

/** " Did you mean "INBOX"?" and its kin: schema names the caller did not ask for. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * Production error hygiene for what yoga and GraphQL Armor leave: Armor's plugin blocks field
 * suggestions, but enum-value and argument suggestions ("Did you mean the enum value …?") still
 * describe the schema; and yoga attaches `originalError` (with an echo of the body) to request
 * parsing errors even in production. Applied to every result just before it is serialised.
 */
export function useProductionErrorHygiene(): Plugin {
  // In place: the error objects also carry what yoga needs later (e.g. `extensions.http.status`).
  const clean = (error: ErrorJson): void => {
    if (!error || typeof error !== 'object') return;
    if (typeof error.message === 'string' && error.message.includes('Did you mean')) {
      (error as { message: string }).message = error.message.replace(SUGGESTION, '');
    }
    if (error.extensions && 'originalError' in error.extensions) delete error.extensions.originalError;
  };
  const cleanResult = (result: unknown): void => {
    if (Array.isArray(result)) for (const entry of result) cleanResult(entry);
    const errors = (result as { errors?: ErrorJson[] } | null)?.errors;
    if (Array.isArray(errors)) for (const error of errors) clean(error);
  };
  return {
    onResultProcess({ result }) {
      if (isAsyncIterable(result)) return;
      cleanResult(result);
    },
  };
}
