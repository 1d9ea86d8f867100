import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const bob = join(root, 'test/scenarios/bob-smith-two-communities.snapshot.json');

/** Runs the installed command (bin/community-sync.js) and returns its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/community-sync.js'), ...args], {
      cwd: root,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function snapshotFile(content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'community-sync-')), 'snapshot.json');
  writeFileSync(path, content);
  return path;
}

describe('community-sync plan', () => {
  it('--json prints the plan JSON and nothing else on stdout', async () => {
    const { code, stdout } = await cli('plan', '--snapshot', bob, '--json');
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(Object.keys(plan)).toEqual(['shared', 'children', 'corporate', 'warnings', 'tagOptions']);
    expect(plan.shared[0].primaryAccountId).toBe('101');
  });

  it('without --json prints shared people with their reason, then changes per account, then warnings', async () => {
    const { code, stdout } = await cli('plan', '--snapshot', bob);
    expect(code).toBe(0);
    const order = [
      '1 shared contact',
      "Sunrise Oaks is primary: its deal is at 'Tour completed' (3 of 5)",
      'Tag changes: 2',
      'Sunrise Oaks:',
      '#11: [] -> [multi-location, primary-shared-contact]',
      'Maple Court:',
      'Corporate account: 1 change',
      'Warnings: 0',
    ].map((line) => stdout.indexOf(line));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('refuses a snapshot that does not fit the contract with exit code 2, naming the field', async () => {
    const { code, stdout, stderr } = await cli(
      'plan',
      '--snapshot',
      snapshotFile('{"children": 5}'),
      '--json',
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('children: expected an array');
  });

  it('refuses a file that is not JSON, or is missing, with exit code 2 and the path', async () => {
    const broken = snapshotFile('{"children": [');
    const notJson = await cli('plan', '--snapshot', broken);
    expect([
      notJson.code,
      notJson.stderr.includes(broken),
      notJson.stderr.includes('not valid JSON'),
    ]).toEqual([2, true, true]);
    const missing = await cli('plan', '--snapshot', '/nonexistent/snapshot.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read snapshot file /nonexistent/snapshot.json');
  });

  it('refuses a file that is not UTF-8 with exit code 2, the path and the offset; accepts a byte-order mark', async () => {
    // "café" saved as Latin-1: the é is the single byte 0xe9, 26 bytes in.
    const latin1 = snapshotFile(Buffer.from('{"children": [], "x": "caf\xe9"}', 'latin1'));
    const refused = await cli('plan', '--snapshot', latin1, '--json');
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      `snapshot file ${latin1} is not valid UTF-8: the byte at offset 26 (0xe9)`,
    );
    expect(refused.stderr).toContain('save the file as UTF-8');
    const withBom = snapshotFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(bob)]));
    const accepted = await cli('plan', '--snapshot', withBom, '--json');
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout).shared[0].primaryAccountId).toBe('101');
  });

  it('refuses bad arguments with exit code 2', async () => {
    expect((await cli('plan')).code).toBe(2);
    expect((await cli('no-such-command')).code).toBe(2);
  });
});
