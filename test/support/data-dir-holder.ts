import { lockDataDir } from '../../src/store/data-dir-lock.ts';

// Run by hold-data-dir.ts in a process of its own: holds the lock on the folder given until killed.
const dir = process.argv[2];
if (!dir) throw new Error('usage: data-dir-holder.ts <dir>');
lockDataDir(dir);
process.stdout.write('locked\n');
setInterval(() => {}, 1 << 30);
