import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallTally } from '../shared/call-tally.ts';
import { API } from './nock-support.ts';
import { refreshTokens, revokeTokens } from './oauth.ts';
import { resolveOptions } from './options.ts';

// OAuth v3 against answers HubSpot can give that the simulator does not script: 5xx, and refusals worded the
// RFC 6749 way only.

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const options = resolveOptions({
  clientId: 'id',
  clientSecret: 'secret',
  sleep: async () => {},
  random: () => 0.5,
  retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
});
const refreshForm = {
  grant_type: 'refresh_token',
  client_id: 'id',
  client_secret: 'secret',
  refresh_token: 'rt',
};
const formOf = (body: string) => Object.fromEntries(new URLSearchParams(body));
const refused = (error: string, status: string, message: string) => ({
  error,
  error_description: message,
  status,
  message,
  correlationId: 'c',
  category: 'VALIDATION_ERROR',
});

describe('HubSpot OAuth v3 calls', () => {
  it('retries a refresh HubSpot could not serve, counting every attempt as an auth call', async () => {
    const scope = nock(API)
      .post('/oauth/v3/token', (body) => JSON.stringify(formOf(body)) === JSON.stringify(refreshForm))
      .reply(503, { status: 'error', message: 'Service unavailable', correlationId: 'c', category: 'X' })
      .post('/oauth/v3/token')
      .reply(200, { access_token: 'at', refresh_token: 'rt', expires_in: 1800, token_type: 'bearer' });
    const tally = new CallTally();
    const tokens = await refreshTokens(options, 'rt', tally);
    scope.done();
    expect(tokens).toMatchObject({ accessToken: 'at', refreshToken: 'rt' });
    expect(tally.stats()).toMatchObject({ byKind: { auth: 2 }, retried: 1 });
  });

  it('reads an ended grant from the RFC error alone, and tells it apart from a refused client', async () => {
    nock(API)
      .post('/oauth/v3/token')
      .reply(400, { error: 'invalid_grant', error_description: 'refresh token revoked' })
      .post('/oauth/v3/token')
      .reply(400, refused('invalid_client', 'BAD_CLIENT_ID', 'missing or unknown client id or secret'));
    await expect(refreshTokens(options, 'rt')).rejects.toMatchObject({
      kind: 'auth-revoked',
      providerMessage: 'refresh token revoked',
      status: 400,
    });
    await expect(refreshTokens(options, 'rt')).rejects.toMatchObject({ kind: 'rejected', status: 400 });
  });

  it('revokes in a form body and takes a token HubSpot no longer knows as revoked', async () => {
    const revokeForm = {
      client_id: 'id',
      client_secret: 'secret',
      token: 'rt',
      token_type_hint: 'refresh_token',
    };
    const scope = nock(API)
      .post('/oauth/v3/token/revoke', (body) => JSON.stringify(formOf(body)) === JSON.stringify(revokeForm))
      .reply(400, refused('invalid_grant', 'BAD_REFRESH_TOKEN', 'missing or unknown refresh token'));
    await expect(
      revokeTokens(options, { accessToken: 'at', refreshToken: 'rt', expiresAt: null }),
    ).resolves.toBeUndefined();
    scope.done();
  });

  it('reports a revocation HubSpot could not serve', async () => {
    const scope = nock(API)
      .post('/oauth/v3/token/revoke')
      .times(3)
      .reply(502, { status: 'error', message: 'Bad gateway', correlationId: 'c', category: 'X' });
    await expect(
      revokeTokens(options, { accessToken: 'at', refreshToken: 'rt', expiresAt: null }),
    ).rejects.toMatchObject({ kind: 'unavailable', providerMessage: 'Bad gateway', status: 502 });
    scope.done();
  });
});
