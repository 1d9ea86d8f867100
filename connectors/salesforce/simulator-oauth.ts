import type { SimOrg, SimUser } from './simulator-org.ts';

// The simulator's OAuth side, with Salesforce's documented answers: the consent step, the token endpoint (code
// exchange and refresh), revocation, and the identity services (the identity URL and OpenID userinfo).
// Each approval is a grant: refresh token `refresh-<grant>`, access tokens `sandbox-<grant>` and, after sessions
// expired, `sandbox-<grant>~<generation>`. An account's own id is a standing grant by its org's integration user,
// so `code-<id>`, `refresh-<id>` and `sandbox-<id>` work as they are; a consent issues a new grant `<id>~g<n>`.

export interface OAuthAnswer {
  status: number;
  body?: unknown;
  /** Sent as is (form-encoded errors, plain-text refusals, empty bodies). */
  raw?: string;
  headers?: Record<string, string>;
}

interface Grant {
  org: SimOrg;
  user: SimUser;
  revoked: boolean;
}

const oauthError = (error: string, description: string): OAuthAnswer => ({
  status: 400,
  body: { error, error_description: description },
});

export class SimOAuth {
  readonly #grants = new Map<string, Grant>();
  /** Codes a consent issued and nobody exchanged yet: Salesforce's codes are single-use. */
  readonly #openCodes = new Set<string>();
  /** Access tokens revoked one by one (revoking a refresh token ends its grant instead). */
  readonly #revokedAccess = new Set<string>();
  #consents = 0;

  constructor(
    private readonly orgOf: (accountId: string) => SimOrg | undefined,
    private readonly baseUrl: () => string,
    private readonly defaultAccount: string,
  ) {}

