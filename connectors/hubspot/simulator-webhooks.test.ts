import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { parseHubSpotEvents, verifyHubSpotSignature } from '../../webhooks/hubspot.ts';
import { hubspotConnector } from './index.ts';
import { specViolations } from './openapi-shapes.ts';
import { type RunningHubspotSimulator, startHubspotSimulator } from './simulator.ts';
import { sandboxConnection } from './sync-fixture.ts';

// The simulator behaves like HubSpot for a community's staff and the app: single-object endpoints, signed and
// batched webhook events for every change made through its API, v4 association paging, and the limits HubSpot's
// published specs describe.

const SECRET = 'sim-client-secret';
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

interface Received {
  status: number;
  verified: boolean;
  body: string;
}

/** A webhook receiver that verifies each request as the app does; answers `statuses` in turn, then 204. */
async function receiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const status = statuses.shift() ?? 204;
    const verified = verifyHubSpotSignature(
      {
        method: request.method ?? '',
        url: `${url}${request.url}`,
        rawBody: body,
        timestamp: request.headers['x-hubspot-request-timestamp'] as string | undefined,
        signature: request.headers['x-hubspot-signature-v3'] as string | undefined,
      },
      SECRET,
    );
    received.push({ status, verified, body });
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `${url}/webhooks/hubspot`, received };
}

const snapshot = tenant({
  children: [account('7', [person('c1', { emails: ['ann@example.com'] }), person('c2')])],
});

async function start(webhooks = {}): Promise<RunningHubspotSimulator> {
  const simulator = await startHubspotSimulator({ snapshot, webhooks: { retryBaseMs: 5, ...webhooks } });
  closers.push(() => simulator.close());
  return simulator;
}

