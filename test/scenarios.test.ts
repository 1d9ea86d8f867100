import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlan } from '../src/core/plan.ts';
import { parseSnapshot } from '../src/core/snapshot.ts';

// The product's sample snapshots with the plan each must produce (copied from ../shared/scenarios, which is
// read too when it sits beside the checkout, so a newly shared sample is checked without copying it).
const folders = [join(import.meta.dirname, 'scenarios'), join(import.meta.dirname, '../../shared/scenarios')];
const scenarios = new Map<string, string>();
for (const folder of folders.filter((f) => existsSync(f))) {
  for (const file of readdirSync(folder)) {
    if (file.endsWith('.snapshot.json')) scenarios.set(file.replace('.snapshot.json', ''), folder);
  }
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

interface Expected {
  shared: { members: [string, string][]; primaryAccountId: string; reason: string }[];
  children: { accountId: string; contactId: string; after: string[] }[];
  corporate: { action: string; after: string[]; contactId?: string; properties?: Record<string, unknown> }[];
  warnings: { code: string }[];
}

describe('sample scenarios (DESIGN.md sections 2 and 3)', () => {
  it('finds the samples', () => {
    expect(scenarios.size).toBeGreaterThanOrEqual(3);
  });

  for (const [name, folder] of scenarios) {
    it(`${name}: plan matches its expectation`, () => {
      const plan = createPlan(parseSnapshot(readJson(join(folder, `${name}.snapshot.json`))));
      const expected: Expected = readJson(join(folder, `${name}.expect.json`));

      expect(
        plan.shared.map((s) => ({
          members: s.members.map((m) => [m.accountId, m.contactId]),
          primaryAccountId: s.primaryAccountId,
          reason: s.reason,
        })),
      ).toEqual(expected.shared);
      expect(
        plan.children.map((c) => ({ accountId: c.accountId, contactId: c.contactId, after: c.after })),
      ).toEqual(expected.children);
      expect(
        plan.corporate.map((a) =>
          a.action === 'create'
            ? { action: a.action, after: a.after, properties: a.properties }
            : { action: a.action, after: a.after, contactId: a.contactId },
        ),
      ).toEqual(
        expected.corporate.map((a) =>
          a.action === 'create'
            ? { action: a.action, after: a.after, properties: a.properties }
            : { action: a.action, after: a.after, contactId: a.contactId },
        ),
      );
      expect(plan.warnings.map((w) => w.code)).toEqual(expected.warnings.map((w) => w.code));
    });
  }
});
