import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm run --silent simulator -- salesforce --snapshot FILE --port PORT [--one-org]` starts alone and says where.

describe('simulator command line', () => {
  it('prints where it listens and answers with the sandbox token of an account', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'connectors/simulators.ts',
        'salesforce',
        '--snapshot',
        'test/scenarios/bob-smith-two-communities.snapshot.json',
        '--port',
        '0',
        '--one-org',
      ],
      { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = line.replace('listening on ', '');
      const response = await fetch(
        `${url}/services/data/v59.0/query?q=${encodeURIComponent('SELECT Id FROM Account')}`,
        {
          headers: { authorization: 'Bearer sandbox-101' },
        },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/\d+$/);
      expect(((await response.json()) as { totalSize: number }).totalSize).toBeGreaterThan(1);
    } finally {
      child.kill();
    }
  }, 20_000);
});
