import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/app/seeded-random.ts';
import {
  eventsBySchema,
  MAX_AGE_MS,
  parseHubSpotEvents,
  verifyHubSpotSignature,
  WebhookPayloadError,
} from './hubspot.ts';

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

describe('parsing a batch the usual way, field by field', () => {
  // Each field absent, of its type, or not (valid values first, then invalid ones): the field-by-field path must
  // agree with the schema on every batch.
  const choices: Record<string, [valid: unknown[], invalid: unknown[]]> = {
    portalId: [
      [62515, '62515'],
      [undefined, '', null, true],
    ],
    subscriptionType: [
      ['contact.propertyChange', 'object.creation', undefined],
      ['', null, 3],
    ],
    eventType: [
      [undefined, 'contact.creation'],
      ['', null],
    ],
    subscriptionId: [
      [9001, '9001', undefined, 1.5],
      ['', null],
    ],
    objectTypeId: [
      ['0-1', '', undefined],
      [null, 1],
    ],
    objectId: [
      [123, '123', 0, undefined],
      ['', null, [1]],
    ],
    propertyName: [['email', 'firstname', 'phone', '', undefined], [null]],
    propertyValue: [
      ['a@example.com', 'Ada', 42, false, null, undefined],
      [{ x: 1 }, ['x']],
    ],
    mergedObjectIds: [
      [[1, '2'], [], undefined],
      [[''], 'x', null],
    ],
    primaryObjectId: [
      [7, '7', undefined],
      ['', null],
    ],
    newObjectId: [
      [8, undefined],
      [null, ''],
    ],
    fromObjectId: [
      [9, '9', undefined],
      ['', null],
    ],
    toObjectId: [
      [10, undefined],
      ['', null],
    ],
    fromObjectTypeId: [['0-1', undefined], [null]],
    toObjectTypeId: [['0-3', undefined], [5]],
    associationType: [['CONTACT_TO_DEAL', '', undefined], [null]],
    occurredAt: [
      [1_700_000_000_000, 0],
      [undefined, -1, 1.5, '1700000000000', null, 2 ** 60],
    ],
    changeSource: [['CRM_UI', '', undefined], [null]],
    sourceId: [['userId:1', undefined], [7]],
  };
  const outcome = (parse: () => unknown) => {
    try {
      return { events: parse() };
    } catch (error) {
      return { error: error instanceof WebhookPayloadError ? error.message : `unexpected ${String(error)}` };
    }
  };

  it('gives what the schema gives, events or the error naming what is wrong, on 3,000 random batches', () => {
    const random = seededRandom(20261130);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    let accepted = 0;
    for (let n = 0; n < 3_000; n++) {
      const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const event: Record<string, unknown> = {};
        for (const [field, [valid, invalid]] of Object.entries(choices)) {
          // Mostly valid fields, so that whole batches often pass.
          const value = random() < 0.98 ? pick(valid) : pick(invalid);
          if (value !== undefined) event[field] = value;
        }
        return event;
      });
      const raw = JSON.stringify(batch);
      const usual = outcome(() => parseHubSpotEvents(raw));
      expect(usual, raw).toEqual(outcome(() => eventsBySchema(JSON.parse(raw))));
      if ('events' in usual) accepted++;
    }
    // Both kinds of batch were tried: some whole, some refused.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(2_700);
  });
});
