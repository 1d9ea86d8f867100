// Work done again and again in this process (a poll, a sweep): the next round starts a set time after the last one
// ended, so rounds never overlap, and stopping waits for a round under way.

export class Repeating {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #round: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly round: () => Promise<unknown>,
    /** The pause after a round ends (read each time, so it may change). */
    private readonly intervalMs: () => number,
  ) {}

  /** True once stopped: a long round checks it to end early. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Starts the first round at once. */
  start(): void {
    this.#stopped = false;
    this.#after(0);
  }

  /** Stops; resolves once a round under way has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round.catch(() => {});
  }

  #after(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#round = this.round().finally(() => this.#after(this.intervalMs()));
    }, delayMs);
    this.#timer.unref();
  }
}
