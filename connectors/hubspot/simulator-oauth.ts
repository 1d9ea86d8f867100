import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readForm } from '../shared/simulator-kit.ts';
import { type Answer, errorBody } from './simulator-routes.ts';

// HubSpot's OAuth as the simulator serves it: the consent page and the v3 token, introspection and revocation
// endpoints, which take every parameter in a form body. v1 OAuth is not served (HubSpot retires it on
// 2027-02-16), so anything still calling it gets a 404.

/** The HubSpot user who consents on the simulator's consent page. */
export interface SimUser {
  id: number;
  email: string;
}

/** What one consent granted: a portal, the user who consented, and the scopes. */
interface Grant {
  portalId: string;
  user: SimUser;
  scopes: string[];
}

interface HeldCode extends Grant {
  redirectUri: string | null;
}

interface HeldAccess extends Grant {
  expiresAt: number;
}

export interface SimOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Lifetime of issued access tokens (HubSpot: 30 minutes). */
  ttlMs: number;
  now: () => number;
  portalName(portalId: string): string | undefined;
  /** The portal the consent page picks when the test names none. */
  firstPortal: string;
}

const APP_ID = 1_000_001;
const DEFAULT_SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'];

export const defaultUserEmail = (portalId: string) => `admin@${portalId}.example.com`;

/** A stable numeric id per email, as HubSpot gives every user one id across restarts. */
export function simUser(email: string): SimUser {
  const normalized = email.trim().toLowerCase();
  const id = (createHash('sha256').update(normalized).digest().readUInt32BE(0) % 90_000_000) + 10_000_000;
  return { id, email: normalized };
}

/** HubSpot's OAuth error: RFC 6749's `error`/`error_description` beside its own `status`/`message`. */
export function oauthErrorBody(error: string, status: string, message: string) {
  return {
    error,
    error_description: message,
    status,
    message,
    correlationId: randomUUID(),
    category: 'VALIDATION_ERROR',
  };
}

const refused = (error: string, status: string, message: string): Answer => ({
  status: 400,
  body: oauthErrorBody(error, status, message),
});

const secretEquals = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** Form fields as recorded for shape checks: credentials and tokens never kept. */
const SECRET_FIELDS = new Set(['client_secret', 'code', 'refresh_token', 'token']);
const recorded = (form: URLSearchParams) =>
  Object.fromEntries([...form].map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '<redacted>' : v]));

export class SimOAuth {
  readonly #codes = new Map<string, HeldCode>();
  readonly #access = new Map<string, HeldAccess>();
  readonly #refresh = new Map<string, Grant>();

  constructor(private readonly options: SimOAuthOptions) {}

  /** An authorization code, as HubSpot's consent page hands it out after `email` consents for the portal. */
  issueCode(portalId: string, email = defaultUserEmail(portalId), scopes = DEFAULT_SCOPES): string {
    return this.#code({ portalId, user: simUser(email), scopes: [...scopes], redirectUri: null });
  }

