import { createHash } from 'node:crypto';

/**
 * Where a connection's latest tokens are kept in the shared state: named by its refresh token, so tokens of an
 * earlier grant (before a reconnect) are never taken for the current one's.
 */
export const latestTokensKey = (scope: string, refreshToken: string) =>
  `${scope}:tokens:${createHash('sha256').update(refreshToken).digest('hex').slice(0, 16)}`;

/** How long the latest tokens stay shared; the store keeps them for good. */
export const LATEST_TOKENS_MS = 24 * 60 * 60_000;
