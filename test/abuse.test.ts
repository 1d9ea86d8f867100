import { beforeAll, describe, expect, it } from 'vitest';
import type { CookieClient } from './support/cookie-client.ts';
import { installTenant, recordingQueue, signedWebhook } from './support/hubspot-webhooks.ts';
import { MemoryProvider } from './support/memory-connector.ts';
import { account, person } from './support/snapshot-builder.ts';
import { startTestApp, useTestApp } from './support/test-app.ts';

// Every bad request an outsider or a confused client can send gets a 4xx naming the problem, never a 500, and
// changes nothing. One case per row of the closing note's table.

const SECRET = 'abuse-test-secret-that-is-long-enough-0123456789';
const HUBSPOT_SECRET = 'hubspot-client-secret';
const provider = new MemoryProvider({
  children: [account('north', [person('n1', { emails: ['bob@example.com'] })], { name: 'North' })],
  corporate: { id: 'corp', name: 'Sunrise HQ', contacts: [] },
});

const { queue, enqueued } = recordingQueue();

const app = useTestApp(provider, {
  secret: SECRET,
  webhooks: { hubspotClientSecret: HUBSPOT_SECRET, queue },
});
let admin: CookieClient;
let tenantId: string;

beforeAll(async () => {
  ({ admin, tenantId } = await installTenant(app.base, 'corp', ['north']));
  await app.store.tenants.updateSettings(tenantId, { enabled: true });
});

/** A webhook POST signed as HubSpot signs them (v3), with a fresh timestamp unless given. */
const webhook = (body: string, timestamp?: string) => () =>
  signedWebhook(app.base, HUBSPOT_SECRET)(body, timestamp);

const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

