import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_AGE_MS, parseHubSpotEvents, verifyHubSpotSignature, WebhookPayloadError } from './hubspot.ts';

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

  it('refuses a malformed batch, naming what is wrong', () => {
    const at = 1_700_000_000_000;
    expect(() =>
      parseHubSpotEvents(JSON.stringify([{ subscriptionType: 'x', objectId: 1, occurredAt: at }])),
    ).toThrow(/\[0\]\.portalId/);
    expect(() => parseHubSpotEvents(JSON.stringify([{ portalId: 1, objectId: 1, occurredAt: at }]))).toThrow(
      /\[0\]\.subscriptionType: expected subscriptionType/,
    );
    expect(() =>
      parseHubSpotEvents(
        JSON.stringify([{ portalId: 1, subscriptionType: 'contact.creation', objectId: 1 }]),
      ),
    ).toThrow(/\[0\]\.occurredAt/);
    expect(() => parseHubSpotEvents('')).toThrow(WebhookPayloadError);
    expect(() => parseHubSpotEvents('{"portalId":')).toThrow(/not valid JSON/);
    expect(() => parseHubSpotEvents('null')).toThrow(/expected an array/);
    expect(() => parseHubSpotEvents('[]')).toThrow(/at least one event/);
  });
});

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe("HubSpot's event payloads", () => {
  it("reads HubSpot's documented legacy example (eventType) and the legacy types", () => {
    const events = parseHubSpotEvents(fixture('hubspot-legacy.json'));
    expect(events[0]).toEqual({
      provider: 'hubspot',
      accountId: '33',
      subscriptionId: '25',
      subscriptionType: 'contact.propertyChange',
      objectTypeId: null,
      objectId: '1246965',
      propertyName: 'lifecyclestage',
      propertyValue: 'subscriber',
      mergedObjectIds: null,
      primaryObjectId: null,
      associatedObjectId: null,
      associatedTypeId: null,
      occurredAt: new Date(1462216307945),
      changeSource: 'ACADEMY',
      sourceId: null,
    });
    expect(events.map((e) => e.subscriptionType)).toEqual([
      'contact.propertyChange',
      'contact.creation',
      'contact.propertyChange',
      'contact.merge',
      'contact.associationChange',
      'deal.deletion',
      'contact.privacyDeletion',
    ]);
    // An email's value is never kept: only that it changed.
    expect(events[2]).toMatchObject({ propertyName: 'email', propertyValue: null, sourceId: 'userId:45678' });
    expect(events[3]).toMatchObject({ mergedObjectIds: ['1246978'], primaryObjectId: '1246965' });
    expect(events[4]).toMatchObject({
      objectId: '1246965',
      associatedObjectId: '5551',
      associatedTypeId: 'DEAL',
    });
  });

  it('reads the generic types with their objectTypeId, association sides included', () => {
    const events = parseHubSpotEvents(fixture('hubspot-generic.json'));
    expect(events.map((e) => [e.subscriptionType, e.objectTypeId, e.objectId])).toEqual([
      ['object.creation', '0-1', '301'],
      ['object.propertyChange', '0-3', '401'],
      ['object.deletion', '0-1', '302'],
      ['object.restore', '0-1', '303'],
      ['object.associationChange', '0-3', '402'],
      ['object.merge', '0-1', '305'],
      ['object.creation', '0-2', '901'],
    ]);
    expect(events[1]).toMatchObject({ propertyName: 'dealstage', propertyValue: 'closedwon' });
    expect(events[4]).toMatchObject({ associatedObjectId: '304', associatedTypeId: '0-1' });
    expect(events[5]?.mergedObjectIds).toEqual(['306', '307']);
  });
});
