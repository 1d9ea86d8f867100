import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { HttpError } from './errors.ts';

// Headers on every response, and the guard on every state-changing request: JSON only, from the app's own origin.

/** Security headers: a CSP without inline script, framing only by the CRM hosts that embed the app (none by default). */
export function securityHeaders(publicUrl: string, frameAncestors: readonly string[]): RequestHandler {
  const https = publicUrl.startsWith('https:');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'form-action': ["'self'"],
        'base-uri': ["'none'"],
        'object-src': ["'none'"],
        'frame-ancestors': frameAncestors.length > 0 ? [...frameAncestors] : ["'none'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    // Framing is governed by frame-ancestors alone: X-Frame-Options cannot name the CRM hosts.
    xFrameOptions: frameAncestors.length > 0 ? false : { action: 'deny' },
    strictTransportSecurity: https ? { maxAge: 180 * 24 * 3600 } : false,
    referrerPolicy: { policy: 'no-referrer' },
    xContentTypeOptions: true,
  });
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Refuses cross-site requests that change state. A browser names the page's origin in `Origin` (or at least says
 * `Sec-Fetch-Site`); a request without either comes from a program, not from a page another site controls. Bodies
 * must be JSON, which no plain HTML form can send.
 */
export function sameOriginOnly(publicUrl: string, { json = true } = {}): RequestHandler {
  const origin = new URL(publicUrl).origin;
  return (request: Request, _response: Response, next: NextFunction) => {
    if (!UNSAFE.has(request.method)) return next();
    const from = request.get('origin');
    const site = request.get('sec-fetch-site');
    if (
      from !== undefined ? from !== origin : site !== undefined && site !== 'same-origin' && site !== 'none'
    ) {
      return next(
        new HttpError(
          403,
          `cross-site request refused: this action must come from the app's own page (${origin})`,
        ),
      );
    }
    if (json && request.method !== 'DELETE' && !JSON_TYPE.test(request.get('content-type') ?? '')) {
      return next(new HttpError(415, 'send the request body as JSON (Content-Type: application/json)'));
    }
    next();
  };
}
