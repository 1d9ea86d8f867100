import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

// Another process holding an embedded database folder, as `serve` does: it takes the DATA_DIR lock, says
// "locked" on stdout and waits to be killed.

const holderScript = join(import.meta.dirname, 'data-dir-holder.ts');

export async function holdDataDir(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      if (String(chunk).includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}: ${stderr}`)));
  });
  return child;
}

/** Kills the holder without letting it clean up, as a crash would, and waits until it is gone. */
export async function killHolder(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
