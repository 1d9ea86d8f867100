import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { type Logger, silentLogger } from '../../connectors/connector.ts';

// Embedded PGlite is a database inside the process: two processes on one DATA_DIR corrupt it. The first to
// open the folder holds a lock file naming it; any other is refused until that process stops.

export const LOCK_FILE = 'community-sync.lock';

/** Another process (or this one) already has the embedded database folder open. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  /** The folder, and who holds it (for a caller to say what to do in its own words). */
  constructor(
    message: string,
    readonly dir: string,
    readonly holder: string,
  ) {
    super(message);
  }
}

export interface DataDirLock {
  file: string;
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

/** Lock files this process holds, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

function parseHolder(text: string): Holder | null {
  try {
    const holder = JSON.parse(text) as Partial<Holder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string'
      ? { pid: holder.pid, host: holder.host, startedAt: String(holder.startedAt) }
      : null;
  } catch {
    return null;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder is stale when it is a process on this machine that is no longer running. */
function stale(holder: Holder | null, file: string): boolean {
  // Every lock file is written whole before it is linked in place: one that cannot be read is no one's.
  if (!holder) return true;
  // Another machine (a shared folder): its processes cannot be checked from here.
  if (holder.host !== hostname()) return false;
  // The same pid but not held here: an earlier process that had this pid (pid 1 in a restarted container).
  if (holder.pid === process.pid) return !heldHere.has(file);
  return !running(holder.pid);
}

function refusal(dir: string, file: string, holder: Holder): DataDirLockedError {
  const who =
    holder.pid === process.pid && holder.host === hostname()
      ? 'this process'
      : `process ${holder.pid} on ${holder.host} (since ${holder.startedAt})`;
  const otherHost =
    holder.host === hostname() ? '' : ' If that process is no longer running, delete the lock file.';
  return new DataDirLockedError(
    `the embedded database in ${dir} is in use by ${who}; lock file ${file}. Only one process may open it: ` +
      `for the CLI, run it against the server with DATABASE_URL, or stop \`serve\` first.${otherHost}`,
    dir,
    who,
  );
}

/** Links the whole lock file in place; false when a lock is already there. */
function linkInPlace(draft: string, file: string): boolean {
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Moves a stale lock aside. Renaming is atomic, so of two processes taking over at once only one moves the stale
 * lock; the other may move the winner's fresh lock instead, sees so, and puts it back.
 */
function moveAside(file: string, seen: string): boolean {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== seen) {
    try {
      linkSync(aside, file);
    } catch {}
  }
  unlinkSync(aside);
  return moved === seen;
}

/** Takes the embedded database folder for this process, or refuses at once with `DataDirLockedError`. */
export function lockDataDir(dir: string, logger: Logger = silentLogger): DataDirLock {
  const file = join(resolve(dir), LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() });
  const draft = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, mine);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (linkInPlace(draft, file)) return held(file, mine);
      let seen: string;
      try {
        seen = readFileSync(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw error;
      }
      const holder = parseHolder(seen);
      if (!stale(holder, file)) throw refusal(dir, file, holder as Holder);
      if (moveAside(file, seen)) {
        logger.warn(
          { lockFile: file, pid: holder?.pid ?? null },
          'took over the embedded database lock from a process no longer running',
        );
      }
    }
    throw new DataDirLockedError(
      `the embedded database in ${dir} is being opened by other processes at the same time; lock file ${file}`,
      dir,
      'other processes',
    );
  } finally {
    unlinkSync(draft);
  }
}

function held(file: string, mine: string): DataDirLock {
  heldHere.add(file);
  const release = () => {
    process.removeListener('exit', release);
    heldHere.delete(file);
    try {
      // Only our own lock: never one another process took over after this one was thought gone.
      if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
    } catch {}
  };
  // Best effort when the process ends without closing the database; a killed process leaves a stale lock.
  process.on('exit', release);
  return { file, release };
}
