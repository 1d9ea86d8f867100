import type { PhoneVerdicts } from '../core/normalise.ts';
import { finishPlan, startPlan } from '../core/plan.ts';
import type { Plan } from '../core/plan-types.ts';
import type { Snapshot } from '../core/snapshot.ts';
import { phoneVerdicts } from './phone-verdicts.ts';

/**
 * The core's plan with phone numbers parsed on the other cores while this thread reads records, emails and
 * deals. Same result as `createPlan`.
 */
export async function planInParallel(
  snapshot: Snapshot,
  threading?: Parameters<typeof phoneVerdicts>[1],
): Promise<Plan> {
  return (await planWithVerdicts(snapshot, threading)).plan;
}

/**
 * The plan, and the phone verdicts the threads computed for it (undefined when there were too few numbers to
 * use threads), so that later work on the same numbers (storing keyed hashes) looks them up instead of parsing.
 */
export async function planWithVerdicts(
  snapshot: Snapshot,
  threading?: Parameters<typeof phoneVerdicts>[1],
): Promise<{ plan: Plan; verdicts: PhoneVerdicts | undefined }> {
  const pending = phoneVerdicts(snapshot, threading);
  const draft = startPlan(snapshot);
  const verdicts = await pending;
  return { plan: finishPlan(draft, verdicts), verdicts };
}
