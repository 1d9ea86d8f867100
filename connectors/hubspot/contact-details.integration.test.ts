import { afterEach, describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { specViolations } from './openapi-shapes.ts';
import { FAST_WINDOW, sandboxConnection, startTenant, type Tenant } from './sync-fixture.ts';

let running: Tenant | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

const people = Array.from({ length: 250 }, (_, i) =>
  person(`c${i}`, {
    emails: [`p${i}@example.com`, ...(i === 7 ? ['p7.work@example.com'] : [])],
    phones: i === 7 ? ['+12125550107', '+12125550207'] : [],
  }),
);

describe('HubSpot readContactDetails', () => {
  it('reads 250 ids in 3 batch reads through the simulator, with additional emails and both phones', async () => {
    running = await startTenant(tenant({ children: [account('7', people, { name: 'Maple Grove' })] }), {
      ...FAST_WINDOW,
      recordExchanges: true,
    });
    const session = running.connector.open(sandboxConnection({ id: '7', name: 'Maple Grove' }, 'child'));
    const ids = running.simulator.portal('7').contacts.map((c) => c.id);
    expect(ids).toHaveLength(250);

    const details = await session.readContactDetails([...ids, 'gone-1']);

    const reads = running.simulator.calls
      .all()
      .filter((c) => c.path.startsWith('/crm/v3/objects/contacts/batch/read'));
    expect(reads).toHaveLength(3);
    expect(session.calls().byKind.read).toBe(3);
    expect(details).toHaveLength(250);
    const byId = new Map(details.map((d) => [d.id, d]));
    const seventh = running.simulator
      .portal('7')
      .contacts.find((c) => c.properties.email === 'p7@example.com');
    expect(byId.get(seventh?.id ?? '')).toEqual({
      id: seventh?.id,
      emails: ['p7@example.com', 'p7.work@example.com'],
      phones: ['+12125550107', '+12125550207'],
    });
    expect(details.some((d) => d.id === 'gone-1')).toBe(false);
    expect(running.simulator.exchanges.flatMap(specViolations)).toEqual([]);
  });

  it('fails the whole read with the ConnectorError of a refused token', async () => {
    running = await startTenant(tenant({ children: [account('7', people.slice(0, 3))] }), FAST_WINDOW);
    const connection = { ...sandboxConnection({ id: '7', name: 'A' }, 'child') };
    connection.tokens = { ...connection.tokens, accessToken: 'sandbox-999' };
    const session = running.connector.open(connection);
    await expect(session.readContactDetails(['1'])).rejects.toMatchObject({
      name: 'ConnectorError',
      kind: 'auth-revoked',
    });
  });
});
