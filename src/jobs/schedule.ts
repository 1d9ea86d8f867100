// When a tenant's daily run is next due: its `schedule.time` (HH:MM) in its `schedule.timeZone`, whatever the
// server's own zone. Pure; the scheduler below only sets timers.

/** Minutes east of UTC of `timeZone` at the instant `at`. */
function offsetMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The local calendar date of `at` in `timeZone`, as [year, month (1-12), day]. */
function localDate(at: Date, timeZone: string): [number, number, number] {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  })
    .format(at)
    .split('-')
    .map(Number);
  return [y as number, m as number, d as number];
}

/** The instant the wall clock of `timeZone` shows `hh:mm` on a local date (a skipped time runs an hour late). */
function instantOf(year: number, month: number, day: number, hh: number, mm: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hh, mm);
  // The offset before and after a possible daylight-saving change give the candidates; the one whose wall
  // clock reads hh:mm wins (the earlier, when the autumn change shows it twice); in the spring gap, the later.
  const first = new Date(guess - offsetMinutes(new Date(guess), timeZone) * 60_000);
  const second = new Date(guess - offsetMinutes(first, timeZone) * 60_000);
  const reads = (at: Date) => offsetMinutes(at, timeZone) === (guess - at.getTime()) / 60_000;
  const matching = [first, second].filter(reads).sort((a, b) => a.getTime() - b.getTime());
  return matching[0] ?? (first.getTime() > second.getTime() ? first : second);
}

export function nextRunAt(now: Date, schedule: { time: string; timeZone: string }): Date {
  const [hh, mm] = schedule.time.split(':').map(Number) as [number, number];
  const [year, month, day] = localDate(now, schedule.timeZone);
  for (let extra = 0; extra < 3; extra++) {
    const date = new Date(Date.UTC(year, month - 1, day + extra));
    const at = instantOf(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      hh,
      mm,
      schedule.timeZone,
    );
    if (at.getTime() > now.getTime()) return at;
  }
  throw new Error(`no next run for ${schedule.time} ${schedule.timeZone}`);
}

/** When a tenant's daily run is next due (ISO), or null while its runs are off. */
export function nextRunOf(
  settings: { enabled: boolean; schedule: { time: string; timeZone: string } },
  now: Date,
): string | null {
  return settings.enabled ? nextRunAt(now, settings.schedule).toISOString() : null;
}