  #grant(key: string): Grant | null {
    const known = this.#grants.get(key);
    if (known) return known;
    const org = this.orgOf(key);
    if (!org) return null;
    const standing = { org, user: org.users.get(org.userId) as SimUser, revoked: false };
    this.#grants.set(key, standing);
    return standing;
  }

  /** The grant behind `Bearer sandbox-…`, and whether that access token still works. */
  bearer(header: string | undefined): { org: SimOrg | null; user: SimUser | null; valid: boolean } {
    const match = /^Bearer (sandbox-(.+?)(?:~(\d+))?)$/.exec(header ?? '');
    const grant = match ? this.#grant(match[2] as string) : null;
    if (!match || !grant) return { org: null, user: null, valid: false };
    const valid =
      !grant.revoked &&
      !this.#revokedAccess.has(match[1] as string) &&
      Number(match[3] ?? 0) === grant.org.sessionGeneration;
    return { org: grant.org, user: grant.user, valid };
  }

  /**
   * GET /services/oauth2/authorize: approves at once and redirects with a code. Simulator-only parameters pick
   * the account (`account`, default the corporate one) and who approves (`user`, a username; default the org's
   * integration user; an unknown username becomes a user of that org).
   */
  authorize(url: URL): OAuthAnswer {
    const redirect = url.searchParams.get('redirect_uri');
    const accountId = url.searchParams.get('account') ?? this.defaultAccount;
    const org = this.orgOf(accountId);
    if (!redirect || url.searchParams.get('response_type') !== 'code' || !org)
      return { status: 400, raw: 'error=invalid_request&error_description=bad%20authorize%20request' };
    const username = url.searchParams.get('user');
    const user = username ? org.user(username) : (org.users.get(org.userId) as SimUser);
    const key = `${accountId}~g${++this.#consents}`;
    this.#grants.set(key, { org, user, revoked: false });
    this.#openCodes.add(key);
    const target = new URL(redirect);
    target.searchParams.set('code', `code-${key}`);
    const state = url.searchParams.get('state');
    if (state !== null) target.searchParams.set('state', state);
    return { status: 302, raw: '', headers: { location: target.toString() } };
  }

  /** An access token of this user of the account's org, as if they had logged in (a community's staff). */
  grantFor(accountId: string, username: string): string {
    const org = this.orgOf(accountId);
    if (!org) throw new Error(`no simulated org for account ${accountId}`);
    const key = `${accountId}~g${++this.#consents}`;
    this.#grants.set(key, { org, user: org.user(username), revoked: false });
    return org.sessionGeneration === 0 ? `sandbox-${key}` : `sandbox-${key}~${org.sessionGeneration}`;
  }

  /** POST /services/oauth2/token (authorization_code, refresh_token). */
  token(form: URLSearchParams): OAuthAnswer {
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const key = /^code-(.+)$/.exec(form.get('code') ?? '')?.[1] ?? '';
      if (this.#openCodes.delete(key)) return this.#issue(key, true);
      // A consent's code works once; an account's standing code approves again each time.
      if (this.#grants.has(key) && !this.orgOf(key))
        return oauthError('invalid_grant', 'expired authorization code');
      const standing = this.#grant(key);
      if (!standing) return oauthError('invalid_grant', 'invalid authorization code');
      standing.revoked = false;
      return this.#issue(key, true);
    }
    if (grantType === 'refresh_token') {
      const key = /^refresh-(.+)$/.exec(form.get('refresh_token') ?? '')?.[1] ?? '';
      const grant = this.#grant(key);
      if (!grant || grant.revoked) return oauthError('invalid_grant', 'expired access/refresh token');
      return this.#issue(key, false);
    }
    return oauthError('unsupported_grant_type', 'grant type not supported');
  }

  #issue(key: string, withRefreshToken: boolean): OAuthAnswer {
    const { org, user } = this.#grant(key) as Grant;
    const generation = org.sessionGeneration;
    const accessToken = generation === 0 ? `sandbox-${key}` : `sandbox-${key}~${generation}`;
    // Tokens repeat within a session generation: a new one replaces a revoked one of the same text.
    this.#revokedAccess.delete(accessToken);
    return {
      status: 200,
      body: {
        access_token: accessToken,
        // Salesforce answers a refresh without a new refresh token unless the app's policy rotates them.
        ...(withRefreshToken ? { refresh_token: `refresh-${key}` } : {}),
        instance_url: this.baseUrl(),
        id: this.#identityUrl(org, user),
        token_type: 'Bearer',
        issued_at: String(Date.now()),
        signature: 'simulated',
        scope: 'api refresh_token offline_access',
      },
    };
  }

  /**
   * POST /services/oauth2/revoke: a refresh token ends its grant and every access token issued from it; an access
   * token ends alone. Anything else is Salesforce's form-encoded 400 `invalid_token`.
   */
  revoke(form: URLSearchParams): OAuthAnswer {
    const token = form.get('token') ?? '';
    const refresh = /^refresh-(.+)$/.exec(token)?.[1];
    const grant = refresh === undefined ? null : this.#grant(refresh);
    if (grant && !grant.revoked) {
      grant.revoked = true;
      return { status: 200, raw: '' };
    }
    if (refresh === undefined && this.bearer(`Bearer ${token}`).valid) {
      this.#revokedAccess.add(token);
      return { status: 200, raw: '' };
    }
    return {
      status: 400,
      raw: 'error=invalid_token&error_description=invalid%20token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }

  #identityUrl(org: SimOrg, user: SimUser): string {
    return `${this.baseUrl()}/id/${org.id}/${user.id}`;
  }

  /** GET /id/<orgId>/<userId> (the identity URL): who a user of the token's org is. */
  identity(path: string, header: string | undefined): OAuthAnswer {
    const { org, valid } = this.bearer(header);
    if (!org || !valid) return { status: 403, raw: 'Bad_OAuth_Token' };
    const match = /^\/id\/([^/]+)\/([^/]+)$/.exec(path);
    const user = match?.[1] === org.id ? org.users.get(match[2] as string) : undefined;
    if (!user) return { status: 404, raw: 'Bad_Id' };
    const rest = `${this.baseUrl()}/services/data/v{version}/`;
    return {
      status: 200,
      body: {
        id: this.#identityUrl(org, user),
        asserted_user: true,
        user_id: user.id,
        organization_id: org.id,
        username: user.username,
        nick_name: user.lastName,
        display_name: `${user.firstName} ${user.lastName}`,
        email: user.email,
        email_verified: true,
        first_name: user.firstName,
        last_name: user.lastName,
        active: true,
        user_type: 'STANDARD',
        language: 'en_US',
        locale: 'en_US',
        utcOffset: 0,
        urls: { rest, sobjects: `${rest}sobjects/`, query: `${rest}query/` },
        is_app_installed: true,
      },
    };
  }

  /** GET /services/oauth2/userinfo (OpenID Connect): the token's own user. */
  userinfo(header: string | undefined): OAuthAnswer {
    const { org, user, valid } = this.bearer(header);
    if (!org || !user || !valid) return { status: 403, raw: 'Bad_OAuth_Token' };
    return {
      status: 200,
      body: {
        sub: this.#identityUrl(org, user),
        user_id: user.id,
        organization_id: org.id,
        preferred_username: user.username,
        name: `${user.firstName} ${user.lastName}`,
        given_name: user.firstName,
        family_name: user.lastName,
        email: user.email,
        email_verified: true,
        active: true,
        user_type: 'STANDARD',
      },
    };
  }
}
