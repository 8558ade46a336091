import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Anything that could carry a credential is censored wherever it appears in a log object: a grant,
 * a bearer token, a password, a connection string. Code must still never log such values on purpose;
 * this is the second line of defence.
 */
export const REDACT_PATHS = [
  'token',
  'grant',
  'password',
  'secret',
  'authorization',
  'connectionString',
  'databaseUrl',
  '*.token',
  '*.grant',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.connectionString',
  '*.databaseUrl',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(service: string, level = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** Routes Nest's own log calls through pino so that every line is JSON and redacted alike. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
