import type { ConnectorFailureKind } from '../connector.ts';
import type { RetryVerdict } from '../shared/retry.ts';
import { header } from './limiter.ts';

// What a failed HubSpot call means: whether to try again and how long to wait, and how to report it.

/** The shape of @hubspot/api-client's ApiException (and nock-free fakes of it). */
export interface HttpFailure {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function httpFailure(error: unknown): HttpFailure | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && code >= 100 && code < 600 ? (error as HttpFailure) : null;
}

export function statusOf(error: unknown): number | null {
  return httpFailure(error)?.code ?? null;
}

/**
 * HubSpot's own message (the `message` of its error body, or OAuth's `error_description`), never the exception
 * text, which echoes headers.
 */
export function providerMessage(error: unknown): string {
  const failure = httpFailure(error);
  const body = failure?.body as { message?: unknown; error_description?: unknown } | undefined;
  for (const message of [body?.message, body?.error_description])
    if (typeof message === 'string' && message.length > 0) return message;
  if (failure) return `HTTP ${failure.code}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return `network error ${code}`;
  return error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : 'error';
}

export interface RetryTimings {
  /** The rate-limit window to wait out on a 429 when the answer does not say. */
  windowMs: number;
  lockedWaitMs: number;
}

export function classify(error: unknown, timings: RetryTimings, search: boolean): RetryVerdict {
  const failure = httpFailure(error);
  if (!failure) return { retry: true }; // network error: back off and try again
  if (failure.code === 429) {
    const reported = Number(header(failure.headers, 'x-hubspot-ratelimit-interval-milliseconds'));
    const windowMs = search ? 1_000 : reported > 0 ? reported : timings.windowMs;
    return { retry: true, waitMs: windowMs, rateLimited: true };
  }
  if (failure.code === 423) return { retry: true, waitMs: timings.lockedWaitMs };
  if (failure.code >= 500) return { retry: true };
  return { retry: false };
}

export function failureKind(error: unknown): ConnectorFailureKind {
  const status = statusOf(error);
  if (status === null || status >= 500 || status === 423) return 'unavailable';
  if (status === 429) return 'rate-limited';
  if (status === 401 || status === 403) return 'auth-revoked';
  return 'rejected';
}
