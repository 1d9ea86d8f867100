import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.ts';

describe('single flight', () => {
  it('callers arriving while a call runs share it; the next call after it settles runs again', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release: (() => void) | undefined;
    const call = () =>
      new Promise<number>((resolve) => {
        runs += 1;
        release = () => resolve(runs);
      });
    const together = [flight.run('org', call), flight.run('org', call), flight.run('org', call)];
    release?.();
    expect(await Promise.all(together)).toEqual([1, 1, 1]);
    const later = flight.run('org', call);
    release?.();
    expect(await later).toBe(2);
  });

  it('keys are independent, and a failure is shared then forgotten', async () => {
    const flight = new SingleFlight<string>();
    const failed = flight.run('a', () => Promise.reject(new Error('revoked')));
    const other = flight.run('b', async () => 'fine');
    await expect(failed).rejects.toThrow('revoked');
    expect(await other).toBe('fine');
    expect(await flight.run('a', async () => 'recovered')).toBe('recovered');
  });
});
