import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object. Credentials (Cloudflare's and the
 * caller's), raw EML and preview images never reach a log line: an analyst's raw mail is as
 * sensitive as a token.
 */
export const redactedPaths = [
  'authorization',
  'headers.authorization',
  'headers["x-auth-key"]',
  'headers["x-auth-email"]',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-auth-key"]',
  'req.headers.cookie',
  'credentials',
  'token',
  'apiKey',
  'raw',
  'screenshot',
  'emlContent',
  'eml_content',
  'variables.input.emlContent',
  '*.raw',
  '*.screenshot',
  '*.emlContent',
  '*.eml_content',
  '*.token',
  '*.authorization',
];

export type { Logger };

export function createLogger(options: {
  level: string;
  pretty: boolean;
  destination?: pino.DestinationStream;
}): Logger {
  const base: LoggerOptions = {
    level: options.level,
    base: { service: 'email-security-gateway' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(base);
}
