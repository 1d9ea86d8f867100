import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../connectors/connector.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import { SecretBox } from '../store/secrets.ts';
import { type NewAccount, Store } from '../store/store.ts';
import { Connections } from './connections.ts';

// A Reconnect link's consent on one Salesforce org refreshes every community on that org's grant.

let opened: OpenDatabase;
let store: Store;
beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox('connections-test-secret-long-enough-0123456789'));
});
afterAll(async () => {
  await opened.close();
});

const oldTokens = { accessToken: 'old', refreshToken: 'old-refresh', expiresAt: null };
const inOrg = (externalId: string, role: 'child' | 'corporate'): NewAccount => ({
  provider: 'salesforce',
  externalId,
  role,
  name: externalId,
  country: null,
  tokens: oldTokens,
  details: { instanceUrl: 'https://acme.example', orgId: 'org-1', layout: 'one-org' },
});

describe('reconnecting', () => {
  it("refreshes the account and the communities sharing its org's grant, not other accounts", async () => {
    const tenant = await store.tenants.create('Acme');
    const parent = await store.accounts.save(tenant.id, inOrg('org-1', 'corporate'));
    const north = await store.accounts.save(tenant.id, inOrg('001-north', 'child'));
    const other = await store.accounts.save(tenant.id, {
      ...inOrg('org-2', 'child'),
      tokens: { ...oldTokens, refreshToken: 'another-grant' },
    });
    await store.accounts.setStatus(tenant.id, north.id, 'needs-reconnect');
    const connections = new Connections(
      store,
      () => {
        throw new Error('no provider call expected');
      },
      silentLogger,
    );
    const tokens = { accessToken: 'new', refreshToken: 'new-refresh', expiresAt: null };
    const identity = {
      accountId: 'org-1',
      name: 'Acme',
      tokens,
      details: {},
      user: { id: 'u', label: null },
    };

    expect(await connections.reconnect(tenant.id, north, { ...identity, accountId: 'org-9' })).toBeNull();
    const refreshed = await connections.reconnect(tenant.id, north, identity);
    expect(refreshed).toMatchObject({ status: 'connected', tokens, details: north.details });
    expect((await store.accounts.get(tenant.id, parent.id))?.tokens).toEqual(tokens);
    expect((await store.accounts.get(tenant.id, other.id))?.tokens.refreshToken).toBe('another-grant');
  });
});
