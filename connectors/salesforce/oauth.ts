import { OAuth2 } from 'jsforce';
import type { ConnectedIdentity, Tokens } from '../connector.ts';
import type { SalesforceOptions } from './options.ts';

// OAuth 2.0 web-server flow helpers (authorize URL, code exchange, refresh) on jsforce's OAuth2.

const oauth2 = (options: SalesforceOptions, redirectUri?: string) =>
  new OAuth2({
    loginUrl: options.loginUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...(redirectUri ? { redirectUri } : {}),
  });

/** What the app asks an org for: the REST API, and a refresh token that keeps working while nobody is signed in. */
export const SALESFORCE_SCOPES = ['api', 'refresh_token', 'offline_access'] as const;

export function authorizeUrl(
  options: SalesforceOptions,
  params: { state: string; redirectUri: string },
): string {
  return oauth2(options, params.redirectUri).getAuthorizationUrl({
    state: params.state,
    scope: SALESFORCE_SCOPES.join(' '),
  });
}

/** Salesforce's identity URL ends in `/<orgId>/<userId>`. */
export function identityIds(idUrl: string | undefined): { orgId: string | null; userId: string | null } {
  const match = /\/id\/([^/]+)\/([^/]+)$/.exec(idUrl ?? '');
  return { orgId: match?.[1] ?? null, userId: match?.[2] ?? null };
}

export async function exchangeCode(
  options: SalesforceOptions,
  params: { code: string; redirectUri: string },
): Promise<ConnectedIdentity> {
  const response = await oauth2(options, params.redirectUri).requestToken(params.code);
  const { orgId, userId } = identityIds(response.id);
  return {
    accountId: orgId ?? response.instance_url,
    name: orgId ?? response.instance_url,
    tokens: {
      accessToken: response.access_token,
      refreshToken: response.refresh_token ?? null,
      expiresAt: null,
    },
    details: { instanceUrl: response.instance_url, orgId, userId, layout: 'org-per-account' },
  };
}

export async function refreshTokens(options: SalesforceOptions, refreshToken: string): Promise<Tokens> {
  const response = await oauth2(options).refreshToken(refreshToken);
  return {
    accessToken: response.access_token,
    // Salesforce keeps the refresh token unless its policy rotates it.
    refreshToken: response.refresh_token ?? refreshToken,
    expiresAt: null,
  };
}
