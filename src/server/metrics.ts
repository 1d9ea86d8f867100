// Counters the app exposes at GET /metrics in Prometheus' text format: runs by outcome, records written, API
// calls by provider and kind, webhooks accepted and refused. In memory, per process; they reset on restart.

type Labels = Record<string, string>;

interface Counter {
  help: string;
  values: Map<string, { labels: Labels; value: number }>;
}

const labelText = (labels: Labels) => {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}`;
};

export class Metrics {
  readonly #counters = new Map<string, Counter>();

  add(name: string, help: string, labels: Labels = {}, by = 1): void {
    let counter = this.#counters.get(name);
    if (!counter) {
      counter = { help, values: new Map() };
      this.#counters.set(name, counter);
    }
    const key = labelText(labels);
    const entry = counter.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    counter.values.set(key, entry);
  }

  text(): string {
    const lines: string[] = [];
    for (const [name, counter] of [...this.#counters].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# HELP ${name} ${counter.help}`, `# TYPE ${name} counter`);
      for (const [key, entry] of [...counter.values].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`${name}${key} ${entry.value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}
