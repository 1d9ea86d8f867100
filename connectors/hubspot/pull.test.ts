import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, testCaller } from './nock-support.ts';
import { pullContacts, pullDeals, pullPipelines } from './pull.ts';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const contact = (id: string, properties: Record<string, string | null>) => ({
  id,
  properties,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  archived: false,
});

describe('pull', () => {
  it('pages contacts 100 at a time with the properties the rules need', async () => {
    const scope = nock(API, { reqheaders: { authorization: 'Bearer token-42' } })
      .get('/crm/v3/objects/contacts')
      .query(
        (q) =>
          q.limit === '100' &&
          q.after === undefined &&
          String(q.properties).includes('num_conversion_events'),
      )
      .reply(200, {
        results: [
          contact('1', {
            email: 'a@example.com',
            hs_additional_emails: 'b@example.com;c@example.com',
            phone: '212',
            num_conversion_events: '',
            createdate: '2024-02-01T00:00:00Z',
            community_sync_tags: 'tag-x;primary-shared-contact',
            firstname: 'Ann',
          }),
        ],
        paging: { next: { after: '1', link: 'x' } },
      })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.after === '1' && q.limit === '100')
      .reply(200, {
        results: [
          contact('2', {
            mobilephone: '555',
            num_conversion_events: '3',
            first_conversion_date: '2024-03-01T00:00:00Z',
          }),
        ],
      });
    const { caller } = testCaller();
    const labels = new Map([['tag-x', 'multi-location']]);
    const contacts = await pullContacts(caller, 'community_sync_tags', labels);
    scope.done();
    expect(contacts).toEqual([
      {
        id: '1',
        emails: ['a@example.com', 'b@example.com', 'c@example.com'],
        phones: ['212'],
        createdAt: '2024-02-01T00:00:00.000Z',
        conversions: 0,
        firstConversionAt: null,
        properties: { firstname: 'Ann' },
        tags: ['multi-location', 'primary-shared-contact'],
        tagValues: ['tag-x', 'primary-shared-contact'],
      },
      {
        id: '2',
        emails: [],
        phones: ['555'],
        createdAt: '2024-01-01T00:00:00.000Z',
        conversions: 3,
        firstConversionAt: '2024-03-01T00:00:00.000Z',
        properties: {},
        tags: [],
        tagValues: [],
      },
    ]);
  });

  it('reads deals with their associated contacts', async () => {
    const scope = nock(API)
      .get('/crm/v3/objects/deals')
      .query((q) => q.associations === 'contacts' && q.limit === '100')
      .reply(200, {
        results: [
          {
            ...contact('d1', { pipeline: 'p1', dealstage: 's2' }),
            associations: {
              contacts: {
                results: [
                  { id: '1', type: 'deal_to_contact' },
                  { id: '1', type: 'deal_to_contact_unlabeled' },
                ],
              },
            },
          },
          contact('d2', { pipeline: 'p1', dealstage: 's1' }),
        ],
      });
    const deals = await pullDeals(testCaller().caller);
    scope.done();
    expect(deals).toEqual([
      { id: 'd1', pipelineId: 'p1', stageId: 's2', contactIds: ['1'] },
      { id: 'd2', pipelineId: 'p1', stageId: 's1', contactIds: [] },
    ]);
  });

  it('orders stages by displayOrder and reads won and lost from their metadata', async () => {
    const at = '2024-01-01T00:00:00.000Z';
    const stage = (id: string, displayOrder: number, isClosed: string, probability: string) => ({
      id,
      label: id,
      displayOrder,
      metadata: { isClosed, probability },
      archived: false,
      createdAt: at,
      updatedAt: at,
    });
    const scope = nock(API)
      .get('/crm/v3/pipelines/deals')
      .reply(200, {
        results: [
          {
            id: 'p1',
            label: 'Sales',
            displayOrder: 0,
            archived: false,
            createdAt: at,
            updatedAt: at,
            stages: [
              stage('lost', 3, 'true', '0.0'),
              stage('won', 2, 'true', '1.0'),
              stage('open', 1, 'false', '0.2'),
            ],
          },
        ],
      });
    const [pipeline] = await pullPipelines(testCaller().caller);
    scope.done();
    expect(pipeline?.stages.map((s) => [s.id, s.order, s.outcome])).toEqual([
      ['open', 1, null],
      ['won', 2, 'won'],
      ['lost', 3, 'lost'],
    ]);
  });
});
