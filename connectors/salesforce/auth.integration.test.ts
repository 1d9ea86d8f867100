import { afterEach, describe, expect, it } from 'vitest';
import { runOnce } from '../../src/sync/run-once.ts';
import type { AccountConnection, ConnectorError, Tokens } from '../connector.ts';
import { salesforceConnector } from './index.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from './simulator.ts';
import { connectionOf, tenantSnapshot } from './test-support/tenant.ts';

// When Salesforce refuses the refresh token, every session learns it at once through its own hooks, once.

let simulator: SalesforceSimulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

/** The one-org layout as the app stores it: every account carries the org connection's tokens. */
async function oneOrg(refreshToken = 'refresh-900') {
  const snapshot = tenantSnapshot();
  simulator = await startSalesforceSimulator({ snapshot, oneOrg: true });
  const sim = simulator;
  const connector = salesforceConnector({
    loginUrl: sim.url,
    clientId: 'client',
    clientSecret: 'secret',
    sleep: async () => {},
  });
  const shared: Tokens = { accessToken: 'sandbox-900', refreshToken, expiresAt: null };
  const connection = (account: { id: string; name: string }, role: 'child' | 'corporate') => ({
    ...connectionOf(sim, account, role, true),
    tokens: { ...shared },
  });
  const corporate = snapshot.corporate as { id: string; name: string };
  const connections: AccountConnection[] = [
    ...snapshot.children.map((child) => connection(child, 'child')),
    connection(corporate, 'corporate'),
  ];
  const told = new Map<string, ConnectorError[]>();
  const hooks = (accountId: string) => ({
    onAuthRevoked: (error: ConnectorError) => {
      told.set(accountId, [...(told.get(accountId) ?? []), error]);
    },
  });
  const tokenCalls = () => sim.calls.count((c) => c.path === '/services/oauth2/token');
  return { sim, snapshot, connector, shared, connections, told, hooks, tokenCalls };
}

describe('Salesforce access that ends', () => {
  it('tells each session sharing the org once and at once, after one refused refresh', async () => {
    const { sim, connector, connections, told, hooks, tokenCalls } = await oneOrg('refresh-gone');
    sim.expireSessions();
    const sessions = connections.map((c) => connector.open(c, hooks(c.accountId)));

    const [first, ...others] = sessions;
    if (!first) throw new Error('no session');
    const firstError = await first.pullChild().catch((error: ConnectorError) => error);
    expect(firstError).toMatchObject({
      kind: 'auth-revoked',
      accountId: first.accountId,
      providerMessage: 'expired access/refresh token',
      status: 400,
    });
    // Told before the operation failed, so the app marks the account before the run goes on.
    expect(told.get(first.accountId)).toEqual([firstError]);
    expect(tokenCalls()).toBe(1);

    // Every later call knows the refresh token was refused: no request, and each session told once.
    const sent = sim.calls.all().length;
    const results = await Promise.allSettled(
      others.flatMap((s) => [s.pullChild(), s.pullChild(), s.listAccounts()]).concat(first.pullChild()),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(sim.calls.all().length).toBe(sent);
    for (const session of sessions) {
      const errors = told.get(session.accountId) ?? [];
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ kind: 'auth-revoked', accountId: session.accountId });
    }
  });

  it('tells every session sharing a refresh that Salesforce refuses while they wait on it', async () => {
    const { sim, connector, connections, told, hooks, tokenCalls } = await oneOrg('refresh-gone');
    sim.expireSessions();
    const sessions = connections.map((c) => connector.open(c, hooks(c.accountId)));
    const results = await Promise.allSettled(sessions.map((s) => s.listAccounts()));
    expect(results.map((r) => r.status)).toEqual(sessions.map(() => 'rejected'));
    expect(tokenCalls()).toBe(1);
    for (const session of sessions)
      expect(told.get(session.accountId)).toEqual([
        expect.objectContaining({ kind: 'auth-revoked', accountId: session.accountId }),
      ]);
  });

  it('ends each account of a run with its own auth-revoked error', async () => {
    const { snapshot, connector, shared, connections } = await oneOrg();
    await connector.revokeTokens?.(shared);
    const report = await runOnce({
      settings: snapshot.settings,
      children: connections
        .filter((c) => c.role === 'child')
        .map((connection) => ({ connector, connection })),
      corporate: {
        connector,
        connection: connections.find((c) => c.role === 'corporate') as AccountConnection,
      },
    });
    expect(report.accountErrors.map((e) => [e.accountId, e.kind]).sort()).toEqual(
      connections.map((c) => [c.accountId, 'auth-revoked']).sort(),
    );
  });

  it('does not call the access ended when the refresh works but storing its tokens fails', async () => {
    const { sim, connector, connections, told } = await oneOrg();
    sim.expireSessions();
    const [connection] = connections;
    if (!connection) throw new Error('no connection');
    const session = connector.open(connection, {
      onTokens: () => {
        throw new Error('store unavailable');
      },
      onAuthRevoked: (error) => {
        told.set(connection.accountId, [error]);
      },
    });
    const error = await session.pullChild().catch((e: ConnectorError) => e);
    expect(error).toMatchObject({ kind: 'rejected', providerMessage: 'store unavailable' });
    expect(told.size).toBe(0);
  });
});
