import { describe, expect, it } from 'vitest';
import { createPlan, parseSnapshot } from '../core/index.ts';
import { DEMO_COMMUNITIES, demoSnapshot } from './demo-data.ts';

describe('the sandbox demo data', () => {
  const snapshot = parseSnapshot(demoSnapshot());
  const plan = createPlan(snapshot);

  it('has a corporate account, at least four communities and a few hundred contacts with deals and conversions', () => {
    expect(snapshot.corporate).not.toBeNull();
    expect(snapshot.children.length).toBeGreaterThanOrEqual(4);
    const contacts = snapshot.children.flatMap((c) => c.contacts);
    expect(contacts.length).toBeGreaterThanOrEqual(300);
    expect(snapshot.children.every((c) => c.deals.length > 0)).toBe(true);
    expect(contacts.filter((c) => c.conversions > 0).length).toBeGreaterThan(50);
  });

  it('shows Bob Smith in two communities, primary where his deal went furthest', () => {
    const bob = plan.shared.find((s) =>
      s.members.some((m) =>
        snapshot.children
          .find((c) => c.id === m.accountId)
          ?.contacts.some((c) => c.id === m.contactId && c.properties.firstname === 'Bob'),
      ),
    );
    expect(bob?.members.map((m) => m.accountId)).toEqual([DEMO_COMMUNITIES[0]?.id, DEMO_COMMUNITIES[1]?.id]);
    expect(bob?.primaryAccountId).toBe(DEMO_COMMUNITIES[1]?.id);
    expect(bob?.reason).toBe('deal-stage');
    expect(plan.shared.length).toBeGreaterThan(5);
    expect(plan.warnings.filter((w) => w.code === 'junk-key')).toEqual([]);
  });
});
