// Bounded retries with exponential back-off and full jitter, for every provider. The provider decides what a
// failure means (`classify`); this decides when to try again.

/** What to do about one failed attempt. */
export type RetryVerdict =
  | { retry: false }
  /** `waitMs`: the provider said how long (a rate-limit window, Retry-After); otherwise back off. */
  | { retry: true; waitMs?: number; rateLimited?: boolean };

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

export interface RetryHooks {
  classify(error: unknown, attempt: number): RetryVerdict;
  /** Called before each wait, e.g. to count retries and rate-limited answers. */
  onRetry?(info: { error: unknown; attempt: number; waitMs: number; rateLimited: boolean }): void;
  sleep?(ms: number): Promise<void>;
  random?(): number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before retry number `attempt` (1-based): full jitter over an exponentially growing cap. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Runs `attempt` until it succeeds, `classify` says not to retry, or the attempts run out (last error thrown). */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  hooks: RetryHooks,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  const wait = hooks.sleep ?? sleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const verdict = hooks.classify(error, n);
      if (!verdict.retry || n >= policy.maxAttempts) throw error;
      const waitMs = verdict.waitMs ?? backoffMs(n, policy, hooks.random);
      hooks.onRetry?.({ error, attempt: n, waitMs, rateLimited: verdict.rateLimited ?? false });
      await wait(waitMs);
    }
  }
}
