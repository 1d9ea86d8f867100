import type { Pipeline } from '../../src/core/index.ts';

// Opportunity stages as one pipeline, in Salesforce's display order (SortOrder).

export interface StageRow {
  ApiName: string;
  MasterLabel: string;
  SortOrder: number | null;
  IsClosed: boolean;
  IsWon: boolean;
  IsActive: boolean;
}

export const PIPELINE_ID = 'opportunity';

/** Active stages, plus inactive ones that an opportunity still sits in. */
export function stagePipeline(rows: readonly StageRow[], usedStages: ReadonlySet<string>): Pipeline {
  const stages = rows
    .filter((row) => row.IsActive || usedStages.has(row.ApiName))
    .sort((a, b) => (a.SortOrder ?? 0) - (b.SortOrder ?? 0) || a.ApiName.localeCompare(b.ApiName))
    .map((row, order) => ({
      id: row.ApiName,
      label: row.MasterLabel,
      order,
      outcome: row.IsClosed ? (row.IsWon ? ('won' as const) : ('lost' as const)) : null,
    }));
  return { id: PIPELINE_ID, label: 'Opportunity stages', stages };
}
