import type { Store } from '../../store/store.ts';
import type { ServerDeps } from '../context.ts';
import { accountNames, latestPeopleRun, type PersonView, personView, recordUrlOf } from '../run-view.ts';

// Where an export gets a run's shared people from: the people each run stored (run_people), in the same shape the
// admin page's table shows them, so the file and the page agree.

export type ExportPerson = PersonView;
export type ExportMember = PersonView['members'][number];

export interface PeopleSource {
  /** The run an export is for: `latest` is the run the page shows by default; null when it has no people kept. */
  run(tenantId: string, run: number | 'latest'): Promise<{ id: number } | null>;
  people(tenantId: string, runId: number): Promise<ExportPerson[]>;
}

/** People read from the store a page at a time (the export holds them all, as it holds the file). */
const PAGE = 5_000;

export function storedPeopleSource(store: Store, deps: Pick<ServerDeps, 'connectorFor'>): PeopleSource {
  return {
    async run(tenantId, run) {
      const found =
        run === 'latest' ? await latestPeopleRun(store, tenantId) : await store.runs.get(tenantId, run);
      return found && (await store.people.has(tenantId, found.id)) ? { id: found.id } : null;
    },
    async people(tenantId, runId) {
      const names = await accountNames(store, tenantId);
      const urlOf = recordUrlOf(deps, names);
      const people: ExportPerson[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await store.people.list(tenantId, runId, {
          sort: 'name',
          dir: 'asc',
          limit: PAGE,
          offset,
        });
        people.push(...page.people.map((p) => personView(p, names, urlOf)));
        if (page.people.length < PAGE) return people;
      }
    },
  };
}
