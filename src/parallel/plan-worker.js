// Worker thread: a whole plan (records, keys, clusters, rules) off the server's thread. Plain JavaScript, like
// phone-worker.js, so the thread can start without a TypeScript loader; it registers tsx itself to load the core.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { answerPlans } = await import('./plan-thread.ts');
answerPlans(parentPort);
