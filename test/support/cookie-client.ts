// A client that keeps cookies the way a browser does (set, replaced, cleared), for testing the app's flows over
// HTTP: each instance is one browser.

export class CookieClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    /** Headers a browser would add to unsafe requests from the app's own page. */
    private readonly origin: string | null = base,
  ) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(path: string): Promise<Response> {
    return this.#keep(
      await fetch(this.#url(path), { redirect: 'manual', headers: { cookie: this.cookieHeader } }),
    );
  }

  /** A JSON request from the app's page. */
  async send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.#keep(
      await fetch(this.#url(path), {
        method,
        redirect: 'manual',
        headers: {
          cookie: this.cookieHeader,
          'content-type': 'application/json',
          ...(this.origin ? { origin: this.origin } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    );
  }

  /** An HTML form post (urlencoded), as a browser sends one. */
  async form(path: string, fields: Record<string, string>, origin = this.origin): Promise<Response> {
    return this.#keep(
      await fetch(this.#url(path), {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: this.cookieHeader,
          'content-type': 'application/x-www-form-urlencoded',
          ...(origin ? { origin } : {}),
        },
        body: new URLSearchParams(fields).toString(),
      }),
    );
  }

  #url(path: string): string {
    return path.startsWith('http') ? path : this.base + path;
  }

  #keep(response: Response): Response {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*expires=/i.test(a) && new Date(a.split('=')[1] ?? '') < new Date(),
      );
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}

export const stateOf = (url: string | null) => new URL(url ?? '').searchParams.get('state') ?? '';
