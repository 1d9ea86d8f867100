import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../connector.ts';
import { MemoryState } from '../shared/memory-state.ts';
import { callKindOf } from './client.ts';
import { classifyFailure, toConnectorError } from './errors.ts';
import { ApiBudget, parseLimitInfo } from './limits.ts';

const apiError = (errorCode: string, message = '') => Object.assign(new Error(message), { errorCode });

describe('limits', () => {
  it('reads Sforce-Limit-Info', () => {
    expect(parseLimitInfo('api-usage=18/15000')).toEqual({ used: 18, max: 15000 });
    expect(parseLimitInfo(undefined)).toBeNull();
  });

  it('stops a run before it passes its share of the daily allocation', () => {
    const budget = new ApiBudget(0.2, 'a');
    budget.beforeRequest('first');
    budget.observe('api-usage=101/50'); // 10 allowed; 1 spent
    for (let i = 0; i < 9; i++) budget.beforeRequest('more');
    expect(() => budget.beforeRequest('one too many')).toThrow(ConnectorError);
    try {
      budget.beforeRequest('again');
    } catch (error) {
      expect((error as ConnectorError).kind).toBe('budget-exhausted');
    }
    expect(budget.spentShare()).toBeCloseTo(0.2);
  });

  it('counts other usage of the org since the run began', () => {
    const budget = new ApiBudget(0.1, 'a');
    budget.beforeRequest('x');
    budget.observe('api-usage=10/100');
    budget.observe('api-usage=18/100');
    budget.beforeRequest('y'); // 9 spent by the org since the run began, 10 allowed
    budget.observe('api-usage=19/100');
    expect(() => budget.beforeRequest('z')).toThrow(/10% of the org's daily API allocation/);
  });
});

describe('the daily budget across sessions and workers', () => {
  it('counts what another session on the org spent as soon as it heard of it', async () => {
    const org = { shared: new MemoryState(), key: 'org-1' };
    const mine = new ApiBudget(0.1, 'a', org);
    const other = new ApiBudget(0.1, 'b', org);
    mine.beforeRequest('x');
    mine.observe('api-usage=10/100'); // this run began at 9
    other.beforeRequest('y');
    other.observe('api-usage=19/100'); // the other session (another worker) spent 9 since
    await mine.sync();
    expect(() => mine.beforeRequest('z')).toThrow(/10% of the org's daily API allocation/);
  });
});

describe('error handling', () => {
  it('retries concurrency limits and server errors, never the daily allocation or a refusal', () => {
    expect(
      classifyFailure(apiError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.')),
    ).toEqual({
      retry: true,
      rateLimited: true,
    });
    expect(classifyFailure(apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'))).toEqual({
      retry: false,
    });
    expect(classifyFailure(apiError('ERROR_HTTP_503'))).toEqual({ retry: true });
    expect(classifyFailure(apiError('MALFORMED_QUERY'))).toEqual({ retry: false });
  });

  it('turns failures into the interface kinds', () => {
    expect(
      toConnectorError(apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), 'a', 'op').kind,
    ).toBe('rate-limited');
    expect(toConnectorError(apiError('INVALID_SESSION_ID'), 'a', 'op').kind).toBe('auth-revoked');
    expect(toConnectorError(apiError('SERVER_UNAVAILABLE'), 'a', 'op').kind).toBe('unavailable');
    expect(toConnectorError(apiError('INVALID_FIELD', 'No such column'), 'a', 'op').providerMessage).toBe(
      'INVALID_FIELD: No such column',
    );
  });

  it('names what each request was for', () => {
    expect(callKindOf('POST', 'https://x/services/oauth2/token')).toBe('auth');
    expect(callKindOf('GET', 'https://x/services/data/v59.0/sobjects/Contact/describe')).toBe('schema');
    expect(callKindOf('POST', 'https://x/services/data/v59.0/tooling/sobjects/CustomField')).toBe('schema');
    expect(callKindOf('GET', 'https://x/services/data/v59.0/query?q=x')).toBe('read');
    expect(callKindOf('POST', 'https://x/services/data/v59.0/jobs/query')).toBe('read');
    expect(callKindOf('PATCH', 'https://x/services/data/v59.0/composite/sobjects')).toBe('write');
  });
});
