import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../connector.ts';
import { API, testCaller } from './nock-support.ts';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const readPipelines = (caller: ReturnType<typeof testCaller>['caller']) =>
  caller.call('read', 'read deal pipelines', (client) =>
    client.crm.pipelines.pipelinesApi.getAllWithHttpInfo('deals'),
  );

const RATE_LIMITED = {
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c1',
  policyName: 'TEN_SECONDLY_ROLLING',
};

describe('PortalCaller', () => {
  it('waits out the window a 429 names, then retries', async () => {
    const scope = nock(API)
      .get('/crm/v3/pipelines/deals')
      .reply(429, RATE_LIMITED, {
        'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
        'X-HubSpot-RateLimit-Max': '110',
        'X-HubSpot-RateLimit-Remaining': '0',
      })
      .get('/crm/v3/pipelines/deals')
      .reply(200, { results: [] });
    const { caller, tally, waits } = testCaller();
    await expect(readPipelines(caller)).resolves.toEqual({ results: [] });
    scope.done();
    expect(waits).toEqual([10_000]);
    expect(tally.stats()).toMatchObject({ rateLimited: 1, retried: 1, failed: 0, byKind: { read: 2 } });
  });

  it('backs off on 5xx a bounded number of times, then reports HubSpot message', async () => {
    const scope = nock(API).get('/crm/v3/pipelines/deals').times(3).reply(503, {
      status: 'error',
      message: 'Service unavailable',
      correlationId: 'c',
      category: 'INTERNAL_ERROR',
    });
    const { caller, tally, waits } = testCaller({
      retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    });
    const failure = await readPipelines(caller).catch((e: unknown) => e);
    scope.done();
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure).toMatchObject({
      kind: 'unavailable',
      providerMessage: 'Service unavailable',
      status: 503,
      accountId: '42',
      operation: 'read deal pipelines',
    });
    expect(waits).toEqual([75, 150]);
    expect(tally.stats()).toMatchObject({ retried: 2, failed: 1 });
  });

  it('waits 2 s after a 423', async () => {
    const scope = nock(API)
      .get('/crm/v3/pipelines/deals')
      .reply(423, { status: 'error', message: 'Locked', correlationId: 'c', category: 'LOCKED' })
      .get('/crm/v3/pipelines/deals')
      .reply(200, { results: [] });
    const { caller, waits } = testCaller();
    await readPipelines(caller);
    scope.done();
    expect(waits).toEqual([2_000]);
  });

  it('does not retry a refused request', async () => {
    const scope = nock(API).get('/crm/v3/pipelines/deals').reply(400, {
      status: 'error',
      message: 'Bad object type',
      correlationId: 'c',
      category: 'VALIDATION_ERROR',
    });
    const { caller, tally } = testCaller();
    await expect(readPipelines(caller)).rejects.toMatchObject({
      kind: 'rejected',
      providerMessage: 'Bad object type',
    });
    scope.done();
    expect(tally.stats()).toMatchObject({ retried: 0, failed: 1, byKind: { read: 1 } });
  });

  it('retries network errors', async () => {
    const scope = nock(API)
      .get('/crm/v3/pipelines/deals')
      .replyWithError('socket hang up')
      .get('/crm/v3/pipelines/deals')
      .reply(200, { results: [] });
    const { caller, tally } = testCaller();
    await readPipelines(caller);
    scope.done();
    expect(tally.stats().retried).toBe(1);
  });
});
