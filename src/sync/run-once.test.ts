import { describe, expect, it } from 'vitest';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { account, person } from '../../test/support/snapshot-builder.ts';
import type { SnapshotInput } from '../core/index.ts';
import { type RunAccount, runOnce } from './run-once.ts';

const PRIMARY = 'primary-shared-contact';
const SECONDARY = 'secondary-shared-contact';

// Bob is in North and South; Carol was shared between South and East, but East no longer has her.
function tenant(): SnapshotInput {
  return {
    settings: { copyToCorporate: true },
    children: [
      account('north', [person('n1', { emails: ['bob@example.com'], createdAt: '2020-01-01T00:00:00Z' })]),
      account('south', [
        person('s1', { emails: ['bob@example.com'] }),
        person('s2', { emails: ['carol@example.com'], tags: [PRIMARY] }),
      ]),
      account('east', [person('e1', { emails: ['dan@example.com'], tags: [SECONDARY] })]),
    ],
    corporate: { id: 'corp', name: 'HQ', contacts: [] },
  };
}

function accounts(provider: MemoryProvider) {
  const connector = provider.connector();
  const child = (id: string): RunAccount => ({ connector, connection: provider.connection(id) });
  return {
    settings: { copyToCorporate: true },
    children: ['north', 'south', 'east'].map(child),
    corporate: { connector, connection: provider.connection('corp', 'corporate') },
  };
}

const tagsOf = (provider: MemoryProvider, accountId: string, contactId: string) =>
  provider.accounts.get(accountId)?.contacts.find((c) => c.id === contactId)?.tags;

describe('a run against live accounts', () => {
  it('writes the plan, and a second run finds nothing to write', async () => {
    const provider = new MemoryProvider(tenant());
    const first = await runOnce(accounts(provider));
    expect(first.plan.shared).toHaveLength(1);
    expect(first.accountErrors).toEqual([]);
    expect(tagsOf(provider, 'north', 'n1')).toContain(PRIMARY);
    expect(tagsOf(provider, 'south', 's1')).toContain(SECONDARY);
    expect(tagsOf(provider, 'south', 's2')).toEqual([]);
    expect(tagsOf(provider, 'east', 'e1')).toEqual([]);
    expect(provider.accounts.get('corp')?.contacts.map((c) => c.emails)).toEqual([['bob@example.com']]);
    expect(first.written).toBe(provider.writes);

    const writesBefore = provider.writes;
    const second = await runOnce(accounts(provider));
    expect(second.written).toBe(0);
    expect(provider.writes).toBe(writesBefore);
    expect(provider.accounts.get('corp')?.contacts).toHaveLength(1);
    expect(second.calls.north?.byKind.read).toBe(1);
    // The tag options are ensured in every readable account, written to or not (a renamed account relabels).
    expect(second.calls.east?.byKind.schema).toBe(1);
  });

  it('a dry run plans and explains but writes nothing', async () => {
    const provider = new MemoryProvider(tenant());
    const report = await runOnce({ ...accounts(provider), dryRun: true });
    expect(report.plan.shared[0]?.explanation).toMatch(/North|north/i);
    expect(report.plan.children.length).toBeGreaterThan(0);
    expect(provider.writes).toBe(0);
  });
});

describe('2.7 an account that cannot be read', () => {
  it('with no stored state: nothing is written to it and no tag is removed anywhere', async () => {
    const provider = new MemoryProvider(tenant());
    provider.unreadable.add('north');
    const report = await runOnce(accounts(provider));
    expect(report.accountErrors.map((e) => [e.accountId, e.kind])).toEqual([['north', 'unavailable']]);
    expect(report.staleAccounts).toEqual([]);
    // Bob looks unshared without North, but South's and East's old tags stay; nothing was added either.
    expect(tagsOf(provider, 'south', 's2')).toEqual([PRIMARY]);
    expect(tagsOf(provider, 'east', 'e1')).toEqual([SECONDARY]);
    expect(tagsOf(provider, 'north', 'n1')).toEqual([]);
  });

  it("with stored state: its last state stands in, others' people stay shared, nothing is written to it", async () => {
    const provider = new MemoryProvider(tenant());
    const stored = structuredClone(provider.accounts.get('north'));
    provider.unreadable.add('north');
    const report = await runOnce({
      ...accounts(provider),
      storedState: async (id) => (id === 'north' ? (stored ?? null) : null),
    });
    expect(report.staleAccounts).toEqual(['north']);
    expect(report.plan.shared).toHaveLength(1);
    expect(tagsOf(provider, 'south', 's1')).toContain(SECONDARY);
    expect(tagsOf(provider, 'south', 's2')).toEqual([]);
    expect(tagsOf(provider, 'north', 'n1')).toEqual([]);
  });
});