function api(simulator: RunningHubspotSimulator, token = 'sandbox-7') {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${simulator.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
}

describe('HubSpot simulator webhooks', () => {
  it("a staff member's changes arrive signed, as generic events the app parses, naming CRM_UI", async () => {
    const target = await receiver();
    const simulator = await start({ targetUrl: target.url });
    const call = api(simulator);
    const created = await call('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'Bob@Example.com', firstname: 'Bob' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(
      (await call('GET', `/crm/v3/objects/contacts/${id}?properties=email,firstname`)).body.properties,
    ).toMatchObject({
      email: 'bob@example.com',
      firstname: 'Bob',
    });
    await simulator.webhooks.idle();
    expect(target.received).toHaveLength(1);
    expect(target.received[0]?.verified).toBe(true);
    const events = parseHubSpotEvents(target.received[0]?.body ?? '');
    expect(events.map((e) => [e.subscriptionType, e.objectTypeId, e.objectId, e.propertyName])).toEqual([
      ['object.creation', '0-1', id, null],
      ['object.propertyChange', '0-1', id, 'email'],
      ['object.propertyChange', '0-1', id, 'firstname'],
    ]);
    expect(events.every((e) => e.changeSource === 'CRM_UI' && e.sourceId?.startsWith('userId:'))).toBe(true);
  });

  it('with the app’s subscriptions, only what they name is sent: no change of an unsubscribed property', async () => {
    const target = await receiver();
    const simulator = await start({
      targetUrl: target.url,
      subscriptions: [
        { subscriptionType: 'object.creation', objectType: 'contact' },
        { subscriptionType: 'object.propertyChange', objectType: 'contact', propertyName: 'email' },
      ],
    });
    const call = api(simulator);
    const created = await call('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'ann@example.org', firstname: 'Ann' },
    });
    expect(created.status).toBe(201);
    expect(
      (
        await call('PATCH', `/crm/v3/objects/contacts/${created.body.id}`, {
          properties: { phone: '212 555 0100' },
        })
      ).status,
    ).toBe(200);
    await simulator.webhooks.idle();
    const events = target.received.flatMap((r) => parseHubSpotEvents(r.body));
    expect(events.map((e) => `${e.subscriptionType} ${e.propertyName ?? ''}`.trim())).toEqual([
      'object.creation',
      'object.propertyChange email',
    ]);
  });

  it('updates, archives, merges and deals each make their events; the app’s own writes name the app', async () => {
    const target = await receiver();
    const simulator = await startHubspotSimulator({
      snapshot,
      recordExchanges: true,
      webhooks: { targetUrl: target.url, appId: 99, retryBaseMs: 5 },
    });
    closers.push(() => simulator.close());
    const call = api(simulator);
    expect(
      (await call('PATCH', '/crm/v3/objects/contacts/c2', { properties: { phone: '212 555 0100' } })).status,
    ).toBe(200);
    const deal = await call('POST', '/crm/v3/objects/deals', {
      properties: { dealstage: 'inq', pipeline: 'p1' },
      associations: [
        { to: { id: 'c1' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] },
      ],
    });
    expect(deal.status).toBe(201);
    expect(
      (await call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: 'c1', objectIdToMerge: 'c2' }))
        .status,
    ).toBe(200);
    expect((await call('DELETE', `/crm/v3/objects/deals/${deal.body.id}`)).status).toBe(204);
    // The app writes its tag through its OAuth token.
    const code = simulator.issueCode('7');
    const token = await fetch(`${simulator.url}/oauth/v3/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: 'sim-client-id',
        client_secret: SECRET,
        redirect_uri: 'http://localhost/cb',
      }),
    });
    const { access_token: access } = (await token.json()) as { access_token: string };
    await api(simulator, access)('PATCH', '/crm/v3/objects/contacts/c1', {
      properties: { lastname: 'Smith' },
    });
    await simulator.webhooks.idle();
    const events = target.received.flatMap((r) => parseHubSpotEvents(r.body));
    expect(
      events.map((e) => `${e.subscriptionType} ${e.objectTypeId} ${e.propertyName ?? ''}`.trim()),
    ).toEqual([
      'object.propertyChange 0-1 phone',
      'object.creation 0-3',
      'object.propertyChange 0-3 dealstage',
      'object.propertyChange 0-3 pipeline',
      'object.associationChange 0-3',
      'object.merge 0-1',
      'object.deletion 0-3',
      'object.propertyChange 0-1 lastname',
    ]);
    expect(events.find((e) => e.subscriptionType === 'object.merge')).toMatchObject({
      objectId: 'c1',
      mergedObjectIds: ['c2'],
      primaryObjectId: 'c1',
    });
    expect(events.at(-1)).toMatchObject({ changeSource: 'INTEGRATION', sourceId: '99' });
    expect(simulator.portal('7').contacts.map((c) => c.id)).toEqual(['c1']);
    expect(simulator.exchanges.flatMap(specViolations)).toEqual([]);
  });

  it('sends at most 100 events per request, and retries a 5xx with back-off until it is taken', async () => {
    const target = await receiver([503, 500]);
    const simulator = await start({ targetUrl: target.url });
    const inputs = Array.from({ length: 60 }, (_, i) => ({
      idProperty: 'email',
      id: `p${i}@example.com`,
      properties: { firstname: `P${i}` },
    }));
    expect((await api(simulator)('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs })).status).toBe(
      200,
    );
    await simulator.webhooks.idle();
    // 60 creations and 120 property changes: two requests (the first tried three times).
    const sizes = target.received.map((r) => JSON.parse(r.body).length);
    expect(sizes).toEqual([100, 100, 100, 80]);
    expect(target.received.map((r) => r.status)).toEqual([503, 500, 204, 204]);
    expect(JSON.parse(target.received[2]?.body ?? '[]')[0].attemptNumber).toBe(2);
    expect(target.received.every((r) => r.verified)).toBe(true);
  });
});

describe('HubSpot simulator against the published specs', () => {
  it('search neither counts towards the ten-second window nor carries its headers; it stops at 10,000 results', async () => {
    const simulator = await start();
    const call = api(simulator);
    const search = await call('POST', '/crm/v3/objects/contacts/search', { limit: 10 });
    expect(search.status).toBe(200);
    expect(search.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
    const list = await call('GET', '/crm/v3/objects/contacts?limit=10');
    expect(list.headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
    const far = await call('POST', '/crm/v3/objects/contacts/search', { limit: 100, after: '9950' });
    expect(far.status).toBe(400);
    expect(far.body.category).toBe('VALIDATION_ERROR');
  });

  it('error bodies carry a UUID correlationId and a category, 429s too', async () => {
    const simulator = await startHubspotSimulator({ snapshot, rateLimit: { max: 1, intervalMs: 60_000 } });
    closers.push(() => simulator.close());
    const call = api(simulator);
    const missing = await call('GET', '/crm/v3/objects/contacts/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.correlationId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    const limited = await call('GET', '/crm/v3/objects/contacts');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ category: 'RATE_LIMITS', errorType: 'RATE_LIMIT' });
    expect(limited.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a deal with more than 100 contacts pages them, and the connector follows the paging', async () => {
    const contacts = Array.from({ length: 250 }, (_, i) => person(`x${i}`));
    const big = tenant({
      children: [
        account('8', contacts, {
          deals: [
            { id: 'd1', pipelineId: 'p1', stageId: 'inq', contactIds: contacts.map((c) => c.id as string) },
          ],
        }),
      ],
    });
    const simulator = await startHubspotSimulator({ snapshot: big, recordExchanges: true });
    closers.push(() => simulator.close());
    const session = hubspotConnector({ baseUrl: simulator.url }).open(
      sandboxConnection({ id: '8', name: 'Eight' }, 'child'),
    );
    const pulled = await session.pullChild();
    expect(pulled.deals[0]?.contactIds).toHaveLength(250);
    expect(new Set(pulled.deals[0]?.contactIds)).toEqual(new Set(contacts.map((c) => c.id)));
    expect(
      simulator.calls.count((c) => c.path.startsWith('/crm/v4/objects/deals/d1/associations/contacts')),
    ).toBe(1);
  });
});
