import { type CallKind, type CallStats, noCalls } from '../connector.ts';

/** Counts one session's requests by kind, and the ones that were rate limited, retried or finally failed. */
export class CallTally {
  readonly #byKind = noCalls();
  #rateLimited = 0;
  #retried = 0;
  #failed = 0;

  sent(kind: CallKind): void {
    this.#byKind[kind] += 1;
  }

  rateLimited(): void {
    this.#rateLimited += 1;
  }

  retried(): void {
    this.#retried += 1;
  }

  failed(): void {
    this.#failed += 1;
  }

  stats(): CallStats {
    return {
      byKind: { ...this.#byKind },
      rateLimited: this.#rateLimited,
      retried: this.#retried,
      failed: this.#failed,
    };
  }

  /** Requests of every kind. */
  total(): number {
    return Object.values(this.#byKind).reduce((sum, n) => sum + n, 0);
  }
}