describe('webhooks', () => {
  it('a validly signed body that is not JSON, or empty, is a 400 naming it', async () => {
    const malformed = await webhook('[{"portalId": ')();
    expect(malformed.status).toBe(400);
    expect(await errorOf(malformed)).toBe('the webhook body is not valid JSON');
    const empty = await webhook('')();
    expect(empty.status).toBe(400);
    expect(await errorOf(empty)).toBe('the webhook body is empty');
    const wrongShape = await webhook('{"portalId": 1}')();
    expect(wrongShape.status).toBe(400);
    expect(await errorOf(wrongShape)).toMatch(/not a batch of events: \(the document\): expected an array/);
    const noTime = await webhook(
      '[{"portalId": 1, "subscriptionType": "contact.creation", "objectId": 2}]',
    )();
    expect(noTime.status).toBe(400);
    expect(await errorOf(noTime)).toMatch(/\[0\]\.occurredAt/);
  });

  it('a body over the limit (HubSpot sends at most 100 events) is a 413 before it is read', async () => {
    const events = Array.from({ length: 2_000 }, (_, i) => ({
      portalId: 'north',
      subscriptionType: 'contact.propertyChange',
      objectId: i,
      propertyName: 'firstname',
      propertyValue: 'x'.repeat(100),
      occurredAt: 1_700_000_000_000,
      subscriptionId: 1,
    }));
    const response = await webhook(JSON.stringify(events))();
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toBe('the request body is larger than 256 kB');
    // A full batch of 100 such events fits.
    expect((await webhook(JSON.stringify(events.slice(0, 100)))()).status).toBe(204);
  });

  it('a delivery replayed within the five-minute window stores its events once and asks for work once', async () => {
    const body = JSON.stringify([
      { portalId: 'north', subscriptionType: 'contact.creation', objectId: 7, occurredAt: 1_700_000_000_001 },
    ]);
    const send = webhook(body);
    const before = enqueued.length;
    expect((await send()).status).toBe(204);
    expect(enqueued.slice(before)).toEqual([{ tenantId, trigger: 'webhook' }]);
    expect((await send()).status).toBe(204);
    expect((await send()).status).toBe(204);
    expect(enqueued.length).toBe(before + 1);
    expect(
      (await app.store.changeEvents.pending(tenantId, 'hubspot', ['north'])).filter(
        (e) => e.objectId === '7' && e.subscriptionType === 'contact.creation',
      ),
    ).toHaveLength(1);
    const metrics = await (await fetch(`${app.base}/metrics`)).text();
    expect(metrics).toMatch(/community_sync_webhooks_total\{outcome="duplicate"\} 2\n/);
  });

  it('an unsigned or stale request is a 401', async () => {
    const body = JSON.stringify([
      { portalId: 'north', subscriptionType: 'contact.creation', objectId: 8, occurredAt: 1_700_000_000_000 },
    ]);
    const stale = webhook(body, String(Date.now() - 6 * 60_000));
    expect((await stale()).status).toBe(401);
    const unsigned = await fetch(`${app.base}/webhooks/hubspot`, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
  });
});

describe('the admin API', () => {
  it('a malformed session cookie counts as signed out: the page and the API answer, nothing breaks', async () => {
    for (const cookie of ['cs_admin=%E0%A4%A', 'cs_admin=abc.def', 'cs_admin=', 'cs_admin="x";;;=']) {
      const session = await fetch(`${app.base}/api/session`, { headers: { cookie } });
      expect(session.status).toBe(200);
      expect(((await session.json()) as { tenantId: unknown }).tenantId).toBeNull();
      expect((await fetch(`${app.base}/`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${app.base}/api/tenants/${tenantId}`, { headers: { cookie } })).status).toBe(403);
    }
  });

  it('a run id that is not a number, or is huge, is a 400; one of another tenant a 404', async () => {
    for (const id of ['abc', '1e3', '-1', '99999999999999999999']) {
      const response = await admin.get(`/api/tenants/${tenantId}/runs/${id}/audit`);
      expect(response.status, id).toBe(400);
      expect(await errorOf(response)).toBe('run: expected a run number such as 42');
    }
    expect((await admin.get(`/api/tenants/${tenantId}/runs/123456/audit`)).status).toBe(404);
  });

  it('a JSON body of null, a string or an array where an object belongs is a 400', async () => {
    const put = (body: string) => admin.send('PUT', `/api/tenants/${tenantId}/settings`, body);
    for (const body of ['null', '"enabled"', '42']) {
      const response = await put(body);
      expect(response.status, body).toBe(400);
      expect(await errorOf(response)).toBe('the request body is not a JSON object or array');
    }
    const array = await put('[]');
    expect(array.status).toBe(400);
    expect(await errorOf(array)).toBe('(the document): expected an object');
    expect((await admin.send('POST', `/api/tenants/${tenantId}/runs`, 'null')).status).toBe(400);
  });

  it('a NUL byte or another control character in a tag is a 400 naming the tag; 51 tags too many', async () => {
    const nul = await admin.send('PUT', `/api/tenants/${tenantId}/settings`, {
      tags: ['ok', 'bad\u0000tag'],
    });
    expect(nul.status).toBe(400);
    expect(await errorOf(nul)).toBe('tags[1]: expected a tag name without control characters');
    const tab = await admin.send('PUT', `/api/tenants/${tenantId}/settings`, { tags: ['a\tb'] });
    expect(tab.status).toBe(400);
    const many = await admin.send('PUT', `/api/tenants/${tenantId}/settings`, {
      tags: Array.from({ length: 51 }, (_, i) => `tag ${i}`),
    });
    expect(many.status).toBe(400);
    expect(await errorOf(many)).toMatch(/^tags: expected at most 50 tags/);
    expect((await app.store.tenants.get(tenantId))?.settings.tags).toEqual([]);
  });

  it('unknown settings are refused by name', async () => {
    const response = await admin.send('PUT', `/api/tenants/${tenantId}/settings`, {
      enabled: true,
      schedule: { time: '04:00', zone: 'UTC' },
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toBe('schedule: unknown field "zone"');
  });

  it('a body over the JSON limit is a 413', async () => {
    const response = await admin.send('PUT', `/api/tenants/${tenantId}/settings`, {
      tags: ['x'.repeat(200_000)],
    });
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toBe('the request body is larger than 100 kB');
  });

  it('a form post from another origin (another port of this host) is refused and starts nothing', async () => {
    const before = (await app.store.runs.list(tenantId)).length;
    const otherPort = new URL(app.base);
    otherPort.port = String(Number(otherPort.port) + 1);
    const crossSite = await admin.form(
      `/api/tenants/${tenantId}/runs`,
      { dryRun: 'false' },
      otherPort.origin,
    );
    expect(crossSite.status).toBe(403);
    expect(await errorOf(crossSite)).toMatch(/^cross-site request refused/);
    const sameSiteForm = await admin.form(`/api/tenants/${tenantId}/runs`, { dryRun: 'false' });
    expect(sameSiteForm.status).toBe(415);
    const fetchMetadataOnly = await fetch(`${app.base}/api/tenants/${tenantId}/runs`, {
      method: 'POST',
      headers: {
        cookie: admin.cookieHeader,
        'content-type': 'application/json',
        'sec-fetch-site': 'cross-site',
      },
      body: '{}',
    });
    expect(fetchMetadataOnly.status).toBe(403);
    const viaJson = await admin.send(
      'POST',
      `/api/tenants/${tenantId}/runs`,
      {},
      { origin: otherPort.origin },
    );
    expect(viaJson.status).toBe(403);
    expect(await app.store.runs.list(tenantId)).toHaveLength(before);
  });

  it('an unknown provider or route is a 404, with JSON for the API and a page for browser flows', async () => {
    const api = await admin.get('/api/nothing');
    expect(api.status).toBe(404);
    expect(await errorOf(api)).toBe('not found');
    const install = await admin.get('/install/pipedrive');
    expect(install.status).toBe(404);
    expect(install.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await install.text()).toContain('unknown provider &quot;pipedrive&quot;: use one of hubspot');
  });
});

describe('headers on every response', () => {
  it('a CSP without inline script that no site may frame, nosniff, no referrer; no framework banner', async () => {
    for (const path of ['/', '/api/session', '/healthz', '/install/pipedrive']) {
      const response = await fetch(app.base + path);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
    const page = await (await fetch(app.base)).text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('with an https public URL, cookies are Secure; configured CRM hosts may frame the app', async () => {
    const secure = await startTestApp(app.opened, provider, {
      secret: SECRET,
      publicUrl: 'https://sync.example.com',
      frameAncestors: ['https://app.hubspot.com'],
    });
    try {
      const started = await fetch(`${secure.base}/install/hubspot`, { redirect: 'manual' });
      expect(started.headers.getSetCookie().every((c) => /;\s*Secure/i.test(c))).toBe(true);
      expect(started.headers.get('content-security-policy')).toContain(
        'frame-ancestors https://app.hubspot.com',
      );
      expect(started.headers.get('x-frame-options')).toBeNull();
      expect(started.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    } finally {
      secure.close();
    }
  });
});
