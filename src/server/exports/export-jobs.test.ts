import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../connectors/connector.ts';
import { MemoryProvider } from '../../../test/support/memory-connector.ts';
import { account, person } from '../../../test/support/snapshot-builder.ts';
import type { Store } from '../../store/store.ts';
import { EXPORT_TTL_MS, ExportJobs } from './export-jobs.ts';
import type { PeopleSource } from './people-source.ts';

// The export registry on its own: a file not downloaded is dropped once its time is up.

const provider = new MemoryProvider({
  children: [account('a', [person('r1', { emails: ['x@example.com'] })], { name: 'A' })],
});
const store = {
  tenants: { get: async () => ({ settings: { schedule: { timeZone: 'Europe/Paris' } } }) },
  accounts: {
    list: async () => [
      { ...provider.connection('a'), id: 'acc-a', provider: 'hubspot', status: 'connected' },
    ],
  },
} as unknown as Store;
const people: PeopleSource = {
  run: async () => ({ id: 7 }),
  people: async () => [
    {
      sharedId: 's',
      name: 'X',
      reason: 'order',
      explanation: 'A is primary',
      tags: [],
      primary: { accountId: 'a', name: 'A' },
      first: { accountId: 'a', name: 'A', createdAt: null },
      members: [{ accountId: 'a', accountName: 'A', recordId: 'r1', name: 'X', createdAt: null, url: null }],
    },
  ],
};

const jobsWith = (later: (drop: () => void, ms: number) => void) =>
  new ExportJobs({
    store,
    people,
    connectorFor: () => provider.connector(),
    logger: silentLogger,
    now: () => new Date('2026-03-01T23:30:00Z'),
    later,
  });

async function ready(jobs: ExportJobs, exportId: string): Promise<void> {
  for (let i = 0; i < 100 && jobs.view('t', exportId)?.status === 'running'; i++)
    await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('export jobs', () => {
  it('drops a ready file when its time is up', async () => {
    const timers: { drop: () => void; ms: number }[] = [];
    const jobs = jobsWith((drop, ms) => timers.push({ drop, ms }));
    const { exportId } = await jobs.start('t', 'latest');
    await ready(jobs, exportId);
    expect(jobs.view('t', exportId)).toMatchObject({ status: 'ready', done: 1, total: 1 });
    expect(timers.map((t) => t.ms)).toEqual([EXPORT_TTL_MS]);
    timers[0]?.drop();
    expect(jobs.view('t', exportId)).toBeNull();
    expect(() => jobs.download('t', exportId)).toThrow(/no such export/);
  });

  it('names the file by the export date in the tenant time zone', async () => {
    const jobs = jobsWith(() => {});
    const { exportId } = await jobs.start('t', 'latest');
    await ready(jobs, exportId);
    const file = jobs.download('t', exportId);
    expect(file.fileName).toBe('community-sync-shared-people-run-7-2026-03-02.csv');
    expect(file.csv.toString('utf8')).toContain('x@example.com');
  });
});
