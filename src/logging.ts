import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

/**
 * Structured logs. Keys and auth headers are redacted wherever they appear; prompts are only ever
 * logged at debug level by the modules that handle them.
 */
export function createLogger(opts: { level: string; file?: string }): Logger {
  const redact = {
    paths: [
      '*.api_key',
      '*.apiKey',
      '*.authorization',
      '*["x-api-key"]',
      'headers.authorization',
      'headers["x-api-key"]',
    ],
    censor: '[redacted]',
  };
  if (opts.file) {
    fs.mkdirSync(path.dirname(opts.file), { recursive: true });
    return pino(
      { level: opts.level, redact },
      pino.destination({ dest: opts.file, sync: false, mkdir: true }),
    );
  }
  return pino({ level: opts.level, redact });
}
