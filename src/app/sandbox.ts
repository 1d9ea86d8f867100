import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type RunningHubspotSimulator, startHubspotSimulator } from '../../connectors/hubspot/simulator.ts';
import type { SandboxEndpoints } from '../../connectors/index.ts';
import { parseSnapshot } from '../core/index.ts';
import type { Config } from './config.ts';
import { DEMO_COMMUNITIES, DEMO_CORPORATE, demoSnapshot } from './demo-data.ts';
import type { Runtime } from './runtime.ts';

// Sandbox mode (no provider credentials): a local HubSpot simulator holds the demo tenant's CRM accounts; the
// app installs itself on them through its real OAuth routes, exactly as an admin's clicks would, and runs the
// first sync. The simulator lives in memory, so every start begins from the same demo data.

export interface Sandbox {
  simulator: RunningHubspotSimulator;
  endpoints: SandboxEndpoints;
}

export async function startSandboxCrm(config: Config): Promise<Sandbox> {
  const clientId = 'community-sync-sandbox';
  const clientSecret = config.HUBSPOT_CLIENT_SECRET ?? 'community-sync-sandbox-secret';
  const simulator = await startHubspotSimulator({
    snapshot: parseSnapshot(demoSnapshot()),
    clientId,
    clientSecret,
    // New lists are computed quickly here, so the first start can say who is in them.
    listProcessingMs: 300,
  });
  return {
    simulator,
    endpoints: { hubspotUrl: simulator.url, hubspotClientId: clientId, hubspotClientSecret: clientSecret },
  };
}

/** The cookies a response sets, as a browser would send them back (cleared ones left out). */
const cookieOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0] ?? '')
    .filter((pair) => !pair.endsWith('='))
    .join('; ');

/** Follows a consent link the way HubSpot's consent page would after the admin picks `portalId`. */
async function consent(authorizeUrl: string, portalId: string, cookie: string): Promise<Response> {
  const consentPage = new URL(authorizeUrl);
  consentPage.searchParams.set('portal', portalId);
  const toCallback = await fetch(consentPage, { redirect: 'manual' });
  const callback = toCallback.headers.get('location');
  if (toCallback.status !== 302 || !callback)
    throw new Error(`sandbox consent for ${portalId} failed (${toCallback.status})`);
  const answer = await fetch(callback, { redirect: 'manual', headers: { cookie } });
  if (answer.status !== 302)
    throw new Error(`sandbox connection of ${portalId} failed: ${await answer.text()}`);
  return answer;
}

/**
 * Installs the app on the demo corporate account and connects every community through the app's own OAuth
 * routes. On a later start the stored tenant is kept and its accounts reconnected (tokens refreshed).
 */
export async function installSandboxTenant(
  runtime: Runtime,
  appUrl: string,
  signInAs: (tenantId: string) => void,
): Promise<string> {
  const marker = join(resolve(runtime.config.DATA_DIR), 'sandbox-tenant');
  const known = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : null;
  let tenantId = known && (await runtime.store.tenants.get(known)) ? known : null;
  let cookie = '';
  if (!tenantId) {
    // The install is bound to the browser that started it by a flow cookie: carry it like a browser would.
    const install = await fetch(new URL('install/hubspot', appUrl), { redirect: 'manual' });
    const installed = await consent(
      install.headers.get('location') ?? '',
      DEMO_CORPORATE.id,
      cookieOf(install),
    );
    cookie = cookieOf(installed);
    const session = (await (await fetch(new URL('api/session', appUrl), { headers: { cookie } })).json()) as {
      tenantId: string;
    };
    tenantId = session.tenantId;
    writeFileSync(marker, `${tenantId}\n`);
    const { settings } = demoSnapshot();
    // Lists on before the communities connect: their consent grants the lists scopes (issue 12).
    await runtime.store.tenants.updateSettings(tenantId, { ...settings, segments: true });
  } else {
    signInAs(tenantId);
    // In sandbox mode the admin page signs the local visitor in to the demo tenant.
    cookie = cookieOf(await fetch(appUrl));
  }
  signInAs(tenantId);
  const accounts = known === tenantId ? [DEMO_CORPORATE, ...DEMO_COMMUNITIES] : DEMO_COMMUNITIES;
  for (const account of accounts) {
    const role = account.id === DEMO_CORPORATE.id ? 'corporate' : 'child';
    const link = await fetch(new URL(`api/tenants/${tenantId}/connect-links`, appUrl), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'hubspot', role }),
    });
    const { url } = (await link.json()) as { url: string };
    await consent(url, account.id, cookie);
  }
  await runtime.store.tenants.rename(tenantId, DEMO_CORPORATE.name);
  for (const account of await runtime.store.accounts.list(tenantId)) {
    const demo = [DEMO_CORPORATE, ...DEMO_COMMUNITIES].find((d) => d.id === account.accountId);
    if (demo && account.name !== demo.name)
      await runtime.store.accounts.rename(tenantId, account.id, demo.name);
  }
  return tenantId;
}

/**
 * How many people each community's "suppress" list holds once HubSpot (the simulator) has computed it, read as the
 * community's staff would (a `sandbox-<portal>` token); one line per community with the list.
 */
export async function suppressListLines(
  runtime: Runtime,
  simulator: RunningHubspotSimulator,
  tenantId: string,
  timeoutMs = 10_000,
): Promise<string[]> {
  const lines: string[] = [];
  for (const account of await runtime.store.accounts.list(tenantId)) {
    if (account.role !== 'child') continue;
    const { segments } = await runtime.store.segments.forAccount(tenantId, account.accountId);
    const suppress = segments.find((s) => s.key === 'secondary');
    if (!suppress) continue;
    const get = async (path: string) => {
      const answer = await fetch(new URL(path, simulator.url), {
        headers: { authorization: `Bearer sandbox-${account.accountId}` },
      });
      return answer.ok ? ((await answer.json()) as Record<string, unknown>) : null;
    };
    const until = Date.now() + timeoutMs;
    let list = await get(`/crm/v3/lists/${suppress.id}`);
    while (list && (list.list as { processingStatus?: string }).processingStatus !== 'COMPLETE') {
      if (Date.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
      list = await get(`/crm/v3/lists/${suppress.id}`);
    }
    if ((list?.list as { processingStatus?: string } | undefined)?.processingStatus !== 'COMPLETE') continue;
    let count = 0;
    let after: string | undefined;
    do {
      const page = await get(
        `/crm/v3/lists/${suppress.id}/memberships?limit=250${after ? `&after=${after}` : ''}`,
      );
      count += ((page?.results as unknown[]) ?? []).length;
      after = (page?.paging as { next?: { after?: string } } | undefined)?.next?.after;
    } while (after);
    lines.push(`  ${count} in ${account.name}'s "${suppress.name}" list`);
  }
  return lines;
}
