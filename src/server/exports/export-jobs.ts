import { randomUUID } from 'node:crypto';
import { ConnectorError, type Logger } from '../../../connectors/connector.ts';
import { inPool } from '../../../connectors/shared/concurrency.ts';
import { chunks } from '../../core/index.ts';
import type { Store, StoredAccount } from '../../store/store.ts';
import { accountHooks, type ConnectorFor } from '../../sync/run-tenant.ts';
import { HttpError } from '../errors.ts';
import { exportLines, type LiveDetails } from './csv.ts';
import type { PeopleSource } from './people-source.ts';

// Export jobs of this process: a run's shared people with their emails and phones read live from each CRM,
// account by account in slices (progress is the records read). The details and the CSV live in memory only: the
// details until the file is made, the file until its first download or EXPORT_TTL_MS after it is ready.

export const EXPORT_TTL_MS = 10 * 60 * 1000;
/** Record ids per readContactDetails call: the connector batches within, progress moves after each. */
export const DETAILS_SLICE = 500;
/** Accounts read at once (each under its own provider limits). */
const ACCOUNTS_AT_ONCE = 4;

export interface ExportWarning {
  accountId: string;
  accountName: string;
  message: string;
}

export interface ExportView {
  exportId: string;
  runId: number;
  status: 'running' | 'ready' | 'failed';
  done: number;
  total: number;
  /** Why the export failed as a whole. */
  error?: string;
  /** Accounts whose emails and phones could not be read: their rows have none. */
  warnings: ExportWarning[];
}

interface ExportJob extends ExportView {
  tenantId: string;
  csv: Buffer | null;
  fileName: string;
}

export interface ExportDeps {
  store: Store;
  people: PeopleSource;
  connectorFor: ConnectorFor;
  logger: Logger;
  now: () => Date;
  /** Runs `drop` once the file has waited long enough (a timer that keeps no process alive, by default). */
  later?: (drop: () => void, ms: number) => void;
}

const unrefTimer = (drop: () => void, ms: number) => {
  setTimeout(drop, ms).unref();
};

/** The export's date in the tenant's time zone, for the file name. */
function dateIn(timeZone: string, at: Date): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone }).format(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
}

const viewOf = ({ tenantId: _t, csv: _c, fileName: _f, ...view }: ExportJob): ExportView => ({
  ...view,
  warnings: [...view.warnings],
});

export class ExportJobs {
  readonly #jobs = new Map<string, ExportJob>();

  constructor(private readonly deps: ExportDeps) {}

