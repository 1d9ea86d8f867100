import { readFile } from 'node:fs/promises';
import { parseSnapshot, type Snapshot } from '../core/snapshot.ts';
import { ValidationError } from '../core/validation-error.ts';

/** A file the user named that cannot be used; the CLI exits 2 with this message. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Reads, parses and checks a snapshot file; every failure names the file and what to do. */
export async function readSnapshotFile(path: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(`cannot read snapshot file ${path}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`snapshot file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseSnapshot(json);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new InputError(
        `snapshot file ${path} does not fit the snapshot contract (DESIGN.md section 3):\n  ${error.problems.join('\n  ')}`,
      );
    }
    throw error;
  }
}
