import pino from 'pino';
import type { Logger } from '../../connectors/connector.ts';

// Structured logs on stderr (JSON unless a person is watching). Secrets, tokens, emails and phone numbers
// never reach a log: fields that could carry them are redacted by name, and messages never include them.

export const REDACTED_FIELDS = [
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'tokens',
  'token',
  'code',
  'secret',
  'clientSecret',
  'client_secret',
  'appSecret',
  'authorization',
  'email',
  'emails',
  'phone',
  'phones',
  'password',
];

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** One readable line per entry, for a person watching a terminal (already redacted: it reads pino's output). */
export function readableLine(json: string): string {
  const {
    level,
    time,
    msg,
    app: _app,
    pid: _pid,
    hostname: _host,
    ...fields
  } = JSON.parse(json) as Record<string, unknown>;
  const clock = new Date(Number(time)).toISOString().slice(11, 19);
  const extra = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${clock} ${(LEVELS[Number(level)] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${extra ? `  ${extra}` : ''}\n`;
}

const readableStderr: pino.DestinationStream = {
  write: (line: string) => {
    process.stderr.write(readableLine(line));
  },
};

/** Logs on stderr: JSON lines, or readable lines when stderr is a terminal. */
export function createLogger(
  level: string,
  destination: pino.DestinationStream = process.stderr.isTTY ? readableStderr : pino.destination(2),
): Logger & pino.Logger {
  return pino(
    {
      level,
      redact: { paths: [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((f) => `*.${f}`)], censor: '[redacted]' },
      base: { app: 'community-sync' },
    },
    destination,
  );
}
