import { Connection } from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import { type SalesforceSimulator, startSalesforceSimulator } from './simulator.ts';
import { tenantSnapshot } from './test-support/tenant.ts';

let simulator: SalesforceSimulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

const view = (fullName: string, label: string) => ({
  fullName,
  label,
  filterScope: 'Everything',
  filters: [{ field: 'ACCOUNT.NAME', operation: 'equals', value: 'Sunrise Oaks' }],
  columns: ['FULL_NAME'],
  sharedTo: { allInternalUsers: '' },
});

describe('Salesforce simulator: Metadata API ListView through jsforce', () => {
  it('creates, lists, reads, updates and deletes list views with SOAP shapes and limits', async () => {
    simulator = await startSalesforceSimulator({ snapshot: tenantSnapshot() });
    const conn = new Connection({ instanceUrl: simulator.url, accessToken: 'sandbox-101', version: '59.0' });

    const created = await conn.metadata.create('ListView', [
      view('Contact.One', 'One'),
      view('Contact.Two', 'Two'),
    ]);
    expect(created.map((r) => r.success)).toEqual([true, true]);
    const duplicate = await conn.metadata.create('ListView', view('Contact.One', 'Again'));
    expect(duplicate.success).toBe(false);
    expect(duplicate.errors[0]?.statusCode).toBe('DUPLICATE_DEVELOPER_NAME');
    const long = await conn.metadata.create('ListView', view('Contact.Long', 'x'.repeat(41)));
    expect(long.errors[0]?.statusCode).toBe('STRING_TOO_LONG');

    const listed = await conn.metadata.list([{ type: 'ListView' }]);
    expect(listed.map((f) => f.fullName).sort()).toEqual(['Contact.One', 'Contact.Two']);
    expect(listed[0]?.id).toMatch(/^00B/);

    const read = await conn.metadata.read('ListView', ['Contact.Two', 'Contact.Missing']);
    expect(read[0]).toMatchObject({ fullName: 'Contact.Two', label: 'Two', filterScope: 'Everything' });
    expect(read[1]?.fullName ?? '').toBe('');

    const updated = await conn.metadata.update('ListView', view('Contact.Two', 'Renamed'));
    expect(updated.success).toBe(true);
    expect(simulator.metadata.of(simulator.org('101')).listViews.get('Contact.Two')?.label).toBe('Renamed');

    const deleted = await conn.metadata.delete('ListView', 'Contact.One');
    expect(deleted.success).toBe(true);
    expect((await conn.metadata.delete('ListView', 'Contact.One')).success).toBe(false);

    const eleven = Array.from({ length: 11 }, (_, i) => view(`Contact.V${i}`, `V${i}`));
    await expect(conn.metadata.create('ListView', eleven)).rejects.toThrow(/at most 10/);

    simulator.metadata.of(simulator.org('101')).modifyMetadata = false;
    await expect(conn.metadata.list([{ type: 'ListView' }])).rejects.toMatchObject({
      errorCode: 'sf:INSUFFICIENT_ACCESS',
    });
  });
});
