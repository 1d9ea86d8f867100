import { describe, expect, it } from 'vitest';
import { fromCsvRow } from './bulk.ts';

describe('Bulk API rows', () => {
  it('reads empty cells as null and true/false as booleans', () => {
    expect(fromCsvRow({ Id: '003A', Email: '', IsActive: 'true', Tags__c: 'a;b' })).toEqual({
      Id: '003A',
      Email: null,
      IsActive: true,
      Tags__c: 'a;b',
    });
  });
});
