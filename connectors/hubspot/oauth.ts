import { Client } from '@hubspot/api-client';
import type { ConnectedIdentity, Tokens } from '../connector.ts';
import type { HubspotOptions } from './options.ts';

// OAuth helpers: the consent URL, code exchange, refresh, and which portal a token belongs to.

export function authorizeUrl(
  options: HubspotOptions,
  params: { state: string; redirectUri: string },
): string {
  const url = new URL(options.authorizeBaseUrl);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('scope', options.scopes.join(' '));
  url.searchParams.set('state', params.state);
  return url.toString();
}

/** A client without @hubspot/api-client's decorators: limits and retries are ours (see limiter.ts). */
export function bareClient(options: HubspotOptions, accessToken?: string): Client {
  return new Client({ basePath: options.baseUrl, ...(accessToken ? { accessToken } : {}) });
}

interface TokenAnswer {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const toTokens = (answer: TokenAnswer, now: number): Tokens => ({
  accessToken: answer.accessToken,
  refreshToken: answer.refreshToken,
  expiresAt: now + answer.expiresIn * 1000,
});

export async function exchangeCode(
  options: HubspotOptions,
  params: { code: string; redirectUri: string },
): Promise<Tokens> {
  const answer = await bareClient(options).oauth.tokensApi.create(
    'authorization_code',
    params.code,
    params.redirectUri,
    options.clientId,
    options.clientSecret,
  );
  return toTokens(answer, options.now());
}

export async function refreshTokens(options: HubspotOptions, refreshToken: string): Promise<Tokens> {
  const answer = await bareClient(options).oauth.tokensApi.create(
    'refresh_token',
    undefined,
    undefined,
    options.clientId,
    options.clientSecret,
    refreshToken,
  );
  return toTokens(answer, options.now());
}

/** The portal (`hub_id`) and its domain (`hub_domain`) an access token was issued for. */
export async function identify(options: HubspotOptions, tokens: Tokens): Promise<ConnectedIdentity> {
  const info = await bareClient(options).oauth.accessTokensApi.get(tokens.accessToken);
  const domain = info.hubDomain ?? String(info.hubId);
  return {
    accountId: String(info.hubId),
    name: domain,
    tokens,
    details: { hubId: info.hubId, hubDomain: domain },
  };
}
