import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

// HubSpot's v3 request signature: base64 HMAC-SHA256, under the app's client secret, of the method, the full
// URI it called, the raw body and the `X-HubSpot-Request-Timestamp` header; requests older than five minutes
// are refused so a captured one cannot be replayed.

export const MAX_AGE_MS = 5 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** The URL exactly as HubSpot called it (the app's public URL and the path). */
  url: string;
  rawBody: string;
  timestamp: string | undefined;
  signature: string | undefined;
}

export function verifyHubSpotSignature(
  request: SignedRequest,
  clientSecret: string,
  now = Date.now(),
): boolean {
  const { timestamp, signature } = request;
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now - Number(timestamp)) > MAX_AGE_MS) return false;
  const expected = createHmac('sha256', clientSecret)
    .update(`${request.method.toUpperCase()}${request.url}${request.rawBody}${timestamp}`, 'utf8')
    .digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const event = z.object({
  portalId: z.union([z.number(), z.string()]).transform(String),
  subscriptionType: z.string(),
  objectId: z.union([z.number(), z.string()]).optional(),
});

/** The portals a webhook batch says changed; throws zod's error naming the bad field. */
export function changedPortals(rawBody: string): string[] {
  const events = z.array(event).parse(JSON.parse(rawBody));
  return [...new Set(events.map((e) => e.portalId))];
}
