import type { Tokens } from '../connector.ts';
import { SingleFlight } from '../shared/single-flight.ts';

// The latest tokens of every connected portal, shared by all sessions. A refresh is done once per portal
// however many calls see the expiry at once. HubSpot says a 401 is no reliable sign that a refresh is due,
// so tokens are refreshed ahead of their stored expiry; a 401 still triggers one refresh.

export class TokenKeeper {
  readonly #latest = new Map<string, Tokens>();
  readonly #flight = new SingleFlight<Tokens>();

  constructor(
    private readonly refresh: (refreshToken: string) => Promise<Tokens>,
    private readonly now: () => number,
    private readonly aheadMs: number,
  ) {}

  current(accountId: string, stored: Tokens): Tokens {
    return this.#latest.get(accountId) ?? stored;
  }

  /** Tokens good for a call now: refreshed first when they expire within `aheadMs`. */
  async fresh(
    accountId: string,
    stored: Tokens,
    onNew: (tokens: Tokens) => Promise<void> | void,
  ): Promise<Tokens> {
    const tokens = this.current(accountId, stored);
    const due = tokens.expiresAt !== null && tokens.expiresAt - this.now() <= this.aheadMs;
    if (!due || !tokens.refreshToken) return tokens;
    return this.#renew(accountId, tokens, onNew);
  }

  /** After a 401 with `rejected`: refresh, unless another call already replaced that token. */
  async afterUnauthorized(
    accountId: string,
    stored: Tokens,
    rejected: string,
    onNew: (tokens: Tokens) => Promise<void> | void,
  ): Promise<Tokens> {
    const tokens = this.current(accountId, stored);
    if (tokens.accessToken !== rejected || !tokens.refreshToken) return tokens;
    return this.#renew(accountId, tokens, onNew);
  }

  #renew(
    accountId: string,
    tokens: Tokens,
    onNew: (tokens: Tokens) => Promise<void> | void,
  ): Promise<Tokens> {
    return this.#flight.run(accountId, async () => {
      const renewed = await this.refresh(tokens.refreshToken as string);
      const next = { ...renewed, refreshToken: renewed.refreshToken ?? tokens.refreshToken };
      this.#latest.set(accountId, next);
      await onNew(next);
      return next;
    });
  }
}
