import { describe, expect, it } from 'vitest';
import { CallLog, createServer, Faults, listen, readJson, sendJson } from './simulator-kit.ts';

describe('simulator kit', () => {
  it('injects faults in the configured shares, reproducibly for a seed', () => {
    const draw = (seed: number) => {
      const faults = new Faults({ serverErrorShare: 0.1, rateLimitShare: 0.2, seed });
      return Array.from({ length: 10_000 }, () => faults.next());
    };
    const drawn = draw(42);
    const share = (kind: string) => drawn.filter((f) => f === kind).length / drawn.length;
    expect(share('server-error')).toBeGreaterThan(0.08);
    expect(share('server-error')).toBeLessThan(0.12);
    expect(share('rate-limit')).toBeGreaterThan(0.18);
    expect(share('rate-limit')).toBeLessThan(0.22);
    expect(draw(42)).toEqual(drawn);
    expect(new Faults().next()).toBeNull();
  });

  it('serves JSON and logs calls', async () => {
    const log = new CallLog();
    const server = createServer(async (request, response) => {
      const body = await readJson(request);
      log.record({
        at: Date.now(),
        method: request.method ?? '',
        path: request.url ?? '',
        accountId: null,
        status: 200,
        injected: false,
      });
      sendJson(response, 200, { echo: body }, { 'x-test': 1 });
    });
    const running = await listen(server);
    try {
      const answer = await fetch(`${running.url}/echo`, { method: 'POST', body: JSON.stringify({ a: 1 }) });
      expect(answer.headers.get('x-test')).toBe('1');
      expect(await answer.json()).toEqual({ echo: { a: 1 } });
      expect(log.count((c) => c.method === 'POST' && c.path === '/echo')).toBe(1);
    } finally {
      await running.close();
    }
  });
});
