import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from './csv.ts';

describe('export CSV cells', () => {
  it('quotes a cell holding a quote, comma or line break, doubling its quotes', () => {
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('Carol "CJ", Jones')).toBe('"Carol ""CJ"", Jones"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rlf')).toBe('"cr\rlf"');
  });

  it('keeps a cell a spreadsheet would evaluate as text, whatever its first formula character', () => {
    for (const start of ['=', '+', '-', '@', '\t']) expect(csvCell(`${start}1+1`)).toBe(`'${start}1+1`);
    expect(csvCell('=HYPERLINK("http://x", "y")')).toBe('"\'=HYPERLINK(""http://x"", ""y"")"');
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('ends every line with CRLF', () => {
    expect(csvLine(['a', 'b,c', ''])).toBe('a,"b,c",\r\n');
  });
});