  #code(held: HeldCode): string {
    if (this.options.portalName(held.portalId) === undefined) throw new Error(`no portal ${held.portalId}`);
    const code = `sim-code-${randomBytes(16).toString('hex')}`;
    this.#codes.set(code, held);
    return code;
  }

  /** `/oauth/authorize`: the test picks the portal (`portal`) and the consenting user (`user`, an email). */
  consent(url: URL): string {
    const portalId = url.searchParams.get('portal') ?? this.options.firstPortal;
    const redirect = new URL(url.searchParams.get('redirect_uri') ?? 'http://127.0.0.1/');
    const scope = url.searchParams.get('scope');
    const code = this.#code({
      portalId,
      user: simUser(url.searchParams.get('user') ?? defaultUserEmail(portalId)),
      scopes: scope ? scope.split(' ').filter(Boolean) : DEFAULT_SCOPES,
      redirectUri: url.searchParams.get('redirect_uri'),
    });
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
    return redirect.toString();
  }

  /** The portal a bearer token opens; `expired` for a known token past its lifetime; null when unknown. */
  bearer(token: string): { portalId: string; scopes: readonly string[] } | 'expired' | null {
    const held = this.#access.get(token);
    if (!held) return null;
    return held.expiresAt <= this.options.now()
      ? 'expired'
      : { portalId: held.portalId, scopes: held.scopes };
  }

  /** Makes every issued access token of a portal expire now. */
  expire(portalId: string): void {
    const now = this.options.now();
    for (const held of this.#access.values()) if (held.portalId === portalId) held.expiresAt = now;
  }

  /** Answers a request under `/oauth/` (other than the consent page), with the form it carried. */
  async answer(
    request: IncomingMessage,
    url: URL,
  ): Promise<{ answer: Answer; form?: Record<string, string> }> {
    const routes: Record<string, (form: URLSearchParams) => Answer> = {
      '/oauth/v3/token': (form) => this.#token(form),
      '/oauth/v3/token/introspect': (form) => this.#introspect(form),
      '/oauth/v3/token/revoke': (form) => this.#revoke(form),
    };
    const route = request.method === 'POST' ? routes[url.pathname] : undefined;
    if (!route)
      return {
        answer: {
          status: 404,
          body: errorBody('OBJECT_NOT_FOUND', `No route for ${request.method} ${url.pathname}`),
        },
      };
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return {
        answer: refused('invalid_request', 'BAD_REQUEST', 'parameters must be sent in a form-encoded body'),
      };
    const form = await readForm(request);
    const clientKnown =
      form.get('client_id') === this.options.clientId &&
      secretEquals(form.get('client_secret') ?? '', this.options.clientSecret);
    const answer = clientKnown
      ? route(form)
      : refused('invalid_client', 'BAD_CLIENT_ID', 'missing or unknown client id or secret');
    return { answer, form: recorded(form) };
  }

  #token(form: URLSearchParams): Answer {
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      const code = form.get('code') ?? '';
      const held = this.#codes.get(code);
      if (!held) return refused('invalid_grant', 'BAD_AUTH_CODE', 'missing or unknown auth code');
      if (held.redirectUri !== null && held.redirectUri !== form.get('redirect_uri'))
        return refused('invalid_grant', 'BAD_REDIRECT_URI', 'redirect_uri does not match the authorization');
      this.#codes.delete(code);
      const refresh = `sim-rt-${randomBytes(16).toString('hex')}`;
      this.#refresh.set(refresh, held);
      return { status: 200, body: this.#issue(held, refresh) };
    }
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      const held = this.#refresh.get(refresh);
      if (!held) return refused('invalid_grant', 'BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
      // HubSpot keeps the refresh token: the same one comes back.
      return { status: 200, body: this.#issue(held, refresh) };
    }
    return refused('unsupported_grant_type', 'BAD_GRANT_TYPE', `unknown grant_type ${grant}`);
  }

  #issue(grant: Grant, refreshToken: string) {
    const access = `sim-at-${randomBytes(16).toString('hex')}`;
    this.#access.set(access, { ...grant, expiresAt: this.options.now() + this.options.ttlMs });
    return {
      token_use: 'access_token',
      token_type: 'bearer',
      access_token: access,
      refresh_token: refreshToken,
      expires_in: Math.round(this.options.ttlMs / 1000),
      hub_id: Number(grant.portalId) || 0,
      user_id: grant.user.id,
      scopes: grant.scopes,
    };
  }

  #grantFields(grant: Grant, token: string) {
    return {
      active: true,
      token,
      app_id: APP_ID,
      client_id: this.options.clientId,
      hub_id: Number(grant.portalId) || 0,
      hub_domain: `${this.options.portalName(grant.portalId) ?? grant.portalId}.hubspot.example`,
      user_id: grant.user.id,
      user: grant.user.email,
      scopes: grant.scopes,
    };
  }

  // Unknown, expired and revoked tokens are inactive (RFC 7662), not an error.
  #introspect(form: URLSearchParams): Answer {
    const token = form.get('token') ?? '';
    const access = this.#access.get(token);
    if (access && access.expiresAt > this.options.now()) {
      const expiresIn = Math.max(0, Math.round((access.expiresAt - this.options.now()) / 1000));
      return {
        status: 200,
        body: {
          ...this.#grantFields(access, token),
          token_use: 'access_token',
          token_type: 'access',
          expires_in: expiresIn,
          is_private_distribution: false,
          signed_access_token: this.#signed(access),
        },
      };
    }
    const refresh = this.#refresh.get(token);
    if (refresh)
      return {
        status: 200,
        body: { ...this.#grantFields(refresh, token), token_use: 'refresh_token', token_type: 'refresh' },
      };
    return { status: 200, body: { active: false } };
  }

  #signed(access: HeldAccess) {
    return {
      appId: APP_ID,
      appInstallId: `install-${access.portalId}`,
      audience: this.options.clientId,
      expiresAt: access.expiresAt,
      hubId: Number(access.portalId) || 0,
      hublet: 'na1',
      installingUserId: access.user.id,
      isPrivateDistribution: false,
      isServiceAccount: false,
      isUserLevel: false,
      newSignature: randomBytes(8).toString('hex'),
      scopeToScopeGroupPks: '',
      scopes: access.scopes.join(' '),
      signature: randomBytes(8).toString('hex'),
      trialScopeToScopeGroupPks: '',
      trialScopes: '',
      userId: access.user.id,
    };
  }

  // HubSpot revokes refresh tokens; access tokens already issued live out their 30 minutes (as v1's delete
  // documents). A token it does not know is answered like a revoked one (RFC 7009).
  #revoke(form: URLSearchParams): Answer {
    this.#refresh.delete(form.get('token') ?? '');
    return { status: 200 };
  }
}
