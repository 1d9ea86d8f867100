import { afterEach, describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { type RunningHubspotSimulator, startHubspotSimulator } from './simulator.ts';

let simulator: RunningHubspotSimulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

let clock = 1_000_000;
const snapshot = tenant({
  settings: { tags: ['vip'] },
  children: [account('7', [person('c1', { emails: ['a@example.com'], tags: ['vip'] }), person('c2')])],
});

async function start(options: Partial<Parameters<typeof startHubspotSimulator>[0]> = {}) {
  simulator = await startHubspotSimulator({ snapshot, now: () => clock, ...options });
  return simulator;
}

async function call(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const token = init.token === undefined ? 'sandbox-7' : init.token;
  const response = await fetch(`${simulator?.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('HubSpot simulator', () => {
  it('answers a missing or unknown token with 401', async () => {
    await start();
    expect((await call('/crm/v3/objects/contacts', { token: null })).status).toBe(401);
    expect((await call('/crm/v3/objects/contacts', { token: 'sandbox-999' })).body.category).toBe(
      'INVALID_AUTHENTICATION',
    );
  });

  it('refuses a page above 100 and a batch above 100 inputs', async () => {
    await start();
    expect((await call('/crm/v3/objects/contacts?limit=101')).status).toBe(400);
    const inputs = Array.from({ length: 101 }, (_, i) => ({ id: String(i), properties: {} }));
    const batch = await call('/crm/v3/objects/contacts/batch/update', { method: 'POST', body: { inputs } });
    expect(batch.status).toBe(400);
    expect(batch.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });

  it('holds a scripted request, then handles it as the API would, while other requests are answered', async () => {
    const sim = await start();
    sim.script({ portalId: '7', method: 'GET', pathPrefix: '/crm/v3/objects/contacts/c1', holdMs: 300 });
    const order: string[] = [];
    const held = call('/crm/v3/objects/contacts/c1').then((answer) => {
      order.push('held');
      return answer;
    });
    const other = call('/crm/v3/objects/contacts/c2').then((answer) => {
      order.push('other');
      return answer;
    });
    expect((await other).status).toBe(200);
    expect((await held).body).toMatchObject({ id: 'c1' });
    expect(order).toEqual(['other', 'held']);
    // Held once (times defaults to 1): the next read of c1 is not.
    expect((await call('/crm/v3/objects/contacts/c1')).status).toBe(200);
  });

  it('refuses an unknown option of the tag property', async () => {
    await start();
    const answer = await call('/crm/v3/objects/contacts/batch/update', {
      method: 'POST',
      body: { inputs: [{ id: 'c2', properties: { community_sync_tags: 'not-an-option' } }] },
    });
    expect(answer.status).toBe(400);
    expect(String(answer.body.message)).toContain('INVALID_OPTION');
  });

  it('answers 429 with HubSpot body and headers once the rolling window is spent', async () => {
    await start({ rateLimit: { max: 2, intervalMs: 10_000 } });
    await call('/crm/v3/pipelines/deals');
    const second = await call('/crm/v3/pipelines/deals');
    expect(second.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    const third = await call('/crm/v3/pipelines/deals');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(third.headers.get('x-hubspot-ratelimit-max')).toBe('2');
    expect(third.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    clock += 10_000;
    expect((await call('/crm/v3/pipelines/deals')).status).toBe(200);
  });

  it('lets search see a write only after the lag', async () => {
    await start({ searchLagMs: 2_000 });
    const find = () =>
      call('/crm/v3/objects/contacts/search', {
        method: 'POST',
        body: {
          filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'new@example.com' }] }],
        },
      });
    const upsert = await call('/crm/v3/objects/contacts/batch/upsert', {
      method: 'POST',
      body: { inputs: [{ idProperty: 'email', id: 'new@example.com', properties: { firstname: 'N' } }] },
    });
    expect(upsert.status).toBe(200);
    expect((upsert.body.results as { new: boolean }[])[0]?.new).toBe(true);
    expect((await find()).body.total).toBe(0);
    clock += 2_000;
    expect((await find()).body.total).toBe(1);
  });

  it('records every call', async () => {
    const sim = await start();
    await call('/crm/v3/objects/deals?limit=10');
    expect(sim.calls.all().map((c) => [c.method, c.accountId, c.status])).toEqual([['GET', '7', 200]]);
  });
});

describe('HubSpot simulator OAuth v3', () => {
  const form = (fields: Record<string, string>, query = '') =>
    fetch(`${simulator?.url}/oauth/v3/token${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const client = { client_id: 'sim-client-id', client_secret: 'sim-client-secret' };
  const introspect = async (token: string) =>
    (await (
      await fetch(`${simulator?.url}/oauth/v3/token/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...client, token }),
      })
    ).json()) as Record<string, unknown>;

  it('takes parameters from the form body only', async () => {
    const sim = await start();
    const code = sim.issueCode('7');
    const inQuery = new URLSearchParams({ ...client, grant_type: 'authorization_code', code });
    const answer = await form({}, `?${inQuery}`);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'invalid_client', status: 'BAD_CLIENT_ID' });
    expect((await form({ ...client, grant_type: 'authorization_code', code })).status).toBe(200);
  });

  it('introspects a refresh token to its portal and user, and finds it inactive once revoked', async () => {
    const sim = await start();
    const issued = await form({
      ...client,
      grant_type: 'authorization_code',
      code: sim.issueCode('7', 'ann@x.example'),
    });
    const { refresh_token: refresh } = (await issued.json()) as { refresh_token: string };
    expect(await introspect(refresh)).toMatchObject({
      active: true,
      token_use: 'refresh_token',
      hub_id: 7,
      user: 'ann@x.example',
    });
    await fetch(`${simulator?.url}/oauth/v3/token/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...client, token: refresh }),
    });
    expect(await introspect(refresh)).toEqual({ active: false });
    const refreshed = await form({ ...client, grant_type: 'refresh_token', refresh_token: refresh });
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' });
  });
});
