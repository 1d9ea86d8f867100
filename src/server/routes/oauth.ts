import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { ConnectedIdentity, ProviderName } from '../../../connectors/connector.ts';
import type { Admin, InstallState, Tenant } from '../../store/store.ts';
import { authorization, providerOf, type RouteContext, redirectUri } from '../context.ts';
import { HttpError } from '../errors.ts';
import { html, page, providerName } from '../pages.ts';
import { sameOriginOnly } from '../security.ts';
import type { Session } from '../sessions.ts';

// Marketplace install, admin sign-in and account connection over OAuth. Installing and signing in are bound to
// the browser that started them (a flow cookie), so a link made elsewhere never silently replaces a session.
// Connect links stay shareable: one completed by anyone but the tenant's signed-in admin arrives as pending.

/** What someone who is not the tenant's admin sees after refreshing one of its accounts. */
const reconnectedPage = (what: string, tenant: Tenant) =>
  page(
    'Reconnected',
    html`<p>${what} is connected again to <strong>${tenant.name}</strong>'s Community Sync. You can close this window.</p>`,
  );

const callbackQuery = z.object({ code: z.string().min(1), state: z.string().min(1) });
const switchForm = z.object({ token: z.string().min(1) });

export function oauthRoutes(ctx: RouteContext): Router {
  const { deps, store, cookies, states } = ctx;
  const router = Router();

  // The listing's install button points to /install: the corporate admin authorises the app on the corporate
  // account. /signin is signing in again after the session ended: the provider proves the user belongs to it.
  for (const [path, role] of [
    ['/install/:provider', 'corporate'],
    ['/signin/:provider', 'signin'],
  ] as const) {
    router.get(path, async (request, response) => {
      const provider = providerOf(deps, request.params.provider);
      const { id, url } = await authorization(ctx, provider, { tenantId: null, role });
      cookies.startFlow(response, id);
      response.redirect(url);
    });
  }

  router.get('/oauth/:provider/callback', async (request, response) => {
    const provider = providerOf(deps, request.params.provider);
    const query = callbackQuery.safeParse(request.query);
    if (!query.success) {
      const denied = typeof request.query.error === 'string' ? ` (${request.query.error})` : '';
      throw new HttpError(400, `the authorisation did not complete${denied}: start again from the app`);
    }
    const stateId = states.verify(query.data.state);
    const state = stateId ? await store.installStates.consume(stateId, ctx.now()) : null;
    if (!state || state.provider !== provider) {
      throw new HttpError(
        400,
        'this connection link is invalid, already used or expired (links last 10 minutes): ask for a new one',
      );
    }
    const identity = await deps
      .connectorFor(provider)
      .exchangeCode({ code: query.data.code, redirectUri: redirectUri(deps, provider) });
    if (state.tenantId) return connect(request, response, state, identity);
    const tenant =
      state.role === 'signin' ? await signInTenant(provider, identity) : await install(provider, identity);
    const admin = await store.admins.seen(tenant.id, provider, identity.user);
    await store.admins.record(tenant.id, admin, state.role === 'signin' ? 'sign-in' : 'install', {
      provider,
      accountId: identity.accountId,
    });
    const session: Session = { tenantId: tenant.id, admin: admin.key };
    const current = cookies.session(request);
    if (cookies.startedFlow(request, response, state.id) || current?.tenantId === tenant.id) {
      if (current?.tenantId !== tenant.id || current.admin !== admin.key) cookies.signIn(response, session);
      response.redirect(state.role === 'signin' ? '/' : `/?installed=${encodeURIComponent(tenant.name)}`);
      return;
    }
    await confirmSwitch(response, session, tenant, admin.label, current);
  });

  /** A first install makes the tenant; installing again on its corporate account signs in to the same tenant. */
  async function install(provider: ProviderName, identity: ConnectedIdentity): Promise<Tenant> {
    const { tenant, created } = await store.tenants.forCorporateAccount(identity.name, {
      provider,
      accountId: identity.accountId,
    });
    const corporate = await store.accounts.byExternalId(tenant.id, identity.accountId);
    await store.accounts.save(tenant.id, {
      provider,
      externalId: identity.accountId,
      role: 'corporate',
      name: corporate?.name ?? identity.name,
      country: corporate?.country ?? null,
      tokens: identity.tokens,
      details: { ...corporate?.details, ...identity.details },
    });
    if (tenant.uninstalledAt) await store.tenants.setInstalled(tenant.id, true);
    ctx.logger.info(
      { tenantId: tenant.id, provider, created },
      created ? 'app installed' : 'app installed again',
    );
    return tenant;
  }

  /** Sign-in proves who the user is; its token is only used for that, never stored in place of the sync tokens. */
  async function signInTenant(provider: ProviderName, identity: ConnectedIdentity): Promise<Tenant> {
    const tenant = await store.tenants.byCorporateAccount({ provider, accountId: identity.accountId });
    if (!tenant || tenant.uninstalledAt) {
      throw new HttpError(
        403,
        `Community Sync is not installed on this ${providerName(provider)} account (${identity.accountId}): install it from the marketplace listing, on your corporate account`,
      );
    }
    return tenant;
  }

  async function connect(
    request: Request,
    response: Response,
    state: InstallState,
    identity: ConnectedIdentity,
  ) {
    const tenant = await store.tenants.get(state.tenantId as string);
    if (!tenant)
      throw new HttpError(400, 'this connection link belongs to no tenant any more: ask for a new one');
    const session = cookies.session(request);
    const admin = session?.tenantId === tenant.id ? await store.admins.get(tenant.id, session.admin) : null;
    if (state.accountId) return reconnect(response, tenant, state.accountId, identity, admin);
    const role = state.role === 'corporate' ? 'corporate' : 'child';
    const attached = await ctx.connections.attach(tenant.id, state.provider, role, identity, admin !== null);
    const { account } = attached;
    ctx.logger.info(
      { tenantId: tenant.id, accountId: account.id, provider: state.provider, outcome: attached.outcome },
      'account connection completed',
    );
    if (admin) {
      await store.admins.record(tenant.id, admin, 'connect-account', {
        account: account.name,
        provider: state.provider,
        accountId: account.accountId,
        role,
      });
      response.redirect(`/?connected=${encodeURIComponent(account.name)}`);
      return;
    }
    const what = `${account.name} (${providerName(state.provider)} account ${account.accountId})`;
    response.type('html').send(
      attached.outcome === 'pending'
        ? page(
            `Waiting for approval`,
            html`<p>${what} has asked to join <strong>${tenant.name}</strong>'s Community Sync.</p>
<p>Nothing is read from or written to it until an admin of ${tenant.name} approves it on the Community Sync admin page. You can close this window.</p>`,
          )
        : reconnectedPage(what, tenant),
    );
  }

  /** A Reconnect link: the consent must be for the account it names, whose tokens it then refreshes. */
  async function reconnect(
    response: Response,
    tenant: Tenant,
    accountId: string,
    identity: ConnectedIdentity,
    admin: Admin | null,
  ) {
    const account = await store.accounts.get(tenant.id, accountId);
    if (!account) throw new HttpError(400, 'the account this link reconnects is gone: ask for a new link');
    const refreshed = await ctx.connections.reconnect(tenant.id, account, identity);
    if (!refreshed) {
      throw new HttpError(
        400,
        `this link reconnects ${account.name} (${providerName(account.provider)} account ${account.accountId}), but the consent was given on account ${identity.accountId}: sign in to ${account.name} and use the link again`,
      );
    }
    ctx.logger.info({ tenantId: tenant.id, accountId: account.id }, 'account reconnected');
    if (admin) {
      await store.admins.record(tenant.id, admin, 'reconnect-account', { account: account.name });
      response.redirect(`/?reconnected=${encodeURIComponent(account.name)}`);
      return;
    }
    response.type('html').send(reconnectedPage(account.name, tenant));
  }

  async function confirmSwitch(
    response: Response,
    next: Session,
    tenant: Tenant,
    label: string | null,
    current: Session | null,
  ) {
    const currentTenant = current ? await store.tenants.get(current.tenantId) : null;
    const as = label ? html` as ${label}` : html``;
    response.type('html').send(
      page(
        'Confirm sign-in',
        html`<p>This sign-in was not started in this browser.</p>
${currentTenant ? html`<p>You are signed in to <strong>${currentTenant.name}</strong>'s Community Sync. Continuing signs you out of it.</p>` : html``}
<form method="post" action="/session/switch">
<input type="hidden" name="token" value="${cookies.switchToken(next)}">
<button class="primary" type="submit">Continue to ${tenant.name}'s Community Sync${as}</button>
<a href="/">${currentTenant ? html`Stay in ${currentTenant.name}` : html`Cancel`}</a>
</form>`,
      ),
    );
  }

  // The confirmation form above: same-origin only (a page elsewhere cannot submit it for the admin).
  router.post(
    '/session/switch',
    sameOriginOnly(deps.publicUrl, { json: false }),
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (request, response) => {
      const { token } = switchForm.parse(request.body ?? {});
      const session = cookies.fromSwitchToken(token);
      if (!session) throw new HttpError(400, 'this confirmation has expired: sign in again from the app');
      cookies.signIn(response, session);
      response.redirect('/');
    },
  );

  return router;
}
