import { describe, expect, it } from 'vitest';
import { type AccountProgress, describeProgress, ProgressDisplay, type ProgressEvent } from './progress.ts';

const account = (accountId: string, fields: Partial<AccountProgress> = {}): AccountProgress => ({
  accountId,
  name: `Account ${accountId}`,
  pulled: false,
  contacts: 0,
  written: 0,
  toWrite: 0,
  ...fields,
});

function sink(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, columns: 60, write: (text: string) => written.push(text) } };
}

const pulling = (pulledA: boolean, pulledB: boolean): ProgressEvent => ({
  phase: 'pulling',
  accounts: [
    account('a', { pulled: pulledA, contacts: pulledA ? 1200 : 0 }),
    account('b', { pulled: pulledB, contacts: pulledB ? 30 : 0 }),
  ],
});
const writing = (written: number): ProgressEvent => ({
  phase: 'writing',
  accounts: [
    account('a', { pulled: true, contacts: 1200, written, toWrite: 400 }),
    account('b', { pulled: true }),
  ],
});

describe('command-line progress', () => {
  it('says how far each phase is, in words and as a fraction', () => {
    expect(describeProgress(pulling(true, false))).toEqual({
      fraction: 0.5,
      text: 'pulling: 1/2 accounts, 1,200 contacts',
    });
    expect(describeProgress(writing(100))).toEqual({ fraction: 0.25, text: 'writing: 100/400 records' });
    expect(describeProgress({ ...writing(100), accounts: [account('a', { written: 7 })] })).toEqual({
      fraction: null,
      text: 'writing: 7 records',
    });
  });

  it('redraws one line in place on a terminal, throttled, and ends it when done', () => {
    const { written, stream } = sink(true);
    let now = 0;
    const display = new ProgressDisplay(stream, { label: 'sync', now: () => now, minIntervalMs: 100 });
    display.update(pulling(false, false));
    now = 10;
    display.update(pulling(true, false)); // too soon: skipped
    now = 200;
    display.update(pulling(true, true));
    display.update(writing(200)); // a phase change is always drawn
    display.update({ ...writing(400), phase: 'done' });
    expect(written).toHaveLength(5);
    expect(written.slice(0, 4).every((w) => w.startsWith('\r') && w.endsWith('\u001b[K'))).toBe(true);
    expect(written[1]).toContain('[####################] 100% pulling: 2/2 accounts');
    expect(written[2]).toContain('[##########----------]  50% writing: 200/400 records');
    expect(written[3]).toContain('done: 400 records written');
    expect(written[4]).toBe('\n');
    const visible = (w: string) => w.replaceAll('\r', '').replaceAll('\u001b[K', '').replaceAll('\n', '');
    for (const w of written) expect(visible(w).length).toBeLessThan(60);
  });

  it('writes plain lines when not a terminal: each phase once, and each account as it is pulled', () => {
    const { written, stream } = sink(false);
    const display = new ProgressDisplay(stream, { label: 'bench' });
    display.update(pulling(false, false));
    display.update(pulling(true, false));
    display.update(pulling(true, true));
    display.update(writing(100));
    display.update(writing(200));
    display.update({ ...writing(400), phase: 'done' });
    display.finish();
    // A second run of the same accounts says each pull again.
    display.update(pulling(false, false));
    display.update(pulling(true, false));
    expect(written).toEqual([
      'bench pulling: 0/2 accounts, 0 contacts\n',
      'bench pulled Account a: 1,200 contacts\n',
      'bench pulled Account b: 30 contacts\n',
      'bench writing: 100/400 records\n',
      'bench done: 400 records written\n',
      'bench pulling: 0/2 accounts, 0 contacts\n',
      'bench pulled Account a: 1,200 contacts\n',
    ]);
    expect(written.join('')).not.toContain('\r');
  });
});
