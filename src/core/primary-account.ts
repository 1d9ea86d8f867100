import type { Reason } from './plan-types.ts';
import type { Mode } from './settings.ts';
import { compareStageRanks, type StageRank } from './stage-rank.ts';

// DESIGN.md 2.3: the primary account of a shared person, and a sentence saying why.

/** What one child account knows of the person (its records in the cluster, combined). */
export interface AccountStanding {
  /** Position in the tenant's list of child accounts (connection order). */
  order: number;
  accountId: string;
  name: string;
  /** The best stage of any deal on the account's records; null for none. */
  deal: StageRank | null;
  conversions: number;
  /** Earliest first conversion, epoch ms; null for none. */
  firstConversionAt: number | null;
  /** Earliest record creation, epoch ms. */
  createdAt: number;
}

export interface PrimaryDecision {
  primary: AccountStanding;
  reason: Reason;
  explanation: string;
}

interface Rule {
  reason: Reason;
  /** Positive when `a` is better than `b`. */
  compare(a: AccountStanding, b: AccountStanding): number;
  /** The sentence once `winner` alone is left of `contenders`; `deal` is the mode's word for a deal. */
  explain(winner: AccountStanding, others: AccountStanding[], deal: string): string;
}

const earlierFirst = (a: number | null, b: number | null) =>
  a === null || b === null ? (a === null ? 0 : 1) - (b === null ? 0 : 1) : b - a;

const RULES: Rule[] = [
  {
    reason: 'deal-stage',
    compare: (a, b) => compareStageRanks(a.deal, b.deal),
    explain: (winner, others, deal) =>
      `its ${deal} is at ${describeStage(winner.deal, deal)}, ${others.map((o) => (o.deal ? `${o.name}'s at ${describeStage(o.deal, deal)}` : `${o.name} has no open ${deal}`)).join(', ')}`,
  },
  {
    reason: 'conversions',
    compare: (a, b) => a.conversions - b.conversions,
    explain: (winner, others) =>
      `it has ${plural(winner.conversions, 'conversion')}, ${others.map((o) => `${o.name} ${o.conversions}`).join(', ')}`,
  },
  {
    reason: 'first-conversion',
    compare: (a, b) => earlierFirst(a.firstConversionAt, b.firstConversionAt),
    explain: (winner, others) => {
      const all = [winner, ...others].map((s) => s.firstConversionAt);
      return `it converted first, on ${when(winner.firstConversionAt, all)}, ${others.map((o) => (o.firstConversionAt === null ? `${o.name} never` : `${o.name} on ${when(o.firstConversionAt, all)}`)).join(', ')}`;
    },
  },
  {
    reason: 'created',
    compare: (a, b) => earlierFirst(a.createdAt, b.createdAt),
    explain: (winner, others) => {
      const all = [winner, ...others].map((s) => s.createdAt);
      return `its record was created first, on ${when(winner.createdAt, all)}, ${others.map((o) => `${o.name}'s on ${when(o.createdAt, all)}`).join(', ')}`;
    },
  },
];

/** What a deal is called in the sentences: the mode's word (DESIGN.md section 1: Senior Living says Prospect). */
export const dealWord = (mode: Mode): string => (mode === 'senior-living' ? 'prospect' : 'deal');

/** Each rule keeps only the accounts best under it; the rule that leaves one account is the reason. */
export function choosePrimary(standings: readonly AccountStanding[], deal = 'deal'): PrimaryDecision {
  let contenders = [...standings].sort((a, b) => a.order - b.order);
  if (contenders.length === 0) throw new Error('choosePrimary needs at least one account');
  for (const rule of RULES) {
    const best = contenders.reduce((top, s) => (rule.compare(s, top) > 0 ? s : top));
    const kept = contenders.filter((s) => rule.compare(s, best) === 0);
    if (kept.length === 1) {
      const others = contenders.filter((s) => s !== best);
      return {
        primary: best,
        reason: rule.reason,
        explanation: `${best.name} is primary: ${rule.explain(best, others, deal)}`,
      };
    }
    contenders = kept;
  }
  const [first, ...others] = contenders as [AccountStanding, ...AccountStanding[]];
  return {
    primary: first,
    reason: 'order',
    explanation: `${first.name} is primary: nothing else tells ${others.length > 1 ? 'them' : 'the two'} apart, and it was connected before ${others.map((o) => o.name).join(', ')}`,
  };
}

function describeStage(rank: StageRank | null, deal: string): string {
  return rank ? `'${rank.label}' (${rank.position + 1} of ${rank.of})` : `no open ${deal}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A date, or a UTC date-time when the date alone would not tell the values apart. */
function when(ms: number | null, all: (number | null)[]): string {
  if (ms === null) return 'never';
  const iso = new Date(ms).toISOString();
  const day = iso.slice(0, 10);
  const sameDay = all.some(
    (other) => other !== null && other !== ms && new Date(other).toISOString().slice(0, 10) === day,
  );
  return sameDay ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : day;
}
