import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandboxEnv } from './support/sandbox-env.ts';

// `npm start` on embedded defaults: no accounts, services or secrets. It must install the demo tenant through
// the OAuth routes, run the first sync, print the summary and, last, the admin URL, and keep serving.

const root = join(import.meta.dirname, '..');
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGTERM');
});

function startSandbox(dataDir: string): Promise<string[]> {
  const env = sandboxEnv({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
  child = spawn(process.execPath, [join(root, 'bin/community-sync.js'), 'serve'], { cwd: root, env });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    child?.stdout?.on('data', (chunk) => {
      stdout += String(chunk);
      const lines = stdout.split('\n').filter(Boolean);
      if (lines.at(-1)?.startsWith('http://localhost:')) resolve(lines);
    });
    child?.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child?.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

/** An address of this machine other than loopback, where the sandbox must not answer. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('npm start in sandbox mode', () => {
  it("prints the simulator's URL first, the first sync summary and the tenant id, then the admin URL last, and keeps serving", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'cs-start-')), 'data');
    const lines = await startSandbox(dataDir);
    expect(lines[0]).toMatch(/^HubSpot simulator: http:\/\/127\.0\.0\.1:\d+ /);
    const simulatorUrl = /http:\/\/[^ ]+/.exec(lines[0] ?? '')?.[0] ?? '';
    expect((await fetch(`${simulatorUrl}/crm/v3/objects/contacts`)).status).toBe(401);
    const shared = Number(/^(\d+) shared contacts$/m.exec(lines.join('\n'))?.[1]);
    expect(shared).toBeGreaterThanOrEqual(2);
    expect(lines.join('\n')).toMatch(/with primary account Lakeside Terrace/);
    expect(Number(/^(\d+) changes written$/m.exec(lines.join('\n'))?.[1])).toBeGreaterThan(shared);
    // Each community's suppress list holds its shared people whose primary community is another one.
    const suppressed = [
      ...lines
        .join('\n')
        .matchAll(/^ {2}(\d+) in (.+)'s "Community Sync · primary elsewhere \(suppress\)" list$/gm),
    ];
    expect(suppressed.length).toBeGreaterThanOrEqual(2);
    const secondaries = suppressed.reduce((sum, m) => sum + Number(m[1]), 0);
    expect(secondaries).toBeGreaterThanOrEqual(shared);
    const url = lines.at(-1) as string;
    expect(await (await fetch(new URL('healthz', url))).json()).toEqual({ status: 'ok' });
    const page = await fetch(url);
    expect(await page.text()).toContain('Community Sync');
    const session = (await (
      await fetch(new URL('api/session', url), {
        headers: { cookie: (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '' },
      })
    ).json()) as { tenantId: string };
    expect(session.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.at(-2)).toMatch(new RegExp(`^Sandbox tenant: ${session.tenantId} `));
    // The sandbox signs in whoever opens its page: it answers on this machine only.
    if (outsideAddress) {
      const port = new URL(url).port;
      await expect(fetch(`http://${outsideAddress}:${port}/healthz`)).rejects.toThrow();
    } else console.warn('no non-loopback address on this machine: the loopback-only check was not run');
    const metrics = await (await fetch(new URL('metrics', url))).text();
    expect(metrics).toContain('community_sync_runs_total{dry_run="false",status="succeeded"} 1');
    expect(metrics).toMatch(/community_sync_api_calls_total\{kind="write",provider="hubspot"\} \d+/);
  }, 120_000);
});
