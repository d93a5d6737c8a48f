import { z } from 'zod';
import type { GatewayContext } from '../context.js';
import { badUserInput, ValidationError, type ValidationIssue } from './errors.js';

/**
 * The input rules shared by queries and mutations, as zod schemas. A mutation turns a failed parse
 * into `ValidationError { issues }` (./mutation.ts), a query into a `BAD_USER_INPUT` GraphQL error
 * (`parseArgument`); both name the path, with one issue per path.
 */

/** Cloudflare ids are ~50 characters; anything near this is not an id and must not become a URL. */
export const MAX_ID_LENGTH = 256;

/**
 * An id that goes into a URL path (investigate id, insight id, job id): not empty, not `.`/`..`, no
 * slash or backslash, no control characters, valid Unicode, at most 256 characters. Checked here so
 * nothing the transport would refuse is ever handed to it. One message per failing id.
 */
export const pathIdSchema = z.string().superRefine((value, ctx) => {
  const problem = pathIdProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

function pathIdProblem(value: string): string | null {
  if (value === '' || value === '.' || value === '..') return 'must not be empty, "." or ".."';
  if (value.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  if (value.includes('/') || value.includes('\\')) return 'must not contain "/" or "\\"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  try {
    encodeURIComponent(value);
  } catch {
    return 'is not valid Unicode'; // a lone UTF-16 surrogate cannot become UTF-8
  }
  return null;
}

/** GraphQL `ID` arrives as a string (or a number literal): the rules above on its string form. */
export const investigateIdSchema = z.coerce.string().pipe(pathIdSchema);
export const insightIdSchema = investigateIdSchema;
export const jobIdSchema = investigateIdSchema;

const HEX32 = /^[0-9a-f]{32}$/i;
export const accountIdSchema = z
  .string()
  .regex(HEX32, '`accountId` must be 32 hexadecimal characters')
  .transform((value) => value.toLowerCase());
export const zoneIdSchema = z
  .string()
  .regex(HEX32, '`zoneId` must be 32 hexadecimal characters')
  .transform((value) => value.toLowerCase());

/** The optional `accountId` of a root field: given and valid, or the configured default. */
export function accountIdFor(context: GatewayContext) {
  return z
    .string()
    .nullish()
    .transform((value, ctx) => {
      if (value == null) {
        if (context.defaultAccountId) return context.defaultAccountId;
        ctx.addIssue({
          code: 'custom',
          message: '`accountId` is required: the gateway has no CLOUDFLARE_ACCOUNT_ID configured',
        });
        return z.NEVER;
      }
      const parsed = accountIdSchema.safeParse(value);
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid' });
      return z.NEVER;
    });
}

/** Security Center scope: exactly one of account or zone (contract#scope), with the SDK's wording. */
export type InsightScopeKind = 'ACCOUNT' | 'ZONE';
export interface ResolvedScope {
  kind: InsightScopeKind;
  id: string;
  upstream: { accountId: string } | { zoneId: string };
}

export const insightScopeSchema = z
  .object(
    { accountId: z.string().nullish(), zoneId: z.string().nullish() },
    { error: 'give exactly one of accountId or zoneId' },
  )
  .nullish()
  .transform((raw, ctx): ResolvedScope => {
    const accountId = raw?.accountId ?? null;
    const zoneId = raw?.zoneId ?? null;
    if (accountId !== null && zoneId !== null)
      ctx.addIssue({ code: 'custom', message: 'give either accountId or zoneId, not both' });
    else if (accountId === null && zoneId === null)
      ctx.addIssue({ code: 'custom', message: 'give exactly one of accountId or zoneId' });
    else {
      const kind: InsightScopeKind = accountId !== null ? 'ACCOUNT' : 'ZONE';
      const parsed = (kind === 'ACCOUNT' ? accountIdSchema : zoneIdSchema).safeParse(accountId ?? zoneId);
      if (parsed.success)
        return {
          kind,
          id: parsed.data,
          upstream: kind === 'ACCOUNT' ? { accountId: parsed.data } : { zoneId: parsed.data },
        };
      ctx.addIssue({
        code: 'custom',
        message: parsed.error.issues[0]?.message ?? 'invalid',
        path: [kind === 'ACCOUNT' ? 'accountId' : 'zoneId'],
      });
    }
    return z.NEVER;
  });

/** zod issues as ValidationIssues under `prefix`: one per path (the first problem found there), at most 20. */
export function toIssues(error: z.ZodError, prefix: readonly string[]): ValidationIssue[] {
  const byPath = new Map<string, ValidationIssue>();
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map(String)];
    const key = path.join('\u0000');
    if (!byPath.has(key)) byPath.set(key, { path, message: issue.message });
  }
  return [...byPath.values()].slice(0, 20);
}

/** Parses a mutation input; a failure is the typed ValidationError. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(toIssues(parsed.error, ['input']));
  return parsed.data;
}

/** Parses one query argument; a failure is a BAD_USER_INPUT GraphQL error naming the argument. */
export function parseArgument<T extends z.ZodType>(schema: T, value: unknown, name: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const [issue] = toIssues(parsed.error, [name]);
  const path = issue?.path ?? [name];
  const message = issue?.message ?? 'is invalid';
  throw badUserInput(message.startsWith('`') ? message : `\`${path.join('.')}\`: ${message}`, path);
}
