import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../connectors/connector.ts';
import { orgKeyOf } from '../../connectors/salesforce/index.ts';
import { splitPicklist } from '../../connectors/salesforce/people.ts';
import { type FeedTenant, startFeedTenant } from '../../connectors/salesforce/test-support/feed-tenant.ts';
import { RunInProgressError } from '../store/store.ts';
import { noChanges } from '../sync/changes.ts';
import { runTenant } from '../sync/run-tenant.ts';
import { targetedResync } from '../sync/targeted-resync.ts';
import { SalesforcePoller } from './salesforce-poller.ts';

let feed: FeedTenant | null = null;
afterEach(async () => {
  await feed?.close();
  feed = null;
});

const poller = (f: FeedTenant, resync = f.resync, now?: () => Date) =>
  new SalesforcePoller({
    ...(now ? { now } : {}),
    store: f.store,
    connectorFor: () => f.connector,
    resync,
    logger: silentLogger,
    intervalMs: 60_000,
    // The simulator's allocation would space polls of one org 4 s apart; tests poll back to back.
    dailyShare: 1,
  });

const orgKey = (f: FeedTenant, accountId: string) =>
  orgKeyOf(f.accounts.find((a) => a.accountId === accountId) as FeedTenant['accounts'][number]);

/** Creates a Contact as the community's staff; its id. */
async function addContact(f: FeedTenant, accountId: string, fields: Record<string, unknown>) {
  const created = (await f.staff(accountId, 'POST', '/sobjects/Contact', fields)) as { id: string };
  return created.id;
}

describe('polling Salesforce for changes', () => {
  it('hands a contact the staff added to the resync as that account’s changes, in one Composite call per org, once', async () => {
    feed = await startFeedTenant();
    const polling = poller(feed);
    expect((await polling.pollAll()).map((p) => p.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);

    const id = await addContact(feed, '102', { LastName: 'Green', Email: 'gina@example.com' });
    feed.simulator.calls.clear();
    await polling.pollAll();
    expect(feed.resyncs).toEqual([
      expect.objectContaining({
        tenantId: feed.tenantId,
        trigger: 'poll',
        changes: [{ ...noChanges('102'), contacts: [id] }],
      }),
    ]);
    // One request per org and poll: the Composite POST, no query pages.
    const calls = feed.simulator.calls.all().filter((c) => c.accountId !== null);
    expect(calls.map((c) => `${c.accountId} ${c.method} ${c.path}`).sort()).toEqual(
      ['101', '102', '103', '900'].map((org) => `${org} POST /services/data/v59.0/composite`),
    );

    // The overlap shows the row again; it was handed over, so nothing is.
    await polling.pollAll();
    expect(feed.resyncs).toHaveLength(1);
  });

  it('reads deletions, merges and deal changes through queryAll', async () => {
    feed = await startFeedTenant();
    const polling = poller(feed);
    await polling.pollAll();
    const org = feed.simulator.org('102');
    const [bob, dave] = [...org.table('Contact').values()];
    const deal = [...org.table('Opportunity').values()][0];
    if (!bob || !dave || !deal) throw new Error('expected Maple Court’s contacts and deal');
    const extra = await addContact(feed, '102', { LastName: 'Smith', Email: 'bob@example.com' });
    await polling.pollAll();

    await feed.staff('102', 'DELETE', `/sobjects/Contact/${dave.Id}`);
    feed.simulator.merge('102', 'Contact', bob.Id, [extra]);
    await feed.staff('102', 'PATCH', `/sobjects/Opportunity/${deal.Id}`, { StageName: 'Tour' });
    await polling.pollAll();
    const changes = feed.resyncs[1]?.changes;
    expect(feed.resyncs).toHaveLength(2);
    expect(changes).toEqual([
      {
        ...noChanges('102'),
        // Bob survived the merge (read again); the deal moved, and so did its contacts' best deal.
        contacts: [bob.Id],
        deletedContacts: [dave.Id],
        merges: [{ primaryId: bob.Id, mergedIds: [extra] }],
        deals: [deal.Id],
      },
    ]);
  });

  it('moves the cursor only after the resync returned: a failed or busy resync sees the change again', async () => {
    feed = await startFeedTenant();
    const f = feed;
    const polling = poller(f);
    await polling.pollAll();
    const key = orgKey(f, '101');
    const before = (await f.store.salesforceFeeds.position(f.tenantId, key)).pollCursor;
    const id = await addContact(f, '101', { LastName: 'Green' });

    f.resyncAnswer = async () => {
      throw new Error('resync broke');
    };
    expect((await polling.pollAll()).find((p) => p.orgKey === key)?.outcome).toBe('failed');
    expect((await f.store.salesforceFeeds.position(f.tenantId, key)).pollCursor).toEqual(before);

    f.resyncAnswer = async () => {
      throw new RunInProgressError(f.tenantId);
    };
    expect((await polling.pollAll()).find((p) => p.orgKey === key)?.outcome).toBe('busy');
    expect((await f.store.salesforceFeeds.position(f.tenantId, key)).pollCursor).toEqual(before);

    f.resyncAnswer = null;
    await polling.pollAll();
    expect(f.resyncs.map((r) => r.changes[0]?.contacts)).toEqual([[id], [id], [id]]);
    const after = (await f.store.salesforceFeeds.position(f.tenantId, key)).pollCursor;
    expect(after?.getTime()).toBe(
      Date.parse(String(f.simulator.org('101').find('Contact', id)?.SystemModstamp)),
    );
  });

  it('resumes from the stored cursor after a restart, with changes made while it was stopped', async () => {
    feed = await startFeedTenant();
    await poller(feed).pollAll();
    const id = await addContact(feed, '103', { LastName: 'Green' });
    // A new process ten minutes later (past the overlap): nothing in memory but the store.
    const restarted = poller(feed, feed.resync, () => new Date(Date.now() + 10 * 60 * 1000));
    await restarted.pollAll();
    expect(feed.resyncs.map((r) => r.changes)).toEqual([[{ ...noChanges('103'), contacts: [id] }]]);
  });

  it('through the targeted resync, a contact the staff added is tagged end to end', async () => {
    feed = await startFeedTenant();
    const f = feed;
    const run = (tenantId: string, options = {}) => runTenant(f.store, () => f.connector, tenantId, options);
    expect((await run(f.tenantId)).status).toBe('succeeded');
    const polling = poller(f, (request) => targetedResync(f.store, () => f.connector, request));
    await polling.pollAll();
    const before = (await f.store.runs.list(f.tenantId)).length;

    // Dave (Maple Court) tours Cedar Hill: his email there makes him shared.
    const id = await addContact(f, '103', { LastName: 'Brown', Email: 'dave@example.com' });
    await polling.pollAll();
    const runs = await f.store.runs.list(f.tenantId);
    expect(runs).toHaveLength(before + 1);
    expect(runs[0]?.trigger).toBe('poll');
    const tags = splitPicklist(f.simulator.org('103').find('Contact', id)?.Community_Sync_Tags__c);
    expect(tags).toContain('secondary-shared-contact');
  });
});
