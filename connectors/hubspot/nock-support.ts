import { CallTally } from '../shared/call-tally.ts';
import { MemoryState } from '../shared/memory-state.ts';
import { PortalLimiter } from './limiter.ts';
import { type HubspotOptionsInput, resolveOptions } from './options.ts';
import { PortalCaller } from './portal-caller.ts';
import { TokenKeeper } from './tokens.ts';

// A caller for nock tests: HubSpot's production base URL, no pacing, instant sleeps that are recorded.

export const API = 'https://api.hubapi.com';

export function testCaller(input: HubspotOptionsInput = {}) {
  const waits: number[] = [];
  const options = resolveOptions({
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...input,
    limiter: { maxRequests: 1000, intervalMs: 1, adoptPortalLimits: false, ...input.limiter },
  });
  const keeper = new TokenKeeper(
    async () => ({ accessToken: 'renewed', refreshToken: 'rt', expiresAt: null }),
    Date.now,
    0,
  );
  const tally = new CallTally();
  const caller = new PortalCaller(
    '42',
    { accessToken: 'token-42', refreshToken: null, expiresAt: null },
    options,
    new PortalLimiter('42', options.limiter, new MemoryState()),
    keeper,
    tally,
    {},
  );
  return { caller, tally, waits };
}
