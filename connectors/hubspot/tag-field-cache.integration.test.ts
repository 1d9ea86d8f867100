import { afterEach, describe, expect, it } from 'vitest';
import { TAG_FIELD_FRESH_MS } from './index.ts';
import { FAST_WINDOW, readScenario, sandboxConnection, startTenant, type Tenant } from './sync-fixture.ts';

// A targeted resync's session takes the portal's tag property as the last session left it, while that is recent;
// pulls read it afresh, and a write refused in part makes the next session read it again.

let tenant: Tenant | null = null;
afterEach(async () => {
  await tenant?.close();
  tenant = null;
});

const propertyReads = (t: Tenant) =>
  t.simulator.calls.count((c) => c.method === 'GET' && c.path.startsWith('/crm/v3/properties/contacts/'));

describe('the tag property between sessions of one portal', () => {
  it('is read by every pull, reused by record reads while fresh, and read again once stale', async () => {
    let now = Date.now();
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW, { now: () => now });
    const t = tenant;
    const child = t.snapshot.children[0];
    if (!child) throw new Error('expected a community');
    const open = () => t.connector.open(sandboxConnection(child, 'child'));
    const someone = child.contacts[0]?.id ?? '';

    await open().pullChild();
    await open().pullChild();
    expect(propertyReads(t)).toBe(2);

    await open().readRecords({ contacts: [someone], deals: [] });
    expect(propertyReads(t)).toBe(2);

    now += TAG_FIELD_FRESH_MS + 1;
    await open().readRecords({ contacts: [someone], deals: [] });
    expect(propertyReads(t)).toBe(3);
    await open().readRecords({ contacts: [someone], deals: [] });
    expect(propertyReads(t)).toBe(3);
  });
});
