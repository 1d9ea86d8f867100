import type { ChildAccount, Deal, Pipeline } from './snapshot.ts';

// DESIGN.md 2.3 rule 1: a deal's stage as a rank that compares across pipelines of different lengths.

/** Position `position` (0-based) of `of` stages that are not lost; its rank is position / (of - 1). */
export interface StageRank {
  label: string;
  position: number;
  of: number;
}

type StageVerdict = StageRank | 'lost';

/** Lost stages drop out; the rest are ranked by display order (ties by id, so the result never depends on input order). */
export function rankPipeline(pipeline: Pipeline): Map<string, StageVerdict> {
  const verdicts = new Map<string, StageVerdict>();
  const open = pipeline.stages.filter((stage) => stage.outcome !== 'lost');
  open.sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  open.forEach((stage, position) => {
    verdicts.set(stage.id, { label: stage.label, position, of: open.length });
  });
  for (const stage of pipeline.stages) if (stage.outcome === 'lost') verdicts.set(stage.id, 'lost');
  return verdicts;
}

/** Exact comparison of i/(n-1) with j/(m-1) by cross-multiplying; rank 1 when n = 1. Any rank beats none. */
export function compareStageRanks(a: StageRank | null, b: StageRank | null): number {
  if (a === null || b === null) return (a === null ? 0 : 1) - (b === null ? 0 : 1);
  const [aNum, aDen] = a.of === 1 ? [1, 1] : [a.position, a.of - 1];
  const [bNum, bDen] = b.of === 1 ? [1, 1] : [b.position, b.of - 1];
  return aNum * bDen - bNum * aDen;
}

export type DealStage = { rank: StageRank | null } | { unknown: string };

/** Looks up deals' stages in one child account's pipelines. */
export class StageBook {
  private readonly pipelines = new Map<string, Map<string, StageVerdict>>();

  constructor(account: ChildAccount) {
    for (const pipeline of account.pipelines) this.pipelines.set(pipeline.id, rankPipeline(pipeline));
  }

  /** A lost stage counts as no deal; an unknown pipeline or stage is reported. */
  stageOf(deal: Deal): DealStage {
    const stages = this.pipelines.get(deal.pipelineId);
    if (!stages)
      return { unknown: `its pipeline "${deal.pipelineId}" is not one of the account's pipelines` };
    const verdict = stages.get(deal.stageId);
    if (!verdict)
      return { unknown: `its stage "${deal.stageId}" is not a stage of pipeline "${deal.pipelineId}"` };
    return { rank: verdict === 'lost' ? null : verdict };
  }
}
