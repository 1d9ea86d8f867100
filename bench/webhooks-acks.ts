import { Agent, request } from 'node:http';
import { signedHeaders } from '../connectors/hubspot/simulator-webhooks.ts';

// bench:webhooks' webhook sender, in a process of its own as HubSpot's is (the bench's process holds a 1M-contact
// simulator whose collections would pause it): 100 signed POSTs of 100 events, 10 at a time, each timed from its
// send to its answer. The events are changes of the app's own tag property, so the app stores them before its
// 2xx and then drops them. argv: the webhook URL, the client secret, the portal ids (comma-separated). Prints the
// latencies (ms, in the order sent) and the CPU time it used sending them as one JSON object. Twenty such POSTs go
// first, untimed, to warm the sender and the server.
// HubSpot's sender runs on HubSpot's machines; this one shares the app's cores, so it is kept light: node:http on
// kept-alive connections (fetch took more CPU per POST than the app's whole answer).

const [url = '', secret = '', portalList = ''] = process.argv.slice(2);
const portals = portalList.split(',');
/** POSTs timed: 100 (the 10,000 events); ACK_POSTS sets more, to profile the server on a longer run. */
const POSTS = Number(process.env.ACK_POSTS ?? 100);
const acks: number[] = [];
let next = 0;
const at = Date.now();

async function send(n: number): Promise<void> {
  const events = Array.from({ length: 100 }, (_, i) => ({
    eventId: n * 100 + i + 1,
    subscriptionId: 9_001,
    portalId: Number(portals[n % portals.length]),
    appId: 424_242,
    occurredAt: at + n * 100 + i,
    subscriptionType: 'object.propertyChange',
    attemptNumber: 0,
    objectId: 50_000_000 + n * 100 + i,
    objectTypeId: '0-1',
    propertyName: 'community_sync_tags',
    propertyValue: 'secondary-shared-contact',
    changeSource: 'INTEGRATION',
    sourceId: '424242',
  }));
  const body = JSON.stringify(events);
  const sent = performance.now();
  const status = await post(body);
  acks[n] = performance.now() - sent;
  if (status >= 300) throw new Error(`webhook answered ${status}`);
}

const agent = new Agent({ keepAlive: true, maxSockets: 10 });
/** POSTs a body signed as HubSpot signs it; its status once the answer has been read. */
function post(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sending = request(url, {
      method: 'POST',
      agent,
      headers: { ...signedHeaders(url, secret, body), 'content-length': Buffer.byteLength(body) },
    });
    sending.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    sending.on('error', reject);
    sending.end(body);
  });
}

// Started before the bench lowered its own priority (which this process would have inherited: it times the app, so it
// competes for the cores as the app's own processes do), it waits for the bench's word to begin.
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.destroy();
// Warm: HubSpot's sender and the app have been running a while: their code for a 100-event POST is compiled and
// the sender holds a connection per request in flight. This sender and the server have just started, so twenty such
// POSTs go first, ten at a time, untimed (their events are stored too: numbers POSTS to POSTS + 19).
for (let round = 0; round < 2; round++)
  await Promise.all(Array.from({ length: 10 }, (_, i) => send(POSTS + round * 10 + i)));
acks.length = 0;
const cpu = process.cpuUsage();
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (next < POSTS) await send(next++);
  }),
);
const { user, system } = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ acks, cpuMs: Math.round((user + system) / 1_000) })}\n`);
agent.destroy();
