import { afterEach, describe, expect, it } from 'vitest';
import { idGroups, MAX_SOQL_CHARS } from './contact-details.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from './simulator.ts';
import { detailsQuery } from './soql.ts';
import { runAccounts, tenantSnapshot } from './test-support/tenant.ts';

let simulator: SalesforceSimulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

const queries = (sim: SalesforceSimulator, object: string) =>
  sim.calls
    .all()
    .filter(
      (c) => c.path.includes('/query?') && decodeURIComponent(c.path).includes(`FROM ${object} WHERE Id IN`),
    );

describe('Salesforce readContactDetails', () => {
  it('reads Contacts and Leads by Id in queries that stay under the length limits', async () => {
    const snapshot = tenantSnapshot();
    simulator = await startSalesforceSimulator({ snapshot });
    const org = simulator.org('101');
    const contacts = Array.from({ length: 1_000 }, (_, i) =>
      org.insert('Contact', {
        LastName: `P${i}`,
        Email: `p${i}@example.com`,
        Phone: i === 3 ? '(212) 555-0103' : null,
        MobilePhone: i === 3 ? '+1 212 555 0203' : null,
      }),
    );
    const lead = org.insert('Lead', { LastName: 'Lead', Email: 'lead@example.com', Phone: '212-555-0999' });
    const { children } = runAccounts(simulator, snapshot, false);
    const child = children[0];
    if (!child) throw new Error('no child');
    const session = child.connector.open(child.connection);
    simulator.calls.clear();

    const ids = [...contacts.map((c) => c.Id), lead.Id, '001000000000000AAA'];
    const details = await session.readContactDetails(ids);

    expect(details).toHaveLength(1_001);
    const byId = new Map(details.map((d) => [d.id, d]));
    expect(byId.get(contacts[3]?.Id ?? '')).toEqual({
      id: contacts[3]?.Id,
      emails: ['p3@example.com'],
      phones: ['(212) 555-0103', '+1 212 555 0203'],
    });
    expect(byId.get(lead.Id)).toEqual({
      id: lead.Id,
      emails: ['lead@example.com'],
      phones: ['212-555-0999'],
    });
    const contactQueries = queries(simulator, 'Contact');
    expect(contactQueries.length).toBeGreaterThan(1);
    expect(queries(simulator, 'Lead')).toHaveLength(1);
    for (const call of contactQueries) expect(call.path.length).toBeLessThan(16_384);
  });

  it('groups ids so each query fits, every id once, in order', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `003${String(i).padStart(15, '0')}`);
    const groups = idGroups('Contact', ids);
    expect(groups.flat()).toEqual(ids);
    for (const group of groups)
      expect(detailsQuery('Contact', group).length).toBeLessThanOrEqual(MAX_SOQL_CHARS);
    expect(groups.length).toBeLessThan(10);
  });
});
