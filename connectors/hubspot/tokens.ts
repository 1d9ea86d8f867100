import type { Tokens } from '../connector.ts';
import type { CallTally } from '../shared/call-tally.ts';
import { MemoryState } from '../shared/memory-state.ts';
import type { SharedState } from '../shared/shared-state.ts';
import { LATEST_TOKENS_MS, latestTokensKey } from '../shared/token-keys.ts';

// The latest tokens of every connected portal, shared by all sessions (and, in Redis, by every worker). A refresh
// is done once per portal however many calls see the expiry at once. HubSpot says a 401 is no reliable sign that
// a refresh is due, so tokens are refreshed ahead of their stored expiry; a 401 still triggers one refresh.

/** The session asking: it stores new tokens, and its tally counts the refresh calls. */
export interface RefreshRequester {
  onNew(tokens: Tokens): Promise<void> | void;
  tally?: CallTally;
}

export class TokenKeeper {
  constructor(
    private readonly refresh: (refreshToken: string, tally?: CallTally) => Promise<Tokens>,
    private readonly now: () => number,
    private readonly aheadMs: number,
    private readonly shared: SharedState = new MemoryState(),
  ) {}

  async current(accountId: string, stored: Tokens): Promise<Tokens> {
    if (!stored.refreshToken) return stored;
    return (
      (await this.shared.read<Tokens>(latestTokensKey(`hubspot:${accountId}`, stored.refreshToken))) ?? stored
    );
  }

  /** Tokens good for a call now: refreshed first when they expire within `aheadMs`. */
  async fresh(accountId: string, stored: Tokens, requester: RefreshRequester): Promise<Tokens> {
    const tokens = await this.current(accountId, stored);
    const due = tokens.expiresAt !== null && tokens.expiresAt - this.now() <= this.aheadMs;
    if (!due || !tokens.refreshToken) return tokens;
    return this.#renew(accountId, stored, tokens.accessToken, requester);
  }

  /** After a 401 with `rejected`: refresh, unless another call already replaced that token. */
  async afterUnauthorized(
    accountId: string,
    stored: Tokens,
    rejected: string,
    requester: RefreshRequester,
  ): Promise<Tokens> {
    const tokens = await this.current(accountId, stored);
    if (tokens.accessToken !== rejected || !tokens.refreshToken) return tokens;
    return this.#renew(accountId, stored, rejected, requester);
  }

  #renew(accountId: string, stored: Tokens, replacing: string, requester: RefreshRequester): Promise<Tokens> {
    return this.shared.once(`hubspot:${accountId}:refresh`, async () => {
      // A worker that refreshed while this one waited has left its tokens: use them.
      const latest = await this.current(accountId, stored);
      if (latest.accessToken !== replacing) return latest;
      const renewed = await this.refresh(latest.refreshToken as string, requester.tally);
      const next = { ...renewed, refreshToken: renewed.refreshToken ?? latest.refreshToken };
      await this.shared.write(
        latestTokensKey(`hubspot:${accountId}`, stored.refreshToken as string),
        next,
        LATEST_TOKENS_MS,
      );
      await requester.onNew(next);
      return next;
    });
  }
}
