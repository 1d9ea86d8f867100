import { describe, expect, it } from 'vitest';
import { syntheticTenant } from '../../bench/synthetic-tenant.ts';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { parsePhoneKey } from '../core/normalise.ts';
import { createPlan } from '../core/plan.ts';
import { phoneTexts, phoneVerdicts } from './phone-verdicts.ts';
import { verdictsFor } from './phone-worker.js';
import { planInParallel } from './plan-in-parallel.ts';

const mixed = tenant({
  children: [
    account('A', [
      person('1', { phones: ['(212) 555-0100', '+1 212 555 0100', '212-555-0100 ext. 9'] }),
      person('2', { phones: ['+12125550100', '555-0100', '+1 999 555 0100'] }),
    ]),
    account('B', [person('3', { phones: ['020 7946 0958', '+44 20 7946 0958', '+442079460958'] })], {
      country: 'GB',
    }),
    account('C', [person('4', { phones: ['06 12 34 56 78', '+33612345678', 'call me'] })], { country: 'FR' }),
  ],
  corporate: { id: 'corp', name: 'HQ', country: 'DE', contacts: [person('9', { phones: ['030 1234567'] })] },
});

describe('phone verdicts computed in worker threads', () => {
  it('equal the direct parse of every text, international forms answered from national ones included', () => {
    for (const [country, texts] of phoneTexts(mixed)) {
      const list = [...texts];
      const [verdicts] = verdictsFor([{ country, texts: list }]);
      expect(verdicts).toEqual(list.map((text) => parsePhoneKey(text, country)));
    }
  });

  it('cover every phone of children and corporate, by country and text, from real worker threads', async () => {
    const verdicts = await phoneVerdicts(mixed, { threads: 2, parallelFrom: 0 });
    expect(verdicts?.get('US')?.get('2125550100')).toBe('+12125550100');
    expect(verdicts?.get('US')?.get('+12125550100')).toBe('+12125550100');
    expect(verdicts?.get('US')?.get('5550100')).toBeNull();
    expect(verdicts?.get('GB')?.get('+442079460958')).toBe('+442079460958');
    expect(verdicts?.get('DE')?.get('0301234567')).toBe('+49301234567');
    for (const [country, texts] of phoneTexts(mixed)) {
      for (const text of texts) expect(verdicts?.get(country)?.get(text)).toBe(parsePhoneKey(text, country));
    }
  });

  it('are left to the core below the threshold or on one thread', async () => {
    expect(await phoneVerdicts(mixed)).toBeUndefined();
    expect(await phoneVerdicts(mixed, { threads: 1, parallelFrom: 0 })).toBeUndefined();
  });

  it('give the same plan as parsing in the core', async () => {
    const snapshot = syntheticTenant({ accounts: 6, contacts: 3000, seed: 3 });
    const verdicts = await phoneVerdicts(snapshot, { threads: 2, parallelFrom: 0 });
    expect(verdicts).toBeDefined();
    expect(createPlan(snapshot, { phoneKeys: verdicts })).toEqual(createPlan(snapshot));
  });
});

describe('planInParallel', () => {
  it('gives the same plan as createPlan, with phones parsed in threads', async () => {
    const snapshot = syntheticTenant({ accounts: 8, contacts: 4000, seed: 5 });
    expect(await planInParallel(snapshot, { threads: 2, parallelFrom: 0 })).toEqual(createPlan(snapshot));
  });
});
