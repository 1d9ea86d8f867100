import { describe, expect, it } from 'vitest';
import { nextRunAt } from './schedule.ts';

describe('the daily schedule', () => {
  it('is the configured time in the tenant time zone, today if still ahead, else tomorrow', () => {
    const schedule = { time: '03:00', timeZone: 'America/New_York' };
    expect(nextRunAt(new Date('2026-11-23T07:00:00Z'), schedule).toISOString()).toBe(
      '2026-11-23T08:00:00.000Z',
    );
    expect(nextRunAt(new Date('2026-11-23T08:00:00Z'), schedule).toISOString()).toBe(
      '2026-11-24T08:00:00.000Z',
    );
  });

  it('follows daylight saving time', () => {
    const schedule = { time: '03:00', timeZone: 'America/New_York' };
    // Summer: 03:00 EDT is 07:00 UTC.
    expect(nextRunAt(new Date('2026-07-01T12:00:00Z'), schedule).toISOString()).toBe(
      '2026-07-02T07:00:00.000Z',
    );
    // The night clocks go back (1 November 2026), 03:00 EST is 08:00 UTC.
    expect(nextRunAt(new Date('2026-10-31T12:00:00Z'), schedule).toISOString()).toBe(
      '2026-11-01T08:00:00.000Z',
    );
  });

  it('runs a time that the spring change skips an hour later', () => {
    const at = nextRunAt(new Date('2026-03-07T12:00:00Z'), { time: '02:30', timeZone: 'America/New_York' });
    expect(at.toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('works in zones east of UTC and across the date line', () => {
    expect(
      nextRunAt(new Date('2026-11-23T10:00:00Z'), {
        time: '06:00',
        timeZone: 'Pacific/Auckland',
      }).toISOString(),
    ).toBe('2026-11-23T17:00:00.000Z');
    expect(
      nextRunAt(new Date('2026-11-23T10:00:00Z'), { time: '00:15', timeZone: 'UTC' }).toISOString(),
    ).toBe('2026-11-24T00:15:00.000Z');
  });
});
