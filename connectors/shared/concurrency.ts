// The one concurrency helper: a gate that lets at most `limit` tasks run at once (the rest wait in order), and
// `inPool` to work through a list with it.

export class ConcurrencyGate {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active += 1;
    try {
      return await task();
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }
}

/** `work` for every item, at most `limit` at once, in order of the list; rejects with the first failure. */
export async function inPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const gate = new ConcurrencyGate(Math.max(1, limit));
  await Promise.all(items.map((item) => gate.run(() => work(item))));
}
