import type { Tokens } from '../connector.ts';
import type { CallTally } from '../shared/call-tally.ts';
import { SingleFlight } from '../shared/single-flight.ts';

// The latest tokens of every connected portal, shared by all sessions. A refresh is done once per portal
// however many calls see the expiry at once. HubSpot says a 401 is no reliable sign that a refresh is due,
// so tokens are refreshed ahead of their stored expiry; a 401 still triggers one refresh.

/** The session asking: it stores new tokens, and its tally counts the refresh calls. */
export interface RefreshRequester {
  onNew(tokens: Tokens): Promise<void> | void;
  tally?: CallTally;
}

export class TokenKeeper {
  readonly #latest = new Map<string, Tokens>();
  readonly #flight = new SingleFlight<Tokens>();

  constructor(
    private readonly refresh: (refreshToken: string, tally?: CallTally) => Promise<Tokens>,
    private readonly now: () => number,
    private readonly aheadMs: number,
  ) {}

  current(accountId: string, stored: Tokens): Tokens {
    return this.#latest.get(accountId) ?? stored;
  }

  /** Tokens good for a call now: refreshed first when they expire within `aheadMs`. */
  async fresh(accountId: string, stored: Tokens, requester: RefreshRequester): Promise<Tokens> {
    const tokens = this.current(accountId, stored);
    const due = tokens.expiresAt !== null && tokens.expiresAt - this.now() <= this.aheadMs;
    if (!due || !tokens.refreshToken) return tokens;
    return this.#renew(accountId, tokens, requester);
  }

  /** After a 401 with `rejected`: refresh, unless another call already replaced that token. */
  async afterUnauthorized(
    accountId: string,
    stored: Tokens,
    rejected: string,
    requester: RefreshRequester,
  ): Promise<Tokens> {
    const tokens = this.current(accountId, stored);
    if (tokens.accessToken !== rejected || !tokens.refreshToken) return tokens;
    return this.#renew(accountId, tokens, requester);
  }

  #renew(accountId: string, tokens: Tokens, requester: RefreshRequester): Promise<Tokens> {
    return this.#flight.run(accountId, async () => {
      const renewed = await this.refresh(tokens.refreshToken as string, requester.tally);
      const next = { ...renewed, refreshToken: renewed.refreshToken ?? tokens.refreshToken };
      this.#latest.set(accountId, next);
      await requester.onNew(next);
      return next;
    });
  }
}
