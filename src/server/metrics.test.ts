import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.ts';

describe('metrics', () => {
  it('counts by labels and prints Prometheus text, one HELP and TYPE per counter', () => {
    const metrics = new Metrics();
    metrics.add('runs_total', 'Runs', { status: 'succeeded' });
    metrics.add('runs_total', 'Runs', { status: 'succeeded' });
    metrics.add('runs_total', 'Runs', { status: 'partial' });
    metrics.add('written_total', 'Written', {}, 30);
    expect(metrics.text()).toBe(
      [
        '# HELP runs_total Runs',
        '# TYPE runs_total counter',
        'runs_total{status="partial"} 1',
        'runs_total{status="succeeded"} 2',
        '# HELP written_total Written',
        '# TYPE written_total counter',
        'written_total 30',
        '',
      ].join('\n'),
    );
  });
});
