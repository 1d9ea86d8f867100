import type { Plan } from '../core/plan-types.ts';
import { modeWords } from '../core/settings.ts';
import type { Snapshot } from '../core/snapshot.ts';

/** The plan for a person to read: who is shared and why, what changes per account, then warnings. */
export function formatPlan(plan: Plan, snapshot: Snapshot): string {
  const words = modeWords(snapshot.settings.mode);
  const names = new Map(snapshot.children.map((c) => [c.id, c.name]));
  if (snapshot.corporate) names.set(snapshot.corporate.id, snapshot.corporate.name);
  const nameOf = (id: string) => names.get(id) ?? id;
  const lines: string[] = [];

  lines.push(`${plan.shared.length} shared contact${plan.shared.length === 1 ? '' : 's'}`);
  for (const person of plan.shared) {
    const members = person.members.map((m) => `${nameOf(m.accountId)} #${m.contactId}`).join(', ');
    lines.push(
      `- ${person.id} (${members})`,
      `  primary ${words.account.toLowerCase()}: ${nameOf(person.primaryAccountId)} [${person.reason}]`,
      `  ${person.explanation}`,
    );
  }

  lines.push('', `Tag changes: ${plan.children.length}`);
  let account: string | undefined;
  for (const c of plan.children) {
    if (c.accountId !== account) lines.push(`${nameOf(c.accountId)}:`);
    account = c.accountId;
    lines.push(`  #${c.contactId}: [${c.before.join(', ')}] -> [${c.after.join(', ')}]`);
  }

  lines.push(
    '',
    `Corporate account: ${plan.corporate.length} change${plan.corporate.length === 1 ? '' : 's'}`,
  );
  for (const action of plan.corporate) {
    if (action.action === 'create') {
      lines.push(
        `  create a copy of ${nameOf(action.from.accountId)} #${action.from.contactId}: [${action.after.join(', ')}]`,
      );
    } else {
      lines.push(
        `  update #${action.contactId}: [${action.before.join(', ')}] -> [${action.after.join(', ')}]`,
      );
    }
  }

  lines.push('', `Warnings: ${plan.warnings.length}`);
  for (const w of plan.warnings) {
    lines.push(`  ${w.code} in ${nameOf(w.accountId)}${w.contactId ? ` #${w.contactId}` : ''}: ${w.detail}`);
  }
  return lines.join('\n');
}
