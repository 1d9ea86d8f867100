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
  const verdicts = phoneVerdicts(snapshot, threading);
  const draft = startPlan(snapshot);
  return finishPlan(draft, await verdicts);
}
