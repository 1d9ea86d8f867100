import { describe, expect, it } from 'vitest';
import { parseSnapshot } from './snapshot.ts';
import { ValidationError } from './validation-error.ts';

const contact = { id: 'c1', createdAt: '2024-01-01T00:00:00Z' };
const child = { id: '101', name: 'Sunrise Oaks', contacts: [contact] };

function problems(value: unknown): string[] {
  try {
    parseSnapshot(value);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('section 3: the snapshot contract', () => {
  it('fills every optional field and setting with its default', () => {
    const snapshot = parseSnapshot({ children: [child] });
    expect(snapshot.settings).toMatchObject({
      enabled: false,
      mode: 'b2b-b2c',
      matchOn: 'email_or_phone',
      tags: [],
      copyToCorporate: false,
      defaultCountry: 'US',
      maxContactsPerKey: 5,
      maxClusterSize: 25,
    });
    expect(snapshot.corporate).toBeNull();
    expect(snapshot.children[0]).toMatchObject({ country: null, pipelines: [], deals: [] });
    expect(snapshot.children[0]?.contacts[0]).toEqual({
      id: 'c1',
      emails: [],
      phones: [],
      createdAt: '2024-01-01T00:00:00Z',
      conversions: 0,
      firstConversionAt: null,
      properties: {},
      tags: [],
    });
  });

  it('accepts null for the fields that may be absent', () => {
    const nulls = {
      ...contact,
      emails: null,
      phones: null,
      conversions: null,
      firstConversionAt: null,
      tags: null,
    };
    const snapshot = parseSnapshot({
      settings: null,
      children: [{ ...child, pipelines: null, deals: null, contacts: [nulls] }],
      corporate: null,
    });
    expect(snapshot.children[0]?.contacts[0]?.conversions).toBe(0);
  });

  it('names the field and what was expected', () => {
    expect(problems({ children: 5 })).toEqual(['children: expected an array']);
    expect(problems({})).toEqual(['children: expected an array']);
    expect(problems({ children: [{ ...child, contacts: [{ id: 'c1' }] }] })).toEqual([
      'children[0].contacts[0].createdAt: expected a string',
    ]);
    expect(problems({ children: [{ ...child, contacts: [{ ...contact, emails: 'a@b.com' }] }] })).toEqual([
      'children[0].contacts[0].emails: expected an array',
    ]);
    expect(problems({ children: [{ ...child, contacts: [{ ...contact, conversions: -1 }] }] })).toEqual([
      'children[0].contacts[0].conversions: expected a number of at least 0',
    ]);
  });

  it('refuses dates, countries and settings it cannot use', () => {
    expect(
      problems({ children: [{ ...child, contacts: [{ ...contact, createdAt: 'yesterday' }] }] })[0],
    ).toMatch(/^children\[0\]\.contacts\[0\]\.createdAt: expected an ISO 8601 date-time/);
    expect(problems({ children: [{ ...child, country: 'XX' }] })[0]).toMatch(
      /^children\[0\]\.country: expected an ISO 3166 two-letter country code/,
    );
    expect(problems({ settings: { matchOn: 'name' }, children: [] })[0]).toMatch(
      /^settings\.matchOn: expected one of "email", "phone"/,
    );
    expect(problems({ settings: { matchon: 'email' }, children: [] })).toEqual([
      'settings: unknown field "matchon"',
    ]);
  });

  it('refuses duplicate account, contact, pipeline and stage ids', () => {
    const stage = { id: 's', label: 'S', order: 0 };
    expect(
      problems({
        children: [
          { ...child, contacts: [contact, contact], pipelines: [{ id: 'p', stages: [stage, stage] }] },
          child,
        ],
      }),
    ).toEqual([
      'children[0].contacts[1].id: duplicate contact id "c1"',
      'children[1].id: duplicate account id "101"',
      'children[0].pipelines[0].stages[1].id: duplicate stage id "s"',
    ]);
  });

  it('upper-cases country codes and reads numeric ids as strings', () => {
    const snapshot = parseSnapshot({ children: [{ ...child, id: 101, country: 'gb' }] });
    expect(snapshot.children[0]).toMatchObject({ id: '101', country: 'GB' });
  });
});