  /** Starts an export of `run`; 404 when the tenant has no such run, 409 while another of its exports runs. */
  async start(tenantId: string, run: number | 'latest'): Promise<ExportView> {
    this.#refuseSecond(tenantId);
    const found = await this.deps.people.run(tenantId, run);
    if (!found)
      throw new HttpError(
        404,
        run === 'latest'
          ? 'this tenant has no finished run to export yet: run a sync first'
          : `no run ${run} with people to export in this tenant`,
      );
    const tenant = await this.deps.store.tenants.get(tenantId);
    this.#refuseSecond(tenantId);
    const zone = tenant?.settings.schedule.timeZone ?? 'UTC';
    const job: ExportJob = {
      exportId: randomUUID(),
      tenantId,
      runId: found.id,
      status: 'running',
      done: 0,
      total: 0,
      warnings: [],
      csv: null,
      fileName: `community-sync-shared-people-run-${found.id}-${dateIn(zone, this.deps.now())}.csv`,
    };
    this.#jobs.set(job.exportId, job);
    this.#run(job).catch((error: unknown) => {
      job.status = 'failed';
      job.error = error instanceof Error ? error.message : String(error);
      this.deps.logger.error({ tenantId, exportId: job.exportId }, 'export failed');
      this.#dropLater(job);
    });
    return viewOf(job);
  }

  view(tenantId: string, exportId: string): ExportView | null {
    const job = this.#jobs.get(exportId);
    return job && job.tenantId === tenantId ? viewOf(job) : null;
  }

  /** The file, once: a downloaded export is gone. */
  download(tenantId: string, exportId: string): { csv: Buffer; fileName: string } {
    const job = this.#jobs.get(exportId);
    if (!job || job.tenantId !== tenantId)
      throw new HttpError(404, 'no such export: a file is kept for one download, at most 10 minutes');
    if (job.status === 'running') throw new HttpError(409, 'the export is not ready yet');
    if (job.status === 'failed' || !job.csv) throw new HttpError(409, `the export failed: ${job.error}`);
    this.#jobs.delete(exportId);
    return { csv: job.csv, fileName: job.fileName };
  }

  #refuseSecond(tenantId: string): void {
    for (const job of this.#jobs.values())
      if (job.tenantId === tenantId && job.status === 'running')
        throw new HttpError(409, 'an export of this tenant is already running: wait for it to be ready');
  }

  #dropLater(job: ExportJob): void {
    (this.deps.later ?? unrefTimer)(() => {
      if (this.#jobs.get(job.exportId) === job) this.#jobs.delete(job.exportId);
    }, EXPORT_TTL_MS);
  }

  async #run(job: ExportJob): Promise<void> {
    const { store, logger } = this.deps;
    const people = await this.deps.people.people(job.tenantId, job.runId);
    const accounts = new Map((await store.accounts.list(job.tenantId)).map((a) => [a.accountId, a]));
    const idsByAccount = new Map<string, Set<string>>();
    for (const person of people)
      for (const member of person.members) {
        const ids = idsByAccount.get(member.accountId) ?? new Set<string>();
        ids.add(member.recordId);
        idsByAccount.set(member.accountId, ids);
      }
    job.total = [...idsByAccount.values()].reduce((sum, ids) => sum + ids.size, 0);

    const details = new Map<string, LiveDetails>();
    const key = (accountId: string, recordId: string) => `${accountId}\u0000${recordId}`;
    await inPool([...idsByAccount], ACCOUNTS_AT_ONCE, async ([accountId, idSet]) => {
      const ids = [...idSet];
      const account = accounts.get(accountId);
      let read = 0;
      try {
        const session = this.#open(job.tenantId, accountId, account);
        for (const slice of chunks(ids, DETAILS_SLICE)) {
          for (const found of await session.readContactDetails(slice))
            details.set(key(accountId, found.id), { emails: found.emails, phones: found.phones });
          read += slice.length;
          job.done += slice.length;
        }
      } catch (error) {
        job.done += ids.length - read;
        const message =
          error instanceof ConnectorError
            ? error.providerMessage
            : error instanceof Error
              ? error.message
              : String(error);
        job.warnings.push({ accountId, accountName: account?.name ?? accountId, message });
        // Never the details, nor the provider's words (they may quote a record): which account, and the kind.
        logger.warn(
          {
            tenantId: job.tenantId,
            exportId: job.exportId,
            accountId,
            kind: error instanceof ConnectorError ? error.kind : 'error',
          },
          'export could not read an account',
        );
      }
    });
    const lines = exportLines(people, (accountId, recordId) => details.get(key(accountId, recordId)));
    details.clear();
    // A byte order mark, so spreadsheet programs open the file as UTF-8.
    job.csv = Buffer.from(`\ufeff${lines.join('')}`, 'utf8');
    job.status = 'ready';
    this.#dropLater(job);
  }

  #open(tenantId: string, accountId: string, account: StoredAccount | undefined) {
    if (!account)
      throw new ConnectorError(
        'rejected',
        accountId,
        'read contact details',
        'the account is no longer connected',
      );
    if (account.status === 'needs-reconnect')
      throw new ConnectorError(
        'auth-revoked',
        accountId,
        'read contact details',
        'the account needs to be reconnected by an admin',
      );
    return this.deps
      .connectorFor(account.provider)
      .open(account, accountHooks(this.deps.store, tenantId, account, this.deps.logger));
  }
}
