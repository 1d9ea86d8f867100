import { postSigned } from '../connectors/hubspot/simulator-webhooks.ts';

// bench:webhooks' webhook sender, in a process of its own as HubSpot's is (the bench's process holds a 1M-contact
// simulator whose collections would pause it): 100 signed POSTs of 100 events, 10 at a time, each timed from its
// send to its answer. The events are changes of the app's own tag property, so the app stores them before its
// 2xx and then drops them. argv: the webhook URL, the client secret, the portal ids (comma-separated). Prints the
// latencies (ms, in the order sent) as one JSON array. Twenty such POSTs go first, untimed, to warm the sender and the server.

const [url = '', secret = '', portalList = ''] = process.argv.slice(2);
const portals = portalList.split(',');
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
  const response = await postSigned(url, secret, body);
  await response.arrayBuffer();
  acks[n] = performance.now() - sent;
  if (response.status >= 300) throw new Error(`webhook answered ${response.status}`);
}

// Warm: HubSpot's sender and the app have been running a while: their code for a 100-event POST is compiled and
// the sender holds a connection per request in flight. This sender and the server have just started, so twenty such
// POSTs go first, ten at a time, untimed (their events are stored too: numbers 100 to 119).
for (let round = 0; round < 2; round++)
  await Promise.all(Array.from({ length: 10 }, (_, i) => send(100 + round * 10 + i)));
acks.length = 0;
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (next < 100) await send(next++);
  }),
);
process.stdout.write(`${JSON.stringify(acks)}\n`);
