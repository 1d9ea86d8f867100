import type { AccountSession, SegmentState } from '../../connectors/connector.ts';
import { type Settings, segmentSpecs, type Warning } from '../core/index.ts';
import type { SegmentProblem, Store } from '../store/store.ts';

// Issue 12: after a real run has written its tags, each readable child account is asked to make sure the app's
// lists exist (connectors/connector.ts ensureSegments). What the connector reports is stored per account; its
// warnings become run warnings, one per kind per account. Never in previews; nothing when the setting is off.

/** Checks one child account's lists and returns the run's warnings for it. */
export type SegmentKeeper = (accountId: string, session: AccountSession) => Promise<Warning[]>;

const sameList = (a: SegmentState, b: SegmentState) =>
  a.key === b.key && (a.object ?? '') === (b.object ?? '');

/** The keeper for a tenant's run; undefined when the setting is off (existing lists are left as they are). */
export async function segmentKeeper(
  store: Store,
  tenantId: string,
  settings: Settings,
): Promise<SegmentKeeper | undefined> {
  if (!settings.segments) return undefined;
  const generation = await store.segments.generation(tenantId);
  const specs = segmentSpecs(settings);
  return async (accountId, session) => {
    if (!session.ensureSegments) return [];
    const stored = await store.segments.forAccount(tenantId, accountId);
    // Only the first run after the admin turned the setting off and on makes a deleted list again.
    const recreateMissing = stored.generation !== null && stored.generation < generation;
    let report: Awaited<ReturnType<NonNullable<AccountSession['ensureSegments']>>>;
    try {
      report = await session.ensureSegments({ specs, known: stored.segments, recreateMissing });
    } catch (error) {
      return [
        {
          code: 'segments-failed',
          accountId,
          detail: `the lists could not be checked: ${error instanceof Error ? error.message : String(error)}`,
        },
      ];
    }
    // A known list the connector did not find stays known, so it is not made again until the setting is toggled.
    const kept = stored.segments.filter((s) => !report.segments.some((found) => sameList(found, s)));
    const problem =
      report.warnings.find((w): w is typeof w & { code: SegmentProblem } => w.code !== 'segments-missing')
        ?.code ?? null;
    await store.segments.save(tenantId, accountId, {
      segments: [...report.segments, ...kept],
      generation,
      problem,
    });
    const seen = new Set<string>();
    return report.warnings.flatMap((w) => {
      if (seen.has(w.code)) return [];
      seen.add(w.code);
      const more = report.warnings.filter((o) => o.code === w.code).length - 1;
      return [{ code: w.code, accountId, detail: more > 0 ? `${w.detail} (and ${more} more)` : w.detail }];
    });
  };
}
