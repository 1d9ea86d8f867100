import { describe, expect, it } from 'vitest';
import {
  emailKey,
  emailProblem,
  maskEmail,
  maskPhone,
  PhoneReader,
  parsePhoneKey,
  phoneLookupKey,
  phoneText,
} from './normalise.ts';

describe('2.1 email keys', () => {
  it('trims and lower-cases', () => {
    expect(emailKey('  Bob.Smith@Example.COM ')).toBe('bob.smith@example.com');
  });

  it.each([
    ['bob.example.com', 'it has no "@"'],
    ['bob@@example.com', 'it has more than one "@"'],
    ['a@b@example.com', 'it has more than one "@"'],
    ['@example.com', 'nothing comes before the "@"'],
    ['bob@localhost', 'its domain has no dot'],
    ['bob.smith@', 'its domain has no dot'],
  ])('refuses %s: %s', (raw, problem) => {
    expect(emailKey(raw)).toBeNull();
    expect(emailProblem(raw)).toBe(problem);
  });

  it('only needs a dot after the @, not before it', () => {
    expect(emailKey('bob@mail.example')).toBe('bob@mail.example');
    expect(emailKey('b.ob@example')).toBeNull();
  });
});

describe('2.1 phone keys', () => {
  it('is the E.164 form, read in the given country', () => {
    expect(parsePhoneKey('(212) 555-0100', 'US')).toBe('+12125550100');
    expect(parsePhoneKey('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(parsePhoneKey('+1 212 555 0100', 'GB')).toBe('+12125550100');
  });

  it('refuses what the library does not call valid', () => {
    expect(parsePhoneKey('555-0100', 'US')).toBeNull();
    expect(parsePhoneKey('not a number', 'US')).toBeNull();
    expect(parsePhoneKey('020 7946 0958', 'US')).toBeNull();
  });

  it('reads numbers differing only in formatting from the same text, letters and extensions as written', () => {
    expect(phoneText('(212) 555-0100')).toBe('2125550100');
    expect(phoneText('212.555.0100')).toBe('2125550100');
    expect(phoneText('+1 (212) 555/0100')).toBe('+12125550100');
    expect(phoneText(' 212-555-0100 ext. 7 ')).toBe('212-555-0100 ext. 7');
    expect(phoneText('1-800-FLOWERS')).toBe('1-800-FLOWERS');
    expect(phoneLookupKey('(212) 555-0100', 'US')).toBe('US:2125550100');
  });

  it('gives the library verdict of the text as written, whatever the formatting', () => {
    const written = [
      ['(212) 555-0100', 'US'],
      ['212 555 0100', 'US'],
      ['+1-212-555-0100', 'US'],
      ['1 212 555 0100', 'US'],
      ['212-555-0100 ext. 12', 'US'],
      ['020 7946 0958', 'GB'],
      ['+44 (0)20 7946 0958', 'GB'],
      ['06 12 34 56 78', 'FR'],
      ['+33 6 12 34 56 78', 'FR'],
      ['030/1234567', 'DE'],
      ['(03) 9123 4567', 'AU'],
      ['555-0100', 'US'],
      ['12', 'US'],
    ] as const;
    const reader = new PhoneReader();
    for (const [raw, country] of written) expect(reader.read(raw, country)).toBe(parsePhoneKey(raw, country));
  });

  it('uses verdicts computed elsewhere instead of parsing', () => {
    const reader = new PhoneReader(new Map([['US', new Map([['2125550100', '+19995550100']])]]));
    expect(reader.read('(212) 555-0100', 'US')).toBe('+19995550100');
    expect(reader.read('(212) 555-0101', 'US')).toBe('+12125550101');
  });
});

describe('masking values shown in warnings', () => {
  it('keeps an email recognisable without the whole address', () => {
    expect(maskEmail(' bob.smith@example.com')).toBe('b***@example.com');
    expect(maskEmail('garbage')).toBe('g***');
  });

  it('keeps only the last digits of a phone', () => {
    expect(maskPhone('(212) 555-0100')).toBe('…0100');
    expect(maskPhone('123')).toBe('…3');
    expect(maskPhone('1')).toBe('…');
  });
});
