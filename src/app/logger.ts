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

export function createLogger(
  level: string,
  destination: pino.DestinationStream = pino.destination(2),
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
