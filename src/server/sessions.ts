import type { Request, Response } from 'express';
import { Signer } from './signing.ts';

// The cookies the app sets: the admin session (tenant and admin, signed, 12 hours) and the OAuth flow cookie that
// binds an install or sign-in `state` to the browser that started it (10 minutes). A cookie that does not parse or
// verify counts as absent: the visitor is signed out, never served an error.

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const FLOW_TTL_MS = 10 * 60 * 1000;
const SESSION = 'cs_admin';
const FLOW = 'cs_flow';

export interface Session {
  tenantId: string;
  /** `provider:userId` of the signed-in admin. */
  admin: string;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function decode(value: string): unknown {
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/** One cookie's value from the request, or null (missing, badly encoded). */
export function readCookie(request: Request, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

export class SessionCookies {
  readonly #sessions: Signer;
  readonly #flows: Signer;
  readonly #switches: Signer;
  readonly #secure: boolean;

  constructor(
    appSecret: string,
    publicUrl: string,
    private readonly now: () => Date,
  ) {
    this.#sessions = new Signer(appSecret, 'admin session');
    this.#flows = new Signer(appSecret, 'oauth flow');
    this.#switches = new Signer(appSecret, 'session switch');
    this.#secure = publicUrl.startsWith('https:');
  }

  session(request: Request): Session | null {
    const signed = readCookie(request, SESSION);
    const value = signed ? this.#sessions.verify(signed) : null;
    const data = value ? decode(value) : null;
    if (typeof data !== 'object' || data === null) return null;
    const { t, a, e } = data as { t?: unknown; a?: unknown; e?: unknown };
    if (typeof t !== 'string' || typeof a !== 'string' || typeof e !== 'number') return null;
    return e > this.now().getTime() ? { tenantId: t, admin: a } : null;
  }

  signIn(response: Response, session: Session): void {
    const expires = this.now().getTime() + SESSION_TTL_MS;
    const value = this.#sessions.sign(encode({ t: session.tenantId, a: session.admin, e: expires }));
    response.cookie(SESSION, value, this.#options(SESSION_TTL_MS));
  }

  signOut(response: Response): void {
    response.clearCookie(SESSION, this.#options(0));
  }

  /** Marks this browser as the one that started the OAuth flow of `stateId`. */
  startFlow(response: Response, stateId: string): void {
    response.cookie(FLOW, this.#flows.sign(stateId), this.#options(FLOW_TTL_MS));
  }

  /** Whether this browser started the flow of `stateId`; the flow cookie is used up either way. */
  startedFlow(request: Request, response: Response, stateId: string): boolean {
    const signed = readCookie(request, FLOW);
    response.clearCookie(FLOW, this.#options(0));
    return signed !== null && this.#flows.verify(signed) === stateId;
  }

  /** A short-lived signed token for the "switch to this tenant?" form, bound to the session it would start. */
  switchToken(session: Session): string {
    return this.#switches.sign(encode({ s: session, e: this.now().getTime() + FLOW_TTL_MS }));
  }

  fromSwitchToken(token: string): Session | null {
    const value = this.#switches.verify(token);
    const data = value ? decode(value) : null;
    const { s, e } = (data ?? {}) as { s?: Session; e?: unknown };
    if (!s || typeof s.tenantId !== 'string' || typeof s.admin !== 'string' || typeof e !== 'number')
      return null;
    return e > this.now().getTime() ? { tenantId: s.tenantId, admin: s.admin } : null;
  }

  #options(maxAge: number) {
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.#secure, maxAge, path: '/' };
  }
}
