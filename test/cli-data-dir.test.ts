import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/store/data-dir-lock.ts';
import { holdDataDir, killHolder } from './support/hold-data-dir.ts';
import { sandboxEnv } from './support/sandbox-env.ts';

// A command beside a running `serve` on the same embedded database folder would corrupt it: every command,
// `serve` included, is refused with exit code 2 and a message saying what to do instead.

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'cs-cli-lock-'));
let holder: ChildProcess;

/** Runs the installed command on `dataDir`, embedded, in sandbox mode (no credentials). */
async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  const env = sandboxEnv({ DATA_DIR: dataDir, PORT: '0', SCHEDULER: 'off' });
  try {
    const { stderr } = await run(process.execPath, [join(root, 'bin/community-sync.js'), ...args], {
      cwd: root,
      env,
      // A `serve` that is not refused keeps serving: stop it, so the test fails instead of leaving it behind.
      timeout: 90_000,
    });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  holder = await holdDataDir(dataDir);
});

afterAll(async () => {
  await killHolder(holder);
});

describe('a DATA_DIR another process has open', () => {
  it.each([['accounts', '--tenant', 'x'], ['serve']])(
    'refuses `%s` with exit code 2, naming the lock file, the holder and what to do',
    async (...args) => {
      const { code, stderr } = await cli(...args);
      expect(stderr).toContain(`process ${holder.pid} `);
      expect(stderr).toContain(join(dataDir, LOCK_FILE));
      expect(stderr).toContain('run it against the server with DATABASE_URL, or stop `serve`');
      expect(stderr).not.toMatch(/\n\s+at /); // the message, not a stack trace
      expect(code).toBe(2);
    },
    120_000,
  );

  it('refuses `sync` in sandbox mode in one line saying how: Run now on the admin page, or stop the sandbox', async () => {
    const { code, stderr } = await cli('sync', '--tenant', 'x');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`the embedded database in ${dataDir} is in use by process ${holder.pid} `);
    expect(stderr).toMatch(/press "Run now" on its admin page \(http:\/\/127\.0\.0\.1:0\/\) to sync/);
    expect(stderr).toContain('or stop the sandbox first and run sync again');
    expect(code).toBe(2);
  }, 120_000);
});
