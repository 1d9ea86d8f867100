import { describe, expect, it } from 'vitest';
import { backoffMs, type RetryVerdict, withRetry } from './retry.ts';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

function failing(times: number, error = new Error('boom')) {
  let calls = 0;
  return {
    attempt: async () => {
      calls += 1;
      if (calls <= times) throw error;
      return 'done';
    },
    calls: () => calls,
  };
}

describe('retries', () => {
  it('retry until the call succeeds, waiting with growing back-off', async () => {
    const waits: number[] = [];
    const call = failing(2);
    const result = await withRetry(
      call.attempt,
      { classify: () => ({ retry: true }), sleep: async (ms) => void waits.push(ms), random: () => 1 },
      policy,
    );
    expect(result).toBe('done');
    expect(call.calls()).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it('wait what the provider says when it says so, and report rate-limited retries', async () => {
    const seen: { waitMs: number; rateLimited: boolean }[] = [];
    const call = failing(1);
    await withRetry(
      call.attempt,
      {
        classify: (): RetryVerdict => ({ retry: true, waitMs: 10_000, rateLimited: true }),
        onRetry: ({ waitMs, rateLimited }) => void seen.push({ waitMs, rateLimited }),
        sleep: async () => {},
      },
      policy,
    );
    expect(seen).toEqual([{ waitMs: 10_000, rateLimited: true }]);
  });

  it('give up after the last attempt, throwing the last error', async () => {
    const call = failing(10, new Error('still down'));
    await expect(
      withRetry(call.attempt, { classify: () => ({ retry: true }), sleep: async () => {} }, policy),
    ).rejects.toThrow('still down');
    expect(call.calls()).toBe(4);
  });

  it('do not retry what the provider refused for good', async () => {
    const call = failing(10);
    await expect(
      withRetry(call.attempt, { classify: () => ({ retry: false }), sleep: async () => {} }, policy),
    ).rejects.toThrow('boom');
    expect(call.calls()).toBe(1);
  });

  it('back-off is jittered between half and all of a capped exponential', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(50);
    expect(backoffMs(3, policy, () => 1)).toBe(400);
    expect(backoffMs(10, policy, () => 1)).toBe(1_000);
  });
});
