import type { ConnectedIdentity, Logger, ProviderName, Tokens } from '../../connectors/connector.ts';
import { ACTIVE_STATUSES, type Admin, type Store, type StoredAccount } from '../store/store.ts';
import type { ConnectorFor } from '../sync/run-tenant.ts';

// What happens to a tenant's CRM accounts when someone completes a connection, and when access ends. The rule that
// keeps someone else's CRM out of a tenant: only the tenant's signed-in admin connects an account outright;
// anyone else holding a shared link connects it as `pending`, and nothing reads or writes it until an admin
// approves. Access ends at the provider too: disconnecting, rejecting and uninstalling revoke the tokens.

export type Attached =
  | { outcome: 'connected'; account: StoredAccount }
  | { outcome: 'reconnected'; account: StoredAccount }
  | { outcome: 'pending'; account: StoredAccount };

const grantOf = (tokens: Tokens) => tokens.refreshToken || tokens.accessToken;

export class Connections {
  constructor(
    private readonly store: Store,
    private readonly connectorFor: ConnectorFor,
    private readonly logger: Logger,
  ) {}

  /**
   * Attaches the account a connect link's consent brought back. `byAdmin`: the tenant's signed-in admin completed
   * it. Anyone else may refresh an account the tenant already has connected (same provider account), and otherwise
   * only asks to join.
   */
  async attach(
    tenantId: string,
    provider: ProviderName,
    role: 'child' | 'corporate',
    identity: ConnectedIdentity,
    byAdmin: boolean,
  ): Promise<Attached> {
    const account = {
      provider,
      externalId: identity.accountId,
      role,
      name: identity.name,
      country: null,
      tokens: identity.tokens,
      details: identity.details,
    };
    const existing = await this.store.accounts.byExternalId(tenantId, identity.accountId);
    // An account the tenant had before keeps the name its admins know it by.
    if (existing) account.name = existing.name;
    if (byAdmin) return { outcome: 'connected', account: await this.store.accounts.save(tenantId, account) };
    if (existing && existing.provider === provider && ACTIVE_STATUSES.includes(existing.status)) {
      const saved = await this.store.accounts.save(tenantId, {
        ...account,
        role: existing.role,
        country: existing.country,
        details: { ...existing.details, ...identity.details },
      });
      return { outcome: 'reconnected', account: saved };
    }
    const requestedBy = identity.user.label ?? identity.user.id;
    return {
      outcome: 'pending',
      account: await this.store.accounts.save(tenantId, account, 'pending', requestedBy),
    };
  }

  /**
   * A Reconnect link's consent: refreshes `account`'s tokens, and those of every live account sharing its grant
   * (one org's communities). Null when the consent was for another CRM account.
   */
  async reconnect(
    tenantId: string,
    account: StoredAccount,
    identity: ConnectedIdentity,
  ): Promise<StoredAccount | null> {
    const orgId = account.details.orgId;
    if (identity.accountId !== account.accountId && identity.accountId !== orgId) return null;
    const grant = grantOf(account.tokens);
    const live = await this.store.accounts.list(tenantId);
    const sharing = grant ? live.filter((other) => grantOf(other.tokens) === grant) : [];
    for (const target of [account, ...sharing.filter((other) => other.id !== account.id)]) {
      await this.store.accounts.saveTokens(tenantId, target.id, identity.tokens);
      // What the new consent granted (HubSpot: its scopes, which say whether the app may make lists).
      if (identity.details.scopes !== undefined)
        await this.store.accounts.reconfigure(tenantId, target.id, {
          role: target.role,
          name: target.name,
          details: { ...target.details, scopes: identity.details.scopes },
        });
      await this.store.accounts.setStatus(tenantId, target.id, 'connected');
    }
    return this.store.accounts.get(tenantId, account.id);
  }

  async approve(tenantId: string, account: StoredAccount, admin: Admin): Promise<void> {
    await this.store.accounts.setStatus(tenantId, account.id, 'connected');
    await this.store.admins.record(tenantId, admin, 'approve-account', this.#describe(account));
  }

  async reject(tenantId: string, account: StoredAccount, admin: Admin): Promise<void> {
    await this.#revoke(tenantId, account);
    await this.store.accounts.end(tenantId, account.id, 'rejected');
    await this.store.admins.record(tenantId, admin, 'reject-account', this.#describe(account));
  }

  async disconnect(tenantId: string, account: StoredAccount, admin: Admin): Promise<void> {
    await this.#revoke(tenantId, account);
    await this.store.accounts.end(tenantId, account.id, 'disconnected');
    await this.store.admins.record(tenantId, admin, 'disconnect-account', this.#describe(account));
  }

  /** Uninstall: every account's tokens revoked and wiped, daily runs off; history kept; installing again restores. */
  async uninstall(tenantId: string, admin: Admin): Promise<void> {
    const accounts = await this.store.accounts.list(tenantId, [...ACTIVE_STATUSES, 'pending']);
    const revoked = new Set<string>();
    for (const account of accounts) {
      const grant = grantOf(account.tokens);
      if (grant && !revoked.has(grant)) {
        revoked.add(grant);
        await this.#revokeAtProvider(account);
      }
      await this.store.accounts.end(
        tenantId,
        account.id,
        account.status === 'pending' ? 'rejected' : 'disconnected',
      );
    }
    await this.store.tenants.setInstalled(tenantId, false);
    await this.store.admins.record(tenantId, admin, 'uninstall', { accounts: accounts.length });
  }

  /** Revokes an account's grant unless another live account of the tenant shares it (one Salesforce org). */
  async #revoke(tenantId: string, account: StoredAccount): Promise<void> {
    const grant = grantOf(account.tokens);
    if (!grant) return;
    const others = await this.store.accounts.list(tenantId, [...ACTIVE_STATUSES, 'pending']);
    if (others.some((other) => other.id !== account.id && grantOf(other.tokens) === grant)) return;
    await this.#revokeAtProvider(account);
  }

  /** Best effort: the tokens are wiped here whatever the provider answers, and a failure is logged. */
  async #revokeAtProvider(account: StoredAccount): Promise<void> {
    try {
      await this.connectorFor(account.provider).revokeTokens(account.tokens);
    } catch (error) {
      this.logger.warn(
        { accountId: account.accountId, provider: account.provider, error: String(error) },
        'revoking the account tokens at the provider failed; they are deleted here',
      );
    }
  }

  #describe(account: StoredAccount) {
    return { account: account.name, provider: account.provider, accountId: account.accountId };
  }
}
