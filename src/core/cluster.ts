import type { KeyColumn, RecordTable } from './match-keys.ts';
import type { MatchOn } from './settings.ts';

// DESIGN.md 2.2: which records are linked, transitively, into clusters.

/** Disjoint sets over record indices, with path halving and union by size. */
class UnionFind {
  private readonly parent: Int32Array;
  readonly size: Int32Array;

  constructor(count: number) {
    this.parent = new Int32Array(count);
    for (let i = 0; i < count; i++) this.parent[i] = i;
    this.size = new Int32Array(count).fill(1);
  }

  find(x: number): number {
    const parent = this.parent;
    let node = x;
    while (parent[node] !== node) {
      const grand = parent[parent[node] as number] as number;
      parent[node] = grand;
      node = grand;
    }
    return node;
  }

  union(a: number, b: number): void {
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return;
    if ((this.size[rootA] as number) < (this.size[rootB] as number)) [rootA, rootB] = [rootB, rootA];
    this.parent[rootB] = rootA;
    this.size[rootA] = (this.size[rootA] as number) + (this.size[rootB] as number);
  }
}

/** Links every record to the first record that carries the same (non-junk) key. */
function linkByKey(sets: UnionFind, column: KeyColumn, junk: Uint8Array, firstWithKey: Int32Array): void {
  const { start, list } = column;
  for (let r = 0; r + 1 < start.length; r++) {
    for (let i = start[r] as number; i < (start[r + 1] as number); i++) {
      const key = list[i] as number;
      if (junk[key]) continue;
      const first = firstWithKey[key] as number;
      if (first === -1) firstWithKey[key] = r;
      else sets.union(first, r);
    }
  }
}

/**
 * `email_and_phone` links two records that share an email key and also a phone key: exactly the records that
 * share an (email, phone) pair, so the pairs serve as link keys.
 */
function linkByPair(sets: UnionFind, table: RecordTable): void {
  const { emails, phones, junk } = table;
  const firstWithPair = new Map<string, number>();
  for (let r = 0; r + 1 < emails.start.length; r++) {
    for (let e = emails.start[r] as number; e < (emails.start[r + 1] as number); e++) {
      const email = emails.list[e] as number;
      if (junk[email]) continue;
      for (let p = phones.start[r] as number; p < (phones.start[r + 1] as number); p++) {
        const phone = phones.list[p] as number;
        if (junk[phone]) continue;
        const pair = `${email},${phone}`;
        const first = firstWithPair.get(pair);
        if (first === undefined) firstWithPair.set(pair, r);
        else sets.union(first, r);
      }
    }
  }
}

/** Clusters of two or more linked records, each as record indices in table order. */
export function clusterRecords(table: RecordTable, matchOn: MatchOn): number[][] {
  const records = table.accountOf.length;
  const sets = new UnionFind(records);
  if (matchOn === 'email_and_phone') linkByPair(sets, table);
  else {
    const firstWithKey = new Int32Array(table.keyText.length).fill(-1);
    if (matchOn !== 'phone') linkByKey(sets, table.emails, table.junk, firstWithKey);
    if (matchOn !== 'email') linkByKey(sets, table.phones, table.junk, firstWithKey);
  }

  const clusterOfRoot = new Map<number, number[]>();
  const clusters: number[][] = [];
  for (let r = 0; r < records; r++) {
    const root = sets.find(r);
    if ((sets.size[root] as number) < 2) continue;
    let cluster = clusterOfRoot.get(root);
    if (!cluster) {
      cluster = [];
      clusterOfRoot.set(root, cluster);
      clusters.push(cluster);
    }
    cluster.push(r);
  }
  return clusters;
}
