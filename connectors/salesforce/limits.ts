import { ConnectorError } from '../connector.ts';
import type { SharedState } from '../shared/shared-state.ts';

// Salesforce's daily API allocation as one run sees it (Sforce-Limit-Info on every answer). The org's latest
// usage is shared (between sessions, and in Redis between workers), so a run counts what other workers spend on
// the org as soon as any of them hears of it. The bound on requests in flight per org is the shared state's.

const DAY_MS = 24 * 60 * 60_000;

/** `api-usage=18/15000` → { used: 18, max: 15000 }. */
export function parseLimitInfo(header: string | undefined | null): { used: number; max: number } | null {
  const match = /api-usage=(\d+)\/(\d+)/.exec(header ?? '');
  return match ? { used: Number(match[1]), max: Number(match[2]) } : null;
}

/**
 * A run's share of the org's daily allocation. The org's usage since the run's first answer counts (other
 * sessions on the same org included), and so do this session's own requests; a request that would pass the
 * share is not sent.
 */
export class ApiBudget {
  #baseline: number | null = null;
  #latestUsed = 0;
  #max: number | null = null;
  #sent = 0;

  constructor(
    readonly share: number,
    readonly accountId: string,
    private readonly org?: { shared: SharedState; key: string },
  ) {}

  get #usageKey(): string {
    return `salesforce:${this.org?.key}:api-usage`;
  }

  /** Before each operation: the org's latest usage as any session or worker last heard it. */
  async sync(): Promise<void> {
    // Usage counts from this run's first answer: before it, there is nothing to compare with.
    if (!this.org || this.#baseline === null) return;
    const latest = await this.org.shared.read<{ used: number; max: number }>(this.#usageKey);
    if (latest) this.#latestUsed = Math.max(this.#latestUsed, latest.used);
  }

  /** Before each request: throws `budget-exhausted` instead of passing the share. */
  beforeRequest(operation: string): void {
    if (this.#max !== null) {
      const allowance = Math.floor(this.#max * this.share);
      const spent = Math.max(this.#sent, this.#latestUsed - (this.#baseline ?? this.#latestUsed));
      if (spent + 1 > allowance)
        throw new ConnectorError(
          'budget-exhausted',
          this.accountId,
          operation,
          `stopped before exceeding ${Math.round(this.share * 100)}% of the org's daily API allocation (${spent} of ${allowance} requests allowed for this run; ${this.#latestUsed}/${this.#max} used today)`,
        );
    }
    this.#sent += 1;
  }

  /** After each answer carrying Sforce-Limit-Info. */
  observe(header: string | undefined | null): void {
    const info = parseLimitInfo(header);
    if (!info) return;
    // The first answer's usage includes the requests this run sent so far.
    this.#baseline ??= info.used - this.#sent;
    this.#latestUsed = Math.max(this.#latestUsed, info.used);
    this.#max = info.max;
    this.org?.shared.write(this.#usageKey, info, DAY_MS).catch(() => {});
  }

  /** The org's daily allocation as its latest answer told it; null before any answer. */
  dailyLimit(): number | null {
    return this.#max;
  }

  /** Share of the daily allocation this run has spent so far (for reports and the benchmark). */
  spentShare(): number {
    if (!this.#max) return 0;
    return Math.max(this.#sent, this.#latestUsed - (this.#baseline ?? 0)) / this.#max;
  }
}
