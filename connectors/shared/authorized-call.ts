import { type RetryHooks, type RetryPolicy, withRetry } from './retry.ts';

// Every provider's API call, once: fresh tokens, the account's gate (its shared limits), the request, one
// recovery after the provider refused the access token, and bounded retries of what the provider's `classify`
// calls passing. What the tokens are and how a refresh is done stay with the provider.

export interface AuthorizedCall<K, T> {
  /** Credentials good for a call now (refreshed first when due). */
  fresh(): Promise<K>;
  /** Lets the request go within the account's limits: `send` runs inside it. */
  admit(send: () => Promise<T>): Promise<T>;
  send(credentials: K): Promise<T>;
  /** The provider refused these credentials, and a refresh may help. */
  unauthorized(error: unknown, credentials: K): boolean;
  /** Credentials to try once more with, after `rejected` was refused (refreshed, or already by another call). */
  afterUnauthorized(rejected: K): Promise<K>;
  retry: RetryHooks;
  policy?: RetryPolicy;
}

export function authorizedCall<K, T>(call: AuthorizedCall<K, T>): Promise<T> {
  return withRetry(
    async () => {
      let credentials = await call.fresh();
      let recovered = false;
      for (;;) {
        try {
          const current = credentials;
          return await call.admit(() => call.send(current));
        } catch (error) {
          if (recovered || !call.unauthorized(error, credentials)) throw error;
          recovered = true;
          credentials = await call.afterUnauthorized(credentials);
        }
      }
    },
    call.retry,
    call.policy,
  );
}
