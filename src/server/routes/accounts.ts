import { Router } from 'express';
import { z } from 'zod';
import { countryCode } from '../../core/settings.ts';
import { ACTIVE_STATUSES, type StoredAccount } from '../../store/store.ts';
import { adminOf, authorization, providerOf, type RouteContext, STATE_TTL_MS } from '../context.ts';
import { HttpError } from '../errors.ts';
import { withoutTokens } from './tenant.ts';

// A tenant's CRM accounts: connect links, approving or rejecting accounts that asked to join, disconnecting, and
// choosing the communities of a one-org Salesforce connection.

const connectLinkBody = z.union([
  z.strictObject({ provider: z.string(), role: z.enum(['child', 'corporate']).default('child') }),
  // Reconnect: a link whose consent refreshes this account's tokens.
  z.strictObject({ accountId: z.string().min(1) }),
]);
const accountPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    country: countryCode.nullable().optional(),
  })
  .refine((body) => body.name !== undefined || body.country !== undefined, 'send a name or a country');
const communitiesBody = z.strictObject({
  parentId: z.string().min(1),
  communityIds: z.array(z.string().min(1)).min(1),
});

export function accountRoutes(ctx: RouteContext): Router {
  const { store, deps } = ctx;
  const router = Router();

  const accountOf = async (tenantId: string, id: unknown): Promise<StoredAccount> => {
    const account = await store.accounts.get(tenantId, String(id));
    if (!account) throw new HttpError(404, 'no such account in this tenant');
    return account;
  };
  const pendingOf = async (tenantId: string, id: unknown): Promise<StoredAccount> => {
    const account = await accountOf(tenantId, id);
    if (account.status !== 'pending') {
      throw new HttpError(409, `${account.name} is not waiting for approval (it is ${account.status})`);
    }
    return account;
  };

  router.post('/connect-links', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const body = connectLinkBody.parse(request.body ?? {});
    if ('accountId' in body) {
      const account = await accountOf(tenantId, body.accountId);
      if (!ACTIVE_STATUSES.includes(account.status)) {
        throw new HttpError(409, `${account.name} is ${account.status}: connect it again with a new link`);
      }
      const state = { tenantId, role: account.role, accountId: account.id };
      const { url } = await authorization(ctx, account.provider, state);
      await store.admins.record(tenantId, admin, 'reconnect-link', { account: account.name });
      response.json({ url, expiresInMs: STATE_TTL_MS });
      return;
    }
    const provider = providerOf(deps, body.provider);
    const { url } = await authorization(ctx, provider, { tenantId, role: body.role });
    await store.admins.record(tenantId, admin, 'connect-link', { provider, role: body.role });
    response.json({ url, expiresInMs: STATE_TTL_MS });
  });

  // Rename (the name used in tags and sentences from the next run on) and the account's phone country.
  router.patch('/accounts/:accountId', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const body = accountPatch.parse(request.body ?? {});
    const account = await accountOf(tenantId, request.params.accountId);
    if (body.name !== undefined && body.name !== account.name) {
      await store.accounts.rename(tenantId, account.id, body.name);
      await store.admins.record(tenantId, admin, 'rename-account', { from: account.name, to: body.name });
    }
    if (body.country !== undefined && body.country !== account.country) {
      await store.accounts.setCountry(tenantId, account.id, body.country);
      await store.admins.record(tenantId, admin, 'account-country', {
        account: body.name ?? account.name,
        country: body.country,
      });
    }
    response.json({ account: withoutTokens(await accountOf(tenantId, account.id)) });
  });

  router.post('/accounts/:accountId/approve', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const account = await pendingOf(tenantId, request.params.accountId);
    await ctx.connections.approve(tenantId, account, admin);
    response.json({ account: withoutTokens(await accountOf(tenantId, account.id)) });
  });

  router.post('/accounts/:accountId/reject', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const account = await pendingOf(tenantId, request.params.accountId);
    await ctx.connections.reject(tenantId, account, admin);
    response.status(204).end();
  });

  router.delete('/accounts/:accountId', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const account = await accountOf(tenantId, request.params.accountId);
    await ctx.connections.disconnect(tenantId, account, admin);
    response.status(204).end();
  });

  // One org with one Account per community (Salesforce): list the org's Accounts, then say which is the corporate
  // parent and which are the communities. Each community becomes a child connection on the org's tokens.
  const innerAccounts = async (tenantId: string, accountId: unknown) => {
    const account = await accountOf(tenantId, accountId);
    if (account.status !== 'connected') throw new HttpError(409, `${account.name} is ${account.status}`);
    const connector = deps.connectorFor(account.provider);
    if (!connector.listInnerAccounts) {
      throw new HttpError(400, `${account.provider} accounts hold no communities to pick from`);
    }
    return { account, inner: await connector.listInnerAccounts(account, { logger: ctx.logger }) };
  };

  router.get('/accounts/:accountId/inner-accounts', async (request, response) => {
    const { tenantId } = adminOf(response);
    const { inner } = await innerAccounts(tenantId, request.params.accountId);
    response.json({ accounts: inner });
  });

  router.post('/accounts/:accountId/communities', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const body = communitiesBody.parse(request.body ?? {});
    const { account, inner } = await innerAccounts(tenantId, request.params.accountId);
    const byId = new Map(inner.map((a) => [a.id, a]));
    const unknown = [body.parentId, ...body.communityIds].filter((id) => !byId.has(id));
    if (unknown.length > 0) throw new HttpError(400, `not Accounts of this org: ${unknown.join(', ')}`);
    const parent = byId.get(body.parentId) as { name: string };
    await store.accounts.reconfigure(tenantId, account.id, {
      role: 'corporate',
      name: parent.name,
      details: { ...account.details, layout: 'one-org', salesforceAccountId: body.parentId },
    });
    for (const id of body.communityIds) {
      await store.accounts.save(tenantId, {
        provider: account.provider,
        externalId: id,
        role: 'child',
        name: (byId.get(id) as { name: string }).name,
        country: account.country,
        tokens: account.tokens,
        details: { ...account.details, layout: 'one-org', salesforceAccountId: id },
      });
    }
    await store.admins.record(tenantId, admin, 'choose-communities', {
      account: account.name,
      parent: parent.name,
      communities: body.communityIds.map((id) => byId.get(id)?.name ?? id),
    });
    response.json({ accounts: (await store.accounts.list(tenantId)).map(withoutTokens) });
  });

  return router;
}
