import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, readableLine } from './logger.ts';

describe('logs', () => {
  it('never carry tokens, secrets, emails or phones passed as fields', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info(
      {
        tenantId: 't1',
        tokens: { accessToken: 'at-123', refreshToken: 'rt-456' },
        account: { refreshToken: 'rt-789', email: 'bob@example.com', phone: '+12125550100' },
        clientSecret: 'shh',
      },
      'connected',
    );
    const out = lines.join('');
    expect(out).toContain('"tenantId":"t1"');
    for (const secret of ['at-123', 'rt-456', 'rt-789', 'bob@example.com', '2125550100', 'shh']) {
      expect(out).not.toContain(secret);
    }
  });
});

describe('readable logs for a terminal', () => {
  it('show time, level, message and fields on one line', () => {
    const line = readableLine(
      JSON.stringify({
        level: 40,
        time: Date.UTC(2026, 10, 23, 9, 5, 7),
        app: 'community-sync',
        msg: 'retried',
        accountId: '7',
        waitMs: 500,
      }),
    );
    expect(line).toBe('09:05:07 warn  retried  accountId=7 waitMs=500\n');
  });
});
