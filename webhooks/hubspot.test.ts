import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { changedPortals, MAX_AGE_MS, verifyHubSpotSignature, WebhookPayloadError } from './hubspot.ts';

const SECRET = 'client-secret';
const NOW = 1_795_000_000_000;
const body = JSON.stringify([{ portalId: 20001, subscriptionType: 'contact.creation', objectId: 7 }]);
const url = 'https://sync.example.com/webhooks/hubspot';

function sign(rawBody: string, timestamp: number, secret = SECRET) {
  return createHmac('sha256', secret).update(`POST${url}${rawBody}${timestamp}`).digest('base64');
}

const request = (overrides: Partial<Parameters<typeof verifyHubSpotSignature>[0]> = {}) => ({
  method: 'POST',
  url,
  rawBody: body,
  timestamp: String(NOW),
  signature: sign(body, NOW),
  ...overrides,
});

describe("HubSpot's v3 webhook signature", () => {
  it('accepts a request signed with the client secret over method, URL, body and timestamp', () => {
    expect(verifyHubSpotSignature(request(), SECRET, NOW + 1_000)).toBe(true);
  });

  it('refuses an altered body, another URL, another secret, or missing headers', () => {
    expect(verifyHubSpotSignature(request({ rawBody: body.replace('20001', '20002') }), SECRET, NOW)).toBe(
      false,
    );
    expect(verifyHubSpotSignature(request({ url: `${url}?x=1` }), SECRET, NOW)).toBe(false);
    expect(verifyHubSpotSignature(request({ signature: sign(body, NOW, 'other') }), SECRET, NOW)).toBe(false);
    expect(verifyHubSpotSignature(request({ signature: undefined }), SECRET, NOW)).toBe(false);
    expect(verifyHubSpotSignature(request({ timestamp: undefined }), SECRET, NOW)).toBe(false);
  });

  it('refuses a request older than five minutes, so it cannot be replayed', () => {
    expect(verifyHubSpotSignature(request(), SECRET, NOW + MAX_AGE_MS + 1)).toBe(false);
  });

  it('names the portals that changed, once each, and refuses a malformed batch', () => {
    const events = [
      { portalId: 20001, subscriptionType: 'contact.creation' },
      { portalId: 20001, subscriptionType: 'deal.propertyChange' },
      { portalId: '20002', subscriptionType: 'contact.privacyDeletion' },
    ];
    expect(changedPortals(JSON.stringify(events))).toEqual(['20001', '20002']);
    expect(() => changedPortals(JSON.stringify([{ subscriptionType: 'x' }]))).toThrow(/\[0\]\.portalId/);
    expect(() => changedPortals('')).toThrow(WebhookPayloadError);
    expect(() => changedPortals('{"portalId":')).toThrow(/not valid JSON/);
    expect(() => changedPortals('null')).toThrow(/expected an array/);
    expect(() => changedPortals('[]')).toThrow(/at least one event/);
  });
});
