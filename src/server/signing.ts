import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

// Values the app hands out and must get back unaltered (OAuth `state`, the admin session cookie): the value,
// then an HMAC under a key derived from APP_SECRET for that one purpose. Checked in constant time.

export class Signer {
  readonly #key: Buffer;

  constructor(appSecret: string, purpose: string) {
    this.#key = Buffer.from(hkdfSync('sha256', appSecret, 'community-sync', `signing ${purpose}`, 32));
  }

  sign(value: string): string {
    return `${value}.${this.#mac(value)}`;
  }

  /** The value when the signature is right, else null. */
  verify(signed: string): string | null {
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return null;
    const value = signed.slice(0, dot);
    const given = Buffer.from(signed.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.#mac(value), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected) ? value : null;
  }

  #mac(value: string): string {
    return createHmac('sha256', this.#key).update(value, 'utf8').digest('base64url');
  }
}
