import { Connection, OAuth2 } from 'jsforce';
import {
  type ConnectedIdentity,
  ConnectorError,
  type ConnectorFailureKind,
  type ProviderUser,
  type Tokens,
} from '../connector.ts';
import { classifyFailure, toConnectorError } from './errors.ts';
import type { SalesforceOptions } from './options.ts';

// OAuth 2.0 web-server flow helpers (authorize URL, code exchange, refresh, revocation) on jsforce's OAuth2, and
// the identity URL that names the user who approved.

const oauth2 = (options: SalesforceOptions, redirectUri?: string) =>
  new OAuth2({
    loginUrl: options.loginUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...(redirectUri ? { redirectUri } : {}),
  });

/** What the app asks an org for: the REST API, and a refresh token that keeps working while nobody is signed in. */
export const SALESFORCE_SCOPES = ['api', 'refresh_token', 'offline_access'] as const;

/** A failure that belongs to no connected account yet (as the HubSpot connector names it). */
const NO_ACCOUNT = 'unknown';

/**
 * A failed OAuth request in the interface's terms. jsforce names the error after Salesforce's `error`
 * (`invalid_grant` …) with its `error_description` as message, or `ERROR_HTTP_<status>` when the answer held
 * none. `invalid_grant` becomes `refused`; 5xx and network errors `unavailable`.
 */
export function oauthFailure(
  error: unknown,
  operation: string,
  refused: ConnectorFailureKind,
): ConnectorError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const http = /^ERROR_HTTP_(\d{3})$/.exec(name);
  // Salesforce answers its OAuth errors (snake_case `error` codes) with 400.
  const status = http ? Number(http[1]) : /^[a-z_]+$/.test(name) ? 400 : null;
  let kind: ConnectorFailureKind = 'rejected';
  if (name === 'invalid_grant') kind = refused;
  else if ((status ?? 0) >= 500 || classifyFailure(error).retry) kind = 'unavailable';
  return new ConnectorError(kind, NO_ACCOUNT, operation, message || name, {
    cause: error,
    ...(status === null ? {} : { status }),
  });
}

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

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  instance_url: string;
  id: string;
}

/** The identity URL's answer names the user: their username (unique across Salesforce), else their email. */
async function consentingUser(
  options: SalesforceOptions,
  answer: TokenAnswer,
  userId: string,
): Promise<ProviderUser> {
  const conn = new Connection({
    instanceUrl: answer.instance_url,
    accessToken: answer.access_token,
    version: options.apiVersion,
  });
  const operation = 'read the approving user';
  const identity = await conn
    .request<{ username?: string; email?: string }>(
      { method: 'GET', url: answer.id, headers: { accept: 'application/json' } },
      // One attempt: jsforce's own retries would sleep unseen while the admin waits on the callback.
      { retry: { maxRetries: 0 } },
    )
    .catch((error: unknown) => {
      throw toConnectorError(error, NO_ACCOUNT, operation);
    });
  return { id: userId, label: identity.username || identity.email || null };
}

/** A code Salesforce refuses throws `rejected` with its `error_description` and status 400. */
export async function exchangeCode(
  options: SalesforceOptions,
  params: { code: string; redirectUri: string },
): Promise<ConnectedIdentity> {
  const response: TokenAnswer = await oauth2(options, params.redirectUri)
    .requestToken(params.code)
    .catch((error: unknown) => {
      throw oauthFailure(error, 'exchange code', 'rejected');
    });
  const { orgId, userId } = identityIds(response.id);
  // The user is who the app signs in as an admin: an answer that does not name one is refused.
  if (!userId) {
    throw new ConnectorError('rejected', NO_ACCOUNT, 'exchange code', 'the answer names no approving user', {
      status: 400,
    });
  }
  return {
    accountId: orgId ?? response.instance_url,
    name: orgId ?? response.instance_url,
    tokens: {
      accessToken: response.access_token,
      refreshToken: response.refresh_token ?? null,
      expiresAt: null,
    },
    details: { instanceUrl: response.instance_url, orgId, userId, layout: 'org-per-account' },
    user: await consentingUser(options, response, userId),
  };
}

/** A refresh token Salesforce refuses (`invalid_grant`: expired, revoked, user inactive …) throws `auth-revoked`. */
export async function refreshTokens(options: SalesforceOptions, refreshToken: string): Promise<Tokens> {
  const response = await oauth2(options)
    .refreshToken(refreshToken)
    .catch((error: unknown) => {
      throw oauthFailure(error, 'refresh tokens', 'auth-revoked');
    });
  return {
    accessToken: response.access_token,
    // Salesforce keeps the refresh token unless its policy rotates it.
    refreshToken: response.refresh_token ?? refreshToken,
    expiresAt: null,
  };
}

/** What Salesforce answers for a token it does not know (never issued, expired or revoked already). */
const FORGOTTEN = new Set(['invalid_token', 'unsupported_token_type']);

/** Ends the grant at Salesforce; revoking the refresh token ends every access token issued from it. */
export async function revokeTokens(options: SalesforceOptions, tokens: Tokens): Promise<void> {
  try {
    await oauth2(options).revokeToken(tokens.refreshToken ?? tokens.accessToken);
  } catch (error) {
    if (error instanceof Error && FORGOTTEN.has(error.name)) return;
    throw oauthFailure(error, 'revoke tokens', 'rejected');
  }
}
