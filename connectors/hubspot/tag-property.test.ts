import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, testCaller } from './nock-support.ts';
import { ensureTagOptions, readProperty } from './tag-property.ts';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const property = (options: { value: string; label: string }[]) => ({
  name: 'community_sync_tags',
  label: 'Community Sync tags',
  type: 'enumeration',
  fieldType: 'checkbox',
  groupName: 'community_sync',
  description: '',
  options: options.map((o, i) => ({ ...o, displayOrder: i, hidden: false })),
});

describe('tag property', () => {
  it('reads a missing property as null without counting a failure', async () => {
    const scope = nock(API).get('/crm/v3/properties/contacts/community_sync_tags').reply(404, {
      status: 'error',
      message: 'Unable to find property',
      correlationId: 'c',
      category: 'OBJECT_NOT_FOUND',
    });
    const { caller, tally } = testCaller();
    await expect(readProperty(caller, 'community_sync_tags')).resolves.toBeNull();
    scope.done();
    expect(tally.stats()).toMatchObject({ failed: 0, byKind: { schema: 1 } });
  });

  it('creates the group, then a multi-checkbox property with every option', async () => {
    const bodies: Record<string, unknown>[] = [];
    const scope = nock(API)
      .post('/crm/v3/properties/contacts/groups', (b) => bodies.push(b) > 0)
      .reply(201, { name: 'community_sync', label: 'Community Sync', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts', (b) => bodies.push(b) > 0)
      .reply(201, property([{ value: 'primary-shared-contact', label: 'primary-shared-contact' }]));
    const field = await ensureTagOptions(testCaller().caller, null, 'community_sync_tags', 'community_sync', [
      { value: 'primary-shared-contact', label: 'primary-shared-contact' },
    ]);
    scope.done();
    expect(field.options).toEqual([{ value: 'primary-shared-contact', label: 'primary-shared-contact' }]);
    expect(bodies[1]).toMatchObject({
      name: 'community_sync_tags',
      type: 'enumeration',
      fieldType: 'checkbox',
      groupName: 'community_sync',
      options: [
        { value: 'primary-shared-contact', label: 'primary-shared-contact', hidden: false, displayOrder: 0 },
      ],
    });
  });

  it('adds missing options and relabels renamed ones in one PATCH, keeping the others', async () => {
    let sent: unknown;
    const scope = nock(API)
      .patch('/crm/v3/properties/contacts/community_sync_tags', (b) => {
        sent = b;
        return true;
      })
      .reply(200, (_u, body) => property((body as { options: { value: string; label: string }[] }).options));
    const current = {
      name: 'community_sync_tags',
      options: [
        { value: 'engaging-in-7', label: 'engaging-in-Old Name' },
        { value: 'tag-old', label: 'old' },
      ],
    };
    const field = await ensureTagOptions(
      testCaller().caller,
      current,
      'community_sync_tags',
      'community_sync',
      [
        { value: 'engaging-in-7', label: 'engaging-in-New Name' },
        { value: 'secondary-shared-contact', label: 'secondary-shared-contact' },
      ],
    );
    scope.done();
    expect(
      (sent as { options: { value: string; label: string }[] }).options.map((o) => [o.value, o.label]),
    ).toEqual([
      ['engaging-in-7', 'engaging-in-New Name'],
      ['tag-old', 'old'],
      ['secondary-shared-contact', 'secondary-shared-contact'],
    ]);
    expect(field.options).toHaveLength(3);
  });

  it('sends nothing when every option is there with its label', async () => {
    const current = { name: 'community_sync_tags', options: [{ value: 'a', label: 'A' }] };
    const field = await ensureTagOptions(testCaller().caller, current, 'community_sync_tags', 'g', [
      { value: 'a', label: 'A' },
    ]);
    expect(field).toBe(current);
  });
});
