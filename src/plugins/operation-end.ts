import { getOperationAST } from 'graphql';
import { isAsyncIterable } from 'graphql-yoga';

/**
 * Calls `done` once per operation with the error count, when the whole response is over: at once for
 * a single result, after the last part for an incremental one (`@defer` / `@stream`, subscriptions),
 * so the request log and the span count every upstream call the operation made.
 */
export function onOperationDone(result: unknown, done: (errors: number) => void) {
  const errorsOf = (value: unknown) => {
    const errors = (value as { errors?: unknown[] } | null)?.errors;
    const incremental = (value as { incremental?: { errors?: unknown[] }[] } | null)?.incremental ?? [];
    return (
      (Array.isArray(errors) ? errors.length : 0) +
      incremental.reduce((sum, part) => sum + (part.errors?.length ?? 0), 0)
    );
  };
  if (!isAsyncIterable(result)) {
    done(errorsOf(result));
    return undefined;
  }
  let errors = 0;
  return {
    onNext({ result: part }: { result: unknown }) {
      errors += errorsOf(part);
    },
    onEnd() {
      done(errors);
    },
  };
}

/** The operation's name, from the request or from the document's only operation. */
export function operationNameOf(args: {
  document: Parameters<typeof getOperationAST>[0];
  operationName?: string | null;
}): string | undefined {
  return args.operationName ?? getOperationAST(args.document, args.operationName)?.name?.value;
}
