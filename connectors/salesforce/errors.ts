import { ConnectorError, type ConnectorFailureKind } from '../connector.ts';
import type { RetryVerdict } from '../shared/retry.ts';

// What a failed Salesforce request means: retry, refresh the session, or give up with which kind of failure.

/**
 * The `errorCode` jsforce puts on an API error (`INVALID_SESSION_ID`, `ERROR_HTTP_503` ...); null otherwise. SOAP
 * faults (the Metadata API) name it with a namespace (`sf:INSUFFICIENT_ACCESS`), dropped here.
 */
export const errorCodeOf = (error: unknown): string | null =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as { errorCode?: unknown }).errorCode === 'string'
    ? (error as { errorCode: string }).errorCode.replace(/^\w+:/, '')
    : null;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const isSessionExpired = (error: unknown) => errorCodeOf(error) === 'INVALID_SESSION_ID';

/** REQUEST_LIMIT_EXCEEDED for the day's allocation (TotalRequests) is final; the concurrency one passes. */
export const isDailyLimit = (error: unknown) =>
  errorCodeOf(error) === 'REQUEST_LIMIT_EXCEEDED' && /TotalRequests/i.test(messageOf(error));

const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|network/i;

export function classifyFailure(error: unknown): RetryVerdict {
  if (error instanceof ConnectorError) return { retry: false };
  const code = errorCodeOf(error);
  if (code === 'REQUEST_LIMIT_EXCEEDED')
    return isDailyLimit(error) ? { retry: false } : { retry: true, rateLimited: true };
  if (code === 'SERVER_UNAVAILABLE' || code === 'UNABLE_TO_LOCK_ROW' || /^ERROR_HTTP_5\d\d$/.test(code ?? ''))
    return { retry: true };
  if (code === null && NETWORK.test(messageOf(error))) return { retry: true };
  return { retry: false };
}

/** The error a whole operation ends with, in the interface's terms. */
export function toConnectorError(error: unknown, accountId: string, operation: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const code = errorCodeOf(error);
  const message = messageOf(error);
  let kind: ConnectorFailureKind = 'rejected';
  let text = code ? `${code}: ${message}` : message;
  if (isDailyLimit(error)) {
    kind = 'rate-limited';
    text = `the org's daily API allocation is spent (${message})`;
  } else if (code === 'REQUEST_LIMIT_EXCEEDED') kind = 'rate-limited';
  else if (code === 'INVALID_SESSION_ID' || code === 'invalid_grant') kind = 'auth-revoked';
  else if (classifyFailure(error).retry) kind = 'unavailable';
  return new ConnectorError(kind, accountId, operation, text, { cause: error });
}
