import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../connectors/connector.ts';
import { orgKeyOf } from '../../connectors/salesforce/index.ts';
import { type FeedTenant, startFeedTenant } from '../../connectors/salesforce/test-support/feed-tenant.ts';
import { noChanges } from '../sync/changes.ts';
import { runTenant } from '../sync/run-tenant.ts';
import { ChangeCaptureStreams } from './salesforce-change-capture.ts';
import { SalesforcePoller } from './salesforce-poller.ts';

let feed: FeedTenant | null = null;
let streams: ChangeCaptureStreams[] = [];
afterEach(async () => {
  for (const s of streams) await s.stop();
  streams = [];
  await feed?.close();
  feed = null;
});

const start = (f: FeedTenant) => {
  const s = new ChangeCaptureStreams({
    store: f.store,
    connectorFor: () => f.connector,
    resync: (request) => f.resync(request),
    logger: silentLogger,
    batchMs: 20,
  });
  streams.push(s);
  return s;
};

/** Waits (bounded) until the condition holds: events arrive over a long-poll. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('timed out waiting');
}

const replayIdOf = async (f: FeedTenant, orgKey: string) =>
  (await f.store.salesforceFeeds.position(f.tenantId, orgKey)).replayId;

async function optIn(f: FeedTenant, accountId: string) {
  const account = f.accounts.find((a) => a.accountId === accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  await f.store.salesforceFeeds.setChangeCapture(f.tenantId, account.id, true);
  return account;
}

const addContact = async (f: FeedTenant, accountId: string, lastName: string) =>
  ((await f.staff(accountId, 'POST', '/sobjects/Contact', { LastName: lastName })) as { id: string }).id;

describe('Change Data Capture', () => {
  it('selects the entities, and a change event received through jsforce streaming becomes RecordChanges', async () => {
    feed = await startFeedTenant();
    const f = feed;
    const account = await optIn(f, '101');
    const cdc = start(f);
    await cdc.refresh();
    expect([...f.simulator.org('101').cdcEntities].sort()).toEqual([
      'CampaignMemberChangeEvent',
      'ContactChangeEvent',
      'LeadChangeEvent',
      'OpportunityChangeEvent',
      'OpportunityContactRoleChangeEvent',
    ]);
    expect((await f.store.salesforceFeeds.changeCapture(f.tenantId, account.id))?.status).toBe('streaming');
    const key = orgKeyOf(account);
    expect(cdc.isStreaming(f.tenantId, key)).toBe(true);

    const id = await addContact(f, '101', 'Green');
    await until(() => f.resyncs.length === 1);
    expect(f.resyncs[0]).toMatchObject({
      trigger: 'cdc',
      changes: [{ ...noChanges('101'), contacts: [id] }],
    });
    const [event] = f.simulator.changeStream.events(f.simulator.org('101'));
    // The replay id moves once the resync returned.
    await until(async () => (await replayIdOf(f, key)) !== null);
    expect(await replayIdOf(f, key)).toBe(String(event?.replayId));

    // Polling leaves a streaming org alone.
    const poller = new SalesforcePoller({
      store: f.store,
      connectorFor: () => f.connector,
      resync: f.resync,
      logger: silentLogger,
      intervalMs: 60_000,
      streaming: (tenantId, orgKey) => cdc.isStreaming(tenantId, orgKey),
    });
    const polls = await poller.pollAll();
    expect(polls.find((p) => p.orgKey === key)?.outcome).toBe('streaming');
  });

  it('resumes from the stored replay id after a restart, without missing or repeating a change', async () => {
    feed = await startFeedTenant();
    const f = feed;
    const account = await optIn(f, '102');
    const first = start(f);
    await first.refresh();
    const before = await addContact(f, '102', 'Before');
    await until(() => f.resyncs.length === 1);
    await until(async () => (await replayIdOf(f, orgKeyOf(account))) !== null);
    await first.stop();

    const during = await addContact(f, '102', 'While stopped');
    const restarted = start(f);
    await restarted.refresh();
    await until(() => f.resyncs.length === 2);
    expect(f.resyncs.map((r) => r.changes[0]?.contacts)).toEqual([[before], [during]]);
  });

  it('says why on the account when the org refuses to select the entities, and polling goes on', async () => {
    feed = await startFeedTenant();
    const f = feed;
    f.simulator.org('103').cdcSelectAllowed = false;
    const account = await optIn(f, '103');
    const cdc = start(f);
    await cdc.refresh();
    const capture = await f.store.salesforceFeeds.changeCapture(f.tenantId, account.id);
    expect(capture?.status).toBe('unsupported');
    expect(capture?.detail).toContain('Customize Application');
    expect(capture?.detail).toContain('Setup > Change Data Capture');
    expect(cdc.isStreaming(f.tenantId, orgKeyOf(account))).toBe(false);
  });

  it('skips the app’s own tag writes, and hands over the staff’s changes', async () => {
    feed = await startFeedTenant();
    const f = feed;
    await optIn(f, '101');
    const cdc = start(f);
    await cdc.refresh();
    // A run tags Bob and Carol in Sunrise Oaks: change events of the app's user, only the tag field changed.
    expect((await runTenant(f.store, () => f.connector, f.tenantId)).status).toBe('succeeded');
    const org = f.simulator.org('101');
    await until(() => f.simulator.changeStream.events(org).length === 2);
    const id = await addContact(f, '101', 'Green');
    await until(() => f.resyncs.length === 1);
    expect(f.resyncs.map((r) => r.changes)).toEqual([[{ ...noChanges('101'), contacts: [id] }]]);
  });
});
