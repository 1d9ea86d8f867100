import { describe, expect, it } from 'vitest';
import { account, PIPELINE, tenant } from '../../test/support/snapshot-builder.ts';
import { compareStageRanks, rankPipeline, StageBook, type StageRank } from './stage-rank.ts';

const rank = (position: number, of: number): StageRank => ({ label: `s${position}`, position, of });

describe('2.3 rule 1: stage ranks', () => {
  it('orders stages by display order and drops lost stages', () => {
    const shuffled = { id: 'p', stages: [...PIPELINE.stages].reverse() };
    const ranks = rankPipeline(shuffled);
    expect(ranks.get('inq')).toEqual({ label: 'Inquiry', position: 0, of: 5 });
    expect(ranks.get('won')).toEqual({ label: 'Moved in', position: 4, of: 5 });
    expect(ranks.get('lost')).toBe('lost');
  });

  it('a lost stage in the middle of the order does not take a position', () => {
    const ranks = rankPipeline({
      id: 'p',
      stages: [
        { id: 'a', label: 'A', order: 0, outcome: null },
        { id: 'x', label: 'Lost early', order: 1, outcome: 'lost' },
        { id: 'b', label: 'B', order: 2, outcome: null },
      ],
    });
    expect(ranks.get('b')).toEqual({ label: 'B', position: 1, of: 2 });
  });

  it('pipelines of different lengths compare by i/(n-1), exactly: 1/3 equals 2/6', () => {
    expect(compareStageRanks(rank(1, 4), rank(2, 7))).toBe(0);
    expect(compareStageRanks(rank(2, 4), rank(3, 7))).toBeGreaterThan(0);
    expect(compareStageRanks(rank(1, 3), rank(3, 5))).toBeLessThan(0);
  });

  it('a one-stage pipeline ranks 1, the top of any other pipeline', () => {
    expect(compareStageRanks(rank(0, 1), rank(4, 5))).toBe(0);
    expect(compareStageRanks(rank(0, 1), rank(3, 5))).toBeGreaterThan(0);
  });

  it('any rank beats no deal, even the first stage', () => {
    expect(compareStageRanks(rank(0, 6), null)).toBeGreaterThan(0);
    expect(compareStageRanks(null, rank(0, 6))).toBeLessThan(0);
    expect(compareStageRanks(null, null)).toBe(0);
  });

  it('stages with the same display order are ordered by id, whatever order they are listed in', () => {
    const stages = [
      { id: 'b', label: 'B', order: 1, outcome: null },
      { id: 'a', label: 'A', order: 1, outcome: null },
    ];
    expect(rankPipeline({ id: 'p', stages }).get('a')).toMatchObject({ position: 0 });
    expect(rankPipeline({ id: 'p', stages: [...stages].reverse() }).get('a')).toMatchObject({ position: 0 });
  });
});

describe('2.3 rule 1: deals', () => {
  const { children } = tenant({ children: [account('A', [])] });
  const book = new StageBook(children[0] as (typeof children)[number]);

  it('a deal in a lost stage counts as no deal', () => {
    expect(book.stageOf({ id: 'd', pipelineId: 'p1', stageId: 'lost', contactIds: [] })).toEqual({
      rank: null,
    });
  });

  it('a deal in an unknown pipeline or stage is reported', () => {
    expect(book.stageOf({ id: 'd', pipelineId: 'nope', stageId: 'inq', contactIds: [] })).toHaveProperty(
      'unknown',
    );
    expect(book.stageOf({ id: 'd', pipelineId: 'p1', stageId: 'nope', contactIds: [] })).toHaveProperty(
      'unknown',
    );
  });
});
