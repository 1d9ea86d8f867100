import type { AccountConnection, Connector } from '../connectors/connector.ts';
import { type AccountProgress, ProgressDisplay, type ProgressPhase } from '../src/cli/progress.ts';

// A benchmark's progress on stderr, from its own sessions: each account's pull and the records written. Wrap the
// connector with `track` before the run; call `done` after it.

export class RunProgress {
  readonly #accounts = new Map<string, AccountProgress>();
  #phase: ProgressPhase = 'pulling';
  readonly #display: ProgressDisplay;

  constructor(label: string, accounts: readonly Pick<AccountConnection, 'accountId' | 'name'>[]) {
    this.#display = new ProgressDisplay(process.stderr, { label });
    for (const { accountId, name } of accounts)
      this.#accounts.set(accountId, { accountId, name, pulled: false, contacts: 0, written: 0, toWrite: 0 });
    this.#show();
  }

  /** Starts again, for a second run of the same accounts. */
  reset(): void {
    for (const account of this.#accounts.values())
      Object.assign(account, { pulled: false, contacts: 0, written: 0, toWrite: 0 });
    this.#phase = 'pulling';
    this.#show();
  }

  track(connector: Connector): Connector {
    return {
      ...connector,
      open: (connection, hooks) => {
        const session = connector.open(connection, hooks);
        const account = this.#accounts.get(connection.accountId);
        const pulled = <T extends { contacts: unknown[] }>(result: T): T => {
          if (account) Object.assign(account, { pulled: true, contacts: result.contacts.length });
          if ([...this.#accounts.values()].every((a) => a.pulled)) this.#phase = 'planning';
          this.#show();
          return result;
        };
        const written = <T extends { written: number }>(report: T): T => {
          if (account) account.written += report.written;
          this.#show();
          return report;
        };
        const writing = () => {
          this.#phase = 'writing';
          this.#show();
        };
        return {
          ...session,
          accountId: session.accountId,
          calls: () => session.calls(),
          ensureTagField: (options) => session.ensureTagField(options),
          readContactDetails: (ids) => session.readContactDetails(ids),
          pullChild: async () => pulled(await session.pullChild()),
          pullCorporate: async () => pulled(await session.pullCorporate()),
          applyTagChanges: async (changes) => {
            writing();
            return written(await session.applyTagChanges(changes));
          },
          applyCorporate: async (actions, plan) => {
            writing();
            return written(await session.applyCorporate(actions, plan));
          },
        };
      },
    };
  }

  done(): void {
    this.#phase = 'done';
    this.#show();
    this.#display.finish();
  }

  #show(): void {
    this.#display.update({ phase: this.#phase, accounts: [...this.#accounts.values()] });
  }
}
