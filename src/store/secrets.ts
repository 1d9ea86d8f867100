import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

// Tokens at rest: AES-256-GCM under a key derived from APP_SECRET. Each ciphertext is bound to what it belongs
// to (`context`, e.g. the account row), so a value copied into another row or tenant does not decrypt.

const VERSION = 'v1';

export class SecretBox {
  readonly #key: Buffer;

  constructor(appSecret: string) {
    if (appSecret.length < 32) throw new Error('APP_SECRET must be at least 32 characters');
    this.#key = Buffer.from(hkdfSync('sha256', appSecret, 'community-sync', 'tokens v1', 32));
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** Throws when the value was sealed under another secret or context, or was altered. */
  open(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
      throw new Error('not a sealed value');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

/** A new random key for a tenant's keyed hashes. */
export const newHashKey = (): string => randomBytes(32).toString('base64url');

/** A keyed hash (HMAC-SHA256) of a normalised email or phone key: matches across runs, reveals nothing. */
export function keyedHash(key: string, value: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64url')).update(value, 'utf8').digest('base64url');
}
