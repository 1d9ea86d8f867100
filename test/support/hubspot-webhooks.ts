import { postSigned } from '../../connectors/hubspot/simulator-webhooks.ts';
import type { JobQueue, TenantJob } from '../../src/jobs/queue.ts';
import { CookieClient, stateOf } from './cookie-client.ts';

// Webhook tests over HTTP: deliveries signed as HubSpot signs them, a queue that only records what it is asked, and a
// tenant installed and connected through the app's OAuth routes as an admin would.

/** POSTs `body` to the app's HubSpot webhook, signed (v3) with a fresh timestamp unless given. */
export function signedWebhook(base: string, secret: string) {
  return (body: string, timestamp?: string) =>
    postSigned(`${base}/webhooks/hubspot`, secret, body, timestamp);
}

export function recordingQueue(): { queue: JobQueue; enqueued: TenantJob[] } {
  const enqueued: TenantJob[] = [];
  return {
    enqueued,
    queue: {
      enqueue: async (job) => void enqueued.push(job),
      waiting: async () => [],
      close: async () => {},
    },
  };
}

/** Installs the app on `corporate` and connects `children` (MemoryProvider account ids); signed in as its admin. */
export async function installTenant(
  base: string,
  corporate: string,
  children: readonly string[],
): Promise<{ admin: CookieClient; tenantId: string }> {
  const admin = new CookieClient(base);
  const started = await admin.get('/install/hubspot');
  await admin.get(
    `/oauth/hubspot/callback?code=code-${corporate}&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
  );
  const { tenantId } = (await (await admin.get('/api/session')).json()) as { tenantId: string };
  for (const child of children) {
    const link = await admin.send('POST', `/api/tenants/${tenantId}/connect-links`, { provider: 'hubspot' });
    const { url } = (await link.json()) as { url: string };
    await admin.get(`/oauth/hubspot/callback?code=code-${child}&state=${encodeURIComponent(stateOf(url))}`);
  }
  return { admin, tenantId };
}
