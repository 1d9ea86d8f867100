import type { MessagePort } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import { chunks } from '../core/chunks.ts';
import type { PhoneVerdicts } from '../core/normalise.ts';
import type { Plan } from '../core/plan-types.ts';
import {
  type ChildAccount,
  type Contact,
  type CorporateAccount,
  parseSnapshot,
  type SnapshotInput,
} from '../core/snapshot.ts';
import { planWithVerdicts } from './plan-in-parallel.ts';

// Planning a whole tenant takes seconds at scale (1.2 s at 40k contacts), all of it synchronous: on the server's
// thread it would stall every request. A plan of more than PLAN_THREAD_FROM contacts runs on a worker thread. The
// snapshot goes over in messages of CHUNK contacts and the plan comes back the same way, so no single structured
// clone holds the event loop for long; smaller plans (and tests that ask for it) are planned here.

/** Below this many contacts a plan is quicker here than the thread's start. */
export const PLAN_THREAD_FROM = 5_000;
/** Contacts (or plan entries) per message: each clone takes a few milliseconds. */
const CHUNK = 2_000;

/** A snapshot as connectors build it: checked against the contract where it is planned. */
export type SnapshotParts = Pick<SnapshotInput, 'settings' | 'suppressed'> & {
  children: readonly ChildAccount[];
  corporate: CorporateAccount | null;
};

type Outline = Pick<SnapshotInput, 'settings' | 'suppressed'> & {
  children: Omit<ChildAccount, 'contacts'>[];
  corporate: Omit<CorporateAccount, 'contacts'> | null;
};

type ToThread =
  | { kind: 'outline'; outline: Outline }
  | { kind: 'contacts'; account: number; contacts: Contact[] }
  | { kind: 'plan' };

type FromThread =
  | { kind: 'part'; field: 'shared' | 'children' | 'corporate' | 'warnings' | 'tagOptions'; items: unknown[] }
  | { kind: 'verdicts'; country: string; entries: [string, string | null][] }
  | { kind: 'done' }
  | { kind: 'failed'; message: string };

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The thread's side: assembles snapshots, plans them, sends plans back in parts. */
export function answerPlans(port: MessagePort | null): void {
  if (!port) return;
  let outline: Outline | null = null;
  let contacts: Contact[][] = [];
  port.on('message', async (message: ToThread) => {
    if (message.kind === 'outline') {
      outline = message.outline;
      contacts = [...outline.children, ...(outline.corporate ? [outline.corporate] : [])].map(() => []);
      return;
    }
    if (message.kind === 'contacts') {
      contacts[message.account]?.push(...message.contacts);
      return;
    }
    try {
      if (!outline) throw new Error('a plan was asked for before its snapshot');
      const children = outline.children.map((child, i) => ({ ...child, contacts: contacts[i] ?? [] }));
      const corporate = outline.corporate
        ? { ...outline.corporate, contacts: contacts[children.length] ?? [] }
        : null;
      const { plan, verdicts } = await planWithVerdicts(parseSnapshot({ ...outline, children, corporate }));
      const send = (reply: FromThread) => port.postMessage(reply);
      for (const field of ['shared', 'children', 'corporate', 'warnings', 'tagOptions'] as const)
        for (const items of chunks<unknown>(plan[field], CHUNK)) send({ kind: 'part', field, items });
      for (const [country, texts] of verdicts ?? [])
        for (const entries of chunks([...texts], CHUNK)) send({ kind: 'verdicts', country, entries });
      send({ kind: 'done' });
    } catch (error) {
      port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  });
}

/** The plan of a snapshot on a worker thread (where it is also checked), with the phone verdicts computed for it. */
export async function planOnThread(
  snapshot: SnapshotParts,
): Promise<{ plan: Plan; verdicts: PhoneVerdicts | undefined }> {
  const worker = new Worker(new URL('./plan-worker.js', import.meta.url));
  try {
    const plan: Plan = { shared: [], children: [], corporate: [], warnings: [], tagOptions: [] };
    const verdicts = new Map<string, Map<string, string | null>>();
    const finished = new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: FromThread) => {
        if (reply.kind === 'part') (plan[reply.field] as unknown[]).push(...reply.items);
        else if (reply.kind === 'verdicts') {
          const known = verdicts.get(reply.country) ?? new Map<string, string | null>();
          for (const [text, key] of reply.entries) known.set(text, key);
          verdicts.set(reply.country, known);
        } else if (reply.kind === 'done') resolve();
        else reject(new Error(`planning failed on its thread: ${reply.message}`));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the planning thread stopped (exit code ${code})`)));
    });
    const { children, corporate, ...rest } = snapshot;
    const outline: Outline = {
      ...rest,
      children: children.map(({ contacts: _, ...child }) => child),
      corporate: corporate ? (({ contacts: _, ...c }) => c)(corporate) : null,
    };
    worker.postMessage({ kind: 'outline', outline } satisfies ToThread);
    const accounts = [...children, ...(corporate ? [corporate] : [])];
    for (const [account, { contacts }] of accounts.entries()) {
      for (const chunk of chunks(contacts, CHUNK)) {
        worker.postMessage({ kind: 'contacts', account, contacts: chunk } satisfies ToThread);
        await pause();
      }
    }
    worker.postMessage({ kind: 'plan' } satisfies ToThread);
    await finished;
    return { plan, verdicts: verdicts.size > 0 ? verdicts : undefined };
  } finally {
    await worker.terminate();
  }
}

/**
 * Where runs check and plan a snapshot: on a thread past PLAN_THREAD_FROM contacts (unless `onThread` says
 * otherwise), else here. Throws the core's ValidationError (here) or an Error naming it (from the thread).
 */
export async function planOffTheLoop(
  snapshot: SnapshotParts,
  options: { onThread?: boolean } = {},
): Promise<{ plan: Plan; verdicts: PhoneVerdicts | undefined }> {
  const contacts = snapshot.children.reduce(
    (n, c) => n + c.contacts.length,
    snapshot.corporate?.contacts.length ?? 0,
  );
  const onThread = options.onThread ?? contacts >= PLAN_THREAD_FROM;
  return onThread ? planOnThread(snapshot) : planWithVerdicts(parseSnapshot(snapshot));
}
