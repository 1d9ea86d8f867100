import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import {
  type ConnectedIdentity,
  ConnectorError,
  type ConnectorFailureKind,
  type Tokens,
} from '../connector.ts';
import type { CallTally } from '../shared/call-tally.ts';
import { withRetry } from '../shared/retry.ts';
import { classify, failureKind, type HttpFailure, httpFailure, providerMessage, statusOf } from './errors.ts';
import { type HubspotOptions, SEGMENT_SCOPES } from './options.ts';

// OAuth v3: the consent URL, code exchange, refresh, introspection (which portal and user a token belongs to)
// and revocation. @hubspot/api-client 13.5 only wraps v1 (retired 2027-02-16), so v3 goes through the client's
// generic request with a form body: v3 takes no parameter in the query string, keeping secrets out of URL logs.

const TOKEN = '/oauth/v3/token';
const INTROSPECT = '/oauth/v3/token/introspect';
const REVOKE = '/oauth/v3/token/revoke';

export function authorizeUrl(
  options: HubspotOptions,
  params: { state: string; redirectUri: string; segments?: boolean },
): string {
  const url = new URL(options.authorizeBaseUrl);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  const scopes = params.segments ? [...options.scopes, ...SEGMENT_SCOPES] : options.scopes;
  url.searchParams.set('scope', [...new Set(scopes)].join(' '));
  url.searchParams.set('state', params.state);
  return url.toString();
}

/** A client without @hubspot/api-client's decorators: limits and retries are ours (see limiter.ts). */
export function bareClient(options: HubspotOptions, accessToken?: string): Client {
  return new Client({ basePath: options.baseUrl, ...(accessToken ? { accessToken } : {}) });
}

