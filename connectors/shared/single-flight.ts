/**
 * One call in flight per key: callers that arrive while it runs share its result (a token refresh seen as due
 * by many requests at once is done once). The key is free again as soon as the call settles.
 */
export class SingleFlight<V> {
  readonly #inFlight = new Map<string, Promise<V>>();

  run(key: string, call: () => Promise<V>): Promise<V> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const started = call().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }
}
