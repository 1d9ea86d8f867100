import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { holdDataDir, killHolder } from '../../test/support/hold-data-dir.ts';
import { recordingLogger } from '../../test/support/recording-logger.ts';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from './data-dir-lock.ts';
import { openDatabase } from './database.ts';

// One process per embedded database folder: a second is refused at once, a lock left by a process that is gone
// is taken over, and closing the database gives the folder back.

const folder = () => mkdtempSync(join(tmpdir(), 'cs-lock-'));
let holder: ChildProcess | undefined;

afterEach(async () => {
  if (holder) await killHolder(holder);
  holder = undefined;
});

describe('the DATA_DIR lock', () => {
  it('refuses a second process at once, naming the lock file, the holder and what to do instead', async () => {
    const dir = folder();
    holder = await holdDataDir(dir);
    const refused = (() => {
      try {
        lockDataDir(dir);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(DataDirLockedError);
    const message = (refused as Error).message;
    expect(message).toContain(join(dir, LOCK_FILE));
    expect(message).toContain(`process ${holder.pid} `);
    expect(message).toContain('run it against the server with DATABASE_URL, or stop `serve`');
  });

  it('takes over a lock whose holder is no longer running, and says so', async () => {
    const dir = folder();
    holder = await holdDataDir(dir);
    const gone = holder.pid;
    await killHolder(holder);
    const logger = recordingLogger();
    const lock = lockDataDir(dir, logger);
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        fields: { lockFile: lock.file, pid: gone },
        message: 'took over the embedded database lock from a process no longer running',
      },
    ]);
    lock.release();
  });

  it('takes over a lock left by an earlier process that had this pid (pid 1 in a restarted container)', () => {
    const earlier = lockDataDir(folder());
    const left = readFileSync(earlier.file, 'utf8');
    earlier.release();
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), left);
    // Refused as "in use by this process" if the pid alone decided.
    const lock = lockDataDir(dir);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('is taken by opening PGlite on a folder, refuses a second open in the same process, and is released on close', async () => {
    const dir = folder();
    const opened = await openDatabase({ dataDir: dir });
    try {
      await expect(opened.check()).resolves.toBeUndefined();
      expect(() => lockDataDir(dir)).toThrow(/in use by this process/);
    } finally {
      await opened.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir).release();
  }, 120_000);
});
