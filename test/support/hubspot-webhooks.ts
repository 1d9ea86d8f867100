import type { JobQueue, TenantJob } from '../../src/jobs/queue.ts';
import { hubspotSignature } from '../../webhooks/hubspot.ts';
import { CookieClient, stateOf } from './cookie-client.ts';

// Webhook tests over HTTP: deliveries signed as HubSpot signs them, a queue that only records what it is asked, and a
// tenant installed and connected through the app's OAuth routes as an admin would.

/** POSTs `body` to the app's HubSpot webhook, signed (v3) with a fresh timestamp unless given. */
export function signedWebhook(base: string, secret: string) {
  return (body: string, timestamp = String(Date.now())) => {
    const url = `${base}/webhooks/hubspot`;
    const signature = hubspotSignature(secret, { method: 'POST', url, rawBody: body, timestamp });
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': timestamp,
      },
      body,
    });
  };
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
