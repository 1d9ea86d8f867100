// Progress of long command-line work (a sync, a benchmark) on stderr: on a terminal, one line redrawn in place
// with a bar; otherwise plain lines, one when the phase changes and one as each account is pulled, so logs
// stay readable. It takes the run's progress events (phase, and per account what was pulled and written).

import type { AccountProgress, RunProgress as ProgressEvent } from '../sync/run-once.ts';

export type { AccountProgress, ProgressEvent };
export type ProgressPhase = ProgressEvent['phase'];

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const BAR = 20;
const count = (n: number) => n.toLocaleString('en-US');
const sum = (accounts: readonly AccountProgress[], pick: (a: AccountProgress) => number) =>
  accounts.reduce((n, a) => n + pick(a), 0);

/** What an event says in words, and how far along it is (null when the phase has no measure). */
export function describeProgress(event: ProgressEvent): { fraction: number | null; text: string } {
  const { accounts } = event;
  const pulled = accounts.filter((a) => a.pulled).length;
  const contacts = count(sum(accounts, (a) => a.contacts));
  const written = sum(accounts, (a) => a.written);
  const toWrite = sum(accounts, (a) => a.toWrite);
  switch (event.phase) {
    case 'pulling':
      return {
        fraction: accounts.length ? pulled / accounts.length : null,
        text: `pulling: ${pulled}/${accounts.length} accounts, ${contacts} contacts`,
      };
    case 'planning':
      return { fraction: null, text: `planning: ${contacts} contacts from ${pulled} accounts` };
    case 'writing':
      return toWrite > 0
        ? {
            fraction: Math.min(1, written / toWrite),
            text: `writing: ${count(written)}/${count(toWrite)} records`,
          }
        : { fraction: null, text: `writing: ${count(written)} records` };
    case 'done':
      return { fraction: 1, text: `done: ${count(written)} records written` };
  }
}

function bar(fraction: number | null): string {
  if (fraction === null) return `[${' '.repeat(BAR)}]     `;
  const filled = Math.round(fraction * BAR);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

export class ProgressDisplay {
  readonly #tty: boolean;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #phase: ProgressPhase | null = null;
  readonly #pulled = new Set<string>();
  #drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: { label?: string; now?: () => number; minIntervalMs?: number } = {},
  ) {
    this.#tty = stream.isTTY === true;
  }

  update(event: ProgressEvent): void {
    const phaseChanged = event.phase !== this.#phase;
    this.#phase = event.phase;
    const { fraction, text } = describeProgress(event);
    const label = this.options.label ? `${this.options.label} ` : '';
    if (!this.#tty) {
      for (const account of event.accounts) if (!account.pulled) this.#pulled.delete(account.accountId);
      const newlyPulled = event.accounts.filter((a) => a.pulled && !this.#pulled.has(a.accountId));
      for (const account of newlyPulled) {
        this.#pulled.add(account.accountId);
        this.stream.write(`${label}pulled ${account.name}: ${count(account.contacts)} contacts\n`);
      }
      if (phaseChanged) this.stream.write(`${label}${text}\n`);
      return;
    }
    // Redraws are throttled, but never a phase change or the end.
    const now = (this.options.now ?? Date.now)();
    if (!phaseChanged && event.phase !== 'done' && now - this.#lastDraw < (this.options.minIntervalMs ?? 100))
      return;
    this.#lastDraw = now;
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const line = `${label}${bar(fraction)} ${text}`.slice(0, width);
    this.stream.write(`\r${line}\u001b[K`);
    this.#drawn = true;
    if (event.phase === 'done') this.finish();
  }

  /** Ends the redrawn line, so what follows starts on a line of its own. */
  finish(): void {
    if (this.#tty && this.#drawn) this.stream.write('\n');
    this.#drawn = false;
  }
}
