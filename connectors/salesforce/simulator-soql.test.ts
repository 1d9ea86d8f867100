import { describe, expect, it } from 'vitest';
import { parseSoql, runQuery, type SimRecord, SoqlError } from './simulator-soql.ts';

describe('the simulator SOQL subset', () => {
  it('refuses what it does not understand with MALFORMED_QUERY', () => {
    for (const soql of [
      'SELECT COUNT() FROM Contact',
      "SELECT Id FROM Contact WHERE Email = 'a' OR Phone = 'b'",
      'SELECT Id, (SELECT Id FROM Contacts) FROM Account',
      'SELECT Id FROM Contact GROUP BY Email',
      'SELECT Id FROM Contact ORDER BY Name',
      'DELETE FROM Contact',
    ]) {
      expect(() => parseSoql(soql), soql).toThrow(SoqlError);
      try {
        parseSoql(soql);
      } catch (error) {
        expect((error as SoqlError).errorCode).toBe('MALFORMED_QUERY');
      }
    }
  });

  it('refuses a statement longer than 100,000 characters, as Salesforce does', () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => `'003${String(i).padStart(15, '0')}'`);
    expect(() => parseSoql(`SELECT Id FROM Contact WHERE Id IN (${ids.join(', ')})`)).toThrow(
      /cannot be longer than 100000/,
    );
  });

  it('filters, follows relationship paths and nests related fields', () => {
    const accounts: Record<string, SimRecord> = {
      A: { Id: 'A', ParentId: 'P' },
      B: { Id: 'B', ParentId: null },
    };
    const contacts: Record<string, SimRecord> = { c1: { Id: 'c1', Email: 'x@y.z', AccountId: 'A' } };
    const relations: SimRecord[] = [
      { Id: 'r1', ContactId: 'c1', AccountId: 'A', IsDirect: false },
      { Id: 'r2', ContactId: 'c1', AccountId: 'B', IsDirect: false },
    ];
    const lookup = (object: string, id: string) => (object === 'Account' ? accounts[id] : contacts[id]);
    const query = parseSoql(
      "SELECT Id, Contact.Email FROM AccountContactRelation WHERE Account.ParentId = 'P' AND IsDirect = false",
    );
    expect(runQuery(query, relations, lookup)).toEqual([
      {
        attributes: { type: 'AccountContactRelation' },
        Id: 'r1',
        Contact: { attributes: { type: 'Contact' }, Email: 'x@y.z' },
      },
    ]);
    expect(runQuery(parseSoql("SELECT Id FROM X WHERE Id IN ('r2', 'r9')"), relations, lookup)).toHaveLength(
      1,
    );
  });

  it('compares dateTime literals as instants, whatever offset the stored value is written with', () => {
    const rows: SimRecord[] = [
      { Id: 'old', SystemModstamp: '2026-01-01T09:59:59.999+0000' },
      { Id: 'same', SystemModstamp: '2026-01-01T10:00:00.000+0000' },
      { Id: 'new', SystemModstamp: '2026-01-01T10:00:00.001+0000' },
    ];
    const ids = (soql: string) => runQuery(parseSoql(soql), rows, () => undefined).map((r) => r.Id);
    expect(ids('SELECT Id FROM Contact WHERE SystemModstamp > 2026-01-01T10:00:00.000Z')).toEqual(['new']);
    expect(ids('SELECT Id FROM Contact WHERE SystemModstamp >= 2026-01-01T11:00:00+01:00')).toEqual([
      'same',
      'new',
    ]);
    expect(ids('SELECT Id FROM Contact WHERE SystemModstamp < 2026-01-01T10:00:00Z')).toEqual(['old']);
  });
});
