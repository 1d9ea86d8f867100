import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { describeZodError } from '../src/core/validation-error.ts';

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

/** A signed webhook body that is not the batch of events HubSpot sends; the message names what is wrong. */
export class WebhookPayloadError extends Error {
  override readonly name = 'WebhookPayloadError';
}

/** The portals a webhook batch says changed. */
export function changedPortals(rawBody: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new WebhookPayloadError(
      rawBody.trim() === '' ? 'the webhook body is empty' : 'the webhook body is not valid JSON',
    );
  }
  const events = z.array(event).min(1, 'expected at least one event').safeParse(body);
  if (!events.success) {
    throw new WebhookPayloadError(
      `the webhook body is not a batch of events: ${describeZodError(events.error).join('; ')}`,
    );
  }
  return [...new Set(events.data.map((e) => e.portalId))];
}
