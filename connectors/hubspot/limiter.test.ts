import { describe, expect, it } from 'vitest';
import { RollingGate } from './limiter.ts';

describe('RollingGate', () => {
  it('lets a whole window go at once, then waits until the window has passed since the oldest answer', () => {
    let now = 0;
    const gate = new RollingGate(2, 1_000, () => now);
    const first = gate.tryTake();
    const second = gate.tryTake();
    if (typeof first === 'number' || typeof second === 'number') throw new Error('expected slots');
    expect(gate.tryTake()).toBe(10); // both still in flight
    now = 300;
    first.done();
    now = 500;
    second.done();
    expect(gate.tryTake()).toBe(810); // 1 000 ms and a 1% margin after the first answer
    now = 1_310;
    expect(typeof gate.tryTake()).toBe('object');
    expect(gate.tryTake()).toBe(200);
  });
});
