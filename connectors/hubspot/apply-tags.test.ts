import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeTags } from './apply-tags.ts';
import { API, testCaller } from './nock-support.ts';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const at = '2024-01-01T00:00:00.000Z';
const done = (ids: string[]) => ({
  status: 'COMPLETE',
  results: ids.map((id) => ({ id, properties: {}, createdAt: at, updatedAt: at, archived: false })),
  startedAt: at,
  completedAt: at,
});

describe('writeTags', () => {
  it('sends batches of 100 with the exact value set, empty to clear', async () => {
    const writes = Array.from({ length: 150 }, (_, i) => ({
      contactId: String(i),
      values: i === 0 ? [] : ['primary-shared-contact', 'tag-x'],
    }));
    const bodies: unknown[] = [];
    const scope = nock(API)
      .post('/crm/v3/objects/contacts/batch/update', (body) => bodies.push(body) > 0)
      .times(2)
      .reply(200, (_uri, body) => done((body as { inputs: { id: string }[] }).inputs.map((i) => i.id)));
    const report = await writeTags(testCaller().caller, 'community_sync_tags', writes);
    scope.done();
    expect(report).toEqual({ written: 150, copies: [], failures: [] });
    const inputs = bodies.flatMap((b) => (b as { inputs: unknown[] }).inputs);
    expect(bodies.map((b) => (b as { inputs: unknown[] }).inputs.length).sort()).toEqual([100, 50]);
    expect(inputs).toContainEqual({ id: '0', properties: { community_sync_tags: '' } });
    expect(inputs).toContainEqual({
      id: '7',
      properties: { community_sync_tags: 'primary-shared-contact;tag-x' },
    });
  });

  it('turns the records a 207 names into failures and counts the rest as written', async () => {
    const scope = nock(API)
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(207, {
        ...done(['1']),
        numErrors: 1,
        errors: [
          {
            status: 'error',
            category: 'OBJECT_NOT_FOUND',
            message: 'Could not get some CONTACT objects',
            context: { ids: ['2'] },
            errors: [],
            links: {},
          },
        ],
      });
    const report = await writeTags(testCaller().caller, 'community_sync_tags', [
      { contactId: '1', values: ['a'] },
      { contactId: '2', values: ['a'], sharedId: 's2' },
    ]);
    scope.done();
    expect(report.written).toBe(1);
    expect(report.failures).toEqual([
      {
        accountId: '42',
        operation: 'update tags',
        recordId: '2',
        sharedId: 's2',
        message: 'Could not get some CONTACT objects',
      },
    ]);
  });
});
