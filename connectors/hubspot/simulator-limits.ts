// HubSpot's per-portal rolling windows as the simulator enforces them: every request counts towards the
// ten-secondly window; search requests also count towards their own per-second window.

export interface WindowLimit {
  max: number;
  intervalMs: number;
}

export const TEN_SECONDLY: WindowLimit = { max: 110, intervalMs: 10_000 };
export const SEARCH_SECONDLY: WindowLimit = { max: 5, intervalMs: 1_000 };

/** Request times inside one rolling window. */
export class RollingWindow {
  readonly #times: number[] = [];
  #head = 0;

  constructor(readonly limit: WindowLimit) {}

  #drop(now: number): void {
    while (
      this.#head < this.#times.length &&
      (this.#times[this.#head] as number) <= now - this.limit.intervalMs
    )
      this.#head++;
    if (this.#head > 1024) {
      this.#times.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Counts the request and returns true when the window has room; false (not counted) when it is spent. */
  take(now: number): boolean {
    this.#drop(now);
    if (this.#times.length - this.#head >= this.limit.max) return false;
    this.#times.push(now);
    return true;
  }

  remaining(now: number): number {
    this.#drop(now);
    return Math.max(0, this.limit.max - (this.#times.length - this.#head));
  }
}
