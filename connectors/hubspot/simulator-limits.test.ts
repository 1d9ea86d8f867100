import { describe, expect, it } from 'vitest';
import { RollingWindow } from './simulator-limits.ts';

describe('RollingWindow', () => {
  it('refuses the request over the limit and frees room as old requests leave the window', () => {
    const window = new RollingWindow({ max: 2, intervalMs: 100 });
    expect(window.take(0)).toBe(true);
    expect(window.take(50)).toBe(true);
    expect(window.take(99)).toBe(false);
    expect(window.remaining(99)).toBe(0);
    expect(window.take(100)).toBe(true);
    expect(window.remaining(149)).toBe(0);
    expect(window.remaining(150)).toBe(1);
  });
});