/** A non-2xx answer of an OAuth endpoint, shaped like the client's ApiException so errors.ts reads it. */
class OAuthAnswer extends Error implements HttpFailure {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    super(`HubSpot OAuth answered ${code}`);
  }
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** POSTs a form to an OAuth endpoint with the connector's retries; each attempt counts as an `auth` call. */
async function postForm(
  options: HubspotOptions,
  path: string,
  fields: Record<string, string>,
  tally?: CallTally,
): Promise<unknown> {
  return withRetry(
    async () => {
      tally?.sent('auth');
      const response = await bareClient(options).apiRequest({
        method: 'POST',
        path,
        defaultJson: false,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
      const text = await response.text();
      const body = text ? parsed(text) : undefined;
      if (response.ok) return body;
      if (response.status === 429) tally?.rateLimited();
      throw new OAuthAnswer(response.status, body, Object.fromEntries(response.headers.entries()));
    },
    {
      classify: (error) =>
        classify(error, { windowMs: options.limiter.intervalMs, lockedWaitMs: options.lockedWaitMs }, false),
      onRetry: () => tally?.retried(),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
    },
    options.retry,
  );
}

/** HubSpot's answer when the grant behind a refresh token has ended (revoked, uninstalled, unknown). */
export function grantEnded(error: unknown): boolean {
  const failure = httpFailure(error);
  if (!failure || failure.code >= 500 || failure.code === 429) return false;
  const body = failure.body as { error?: unknown; status?: unknown } | undefined;
  return body?.error === 'invalid_grant' || body?.status === 'BAD_REFRESH_TOKEN';
}

const refusedByHubspot = (error: unknown) => {
  const status = statusOf(error);
  return status !== null && status >= 400 && status < 500 && status !== 429;
};

/** The ConnectorError for a failed OAuth call: `refused` when HubSpot said no, else what the status says. */
function oauthFailure(operation: string, refused: (error: unknown) => ConnectorFailureKind) {
  return (error: unknown): never => {
    const status = statusOf(error);
    const kind = refusedByHubspot(error) ? refused(error) : failureKind(error);
    throw new ConnectorError(kind, 'unknown', operation, providerMessage(error), {
      cause: error,
      ...(status ? { status } : {}),
    });
  };
}

const unexpected = (operation: string, error: z.ZodError) =>
  new ConnectorError('unavailable', 'unknown', operation, 'HubSpot sent an answer of an unknown shape', {
    cause: error,
  });

// What the connector reads of the answers (HubSpot's full shapes are in openapi-shapes.ts).
const tokenAnswer = z.looseObject({
  access_token: z.string(),
  refresh_token: z.string().optional(),
  expires_in: z.number(),
});
const introspection = z.union([
  z.looseObject({
    active: z.literal(true),
    hub_id: z.number(),
    hub_domain: z.string().optional(),
    user_id: z.number(),
    user: z.string().optional(),
    scopes: z.array(z.string()).optional(),
  }),
  z.looseObject({ active: z.literal(false) }),
]);

function toTokens(options: HubspotOptions, operation: string, body: unknown, kept: string | null): Tokens {
  const answer = tokenAnswer.safeParse(body);
  if (!answer.success) throw unexpected(operation, answer.error);
  return {
    accessToken: answer.data.access_token,
    // HubSpot keeps the refresh token; use the one it sends back when it does.
    refreshToken: answer.data.refresh_token ?? kept,
    expiresAt: options.now() + answer.data.expires_in * 1000,
  };
}

const credentials = (options: HubspotOptions) => ({
  client_id: options.clientId,
  client_secret: options.clientSecret,
});

/** A code HubSpot refuses (unknown, used, for another redirect) throws `rejected` with HubSpot's reason. */
export async function exchangeCode(
  options: HubspotOptions,
  params: { code: string; redirectUri: string },
): Promise<ConnectedIdentity> {
  const operation = 'exchange code';
  const body = await postForm(options, TOKEN, {
    grant_type: 'authorization_code',
    ...credentials(options),
    redirect_uri: params.redirectUri,
    code: params.code,
  }).catch(oauthFailure(operation, () => 'rejected'));
  return identify(options, toTokens(options, operation, body, null));
}

/** A refresh HubSpot refuses because the grant ended throws `auth-revoked`; `tally` counts the calls. */
export async function refreshTokens(
  options: HubspotOptions,
  refreshToken: string,
  tally?: CallTally,
): Promise<Tokens> {
  const operation = 'refresh tokens';
  const body = await postForm(
    options,
    TOKEN,
    { grant_type: 'refresh_token', ...credentials(options), refresh_token: refreshToken },
    tally,
  ).catch(oauthFailure(operation, (error) => (grantEnded(error) ? 'auth-revoked' : 'rejected')));
  return toTokens(options, operation, body, refreshToken);
}

/** The portal (`hub_id`, `hub_domain`) and the consenting user an access token was issued for. */
export async function identify(options: HubspotOptions, tokens: Tokens): Promise<ConnectedIdentity> {
  const operation = 'introspect token';
  const body = await postForm(options, INTROSPECT, {
    ...credentials(options),
    token: tokens.accessToken,
    token_type_hint: 'access_token',
  }).catch(oauthFailure(operation, () => 'rejected'));
  const answer = introspection.safeParse(body);
  if (!answer.success) throw unexpected(operation, answer.error);
  if (!answer.data.active)
    throw new ConnectorError('rejected', 'unknown', operation, 'HubSpot reports the access token inactive');
  const info = answer.data;
  const domain = info.hub_domain ?? String(info.hub_id);
  return {
    accountId: String(info.hub_id),
    name: domain,
    tokens,
    // The scopes granted: whether the portal must be reconnected before the app may make lists (issue 12).
    details: {
      hubId: info.hub_id,
      hubDomain: domain,
      ...(info.scopes ? { scopes: info.scopes.join(' ') } : {}),
    },
    user: { id: String(info.user_id), label: info.user ?? null },
  };
}

/**
 * Revokes the refresh token, which ends the app's access once the access tokens already issued expire (HubSpot
 * revokes refresh tokens only). A token HubSpot no longer knows is already as good as revoked.
 */
export async function revokeTokens(options: HubspotOptions, tokens: Tokens): Promise<void> {
  if (!tokens.refreshToken) return;
  await postForm(options, REVOKE, {
    ...credentials(options),
    token: tokens.refreshToken,
    token_type_hint: 'refresh_token',
  }).catch((error: unknown) => {
    if (grantEnded(error) || statusOf(error) === 404) return;
    oauthFailure('revoke tokens', () => 'rejected')(error);
  });
}
