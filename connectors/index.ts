import type { Config } from '../src/app/config.ts';
import { SecretBox } from '../src/store/secrets.ts';
import type { Connector, ProviderName } from './connector.ts';
import { hubspotConnector } from './hubspot/index.ts';
import { salesforceConnector } from './salesforce/index.ts';
import { openSharedState } from './shared/shared-state.ts';

// Which providers this deployment serves, from its configuration. Registering a provider is one entry here.
// This is also where per-account limits and token refreshes are shared: in this process, or with REDIS_URL
// between every worker (connectors/shared/shared-state.ts). Both connectors use the one shared state.

export interface SandboxEndpoints {
  /** The local HubSpot simulator standing in for HubSpot in sandbox mode. */
  hubspotUrl: string;
  hubspotClientId: string;
  hubspotClientSecret: string;
}

export function configuredConnectors(
  config: Config,
  sandbox?: SandboxEndpoints,
): Partial<Record<ProviderName, Connector>> {
  const connectors: Partial<Record<ProviderName, Connector>> = {};
  const sharedState = openSharedState({
    redisUrl: config.REDIS_URL,
    // The queue's prefix too: deployments (or test runs) sharing one Redis keep their limits apart as well.
    prefix: `${config.REDIS_PREFIX}:`,
    sealer: new SecretBox(config.appSecret),
  });
  if (sandbox) {
    connectors.hubspot = hubspotConnector({
      sharedState,
      baseUrl: sandbox.hubspotUrl,
      authorizeBaseUrl: `${sandbox.hubspotUrl}/oauth/authorize`,
      clientId: sandbox.hubspotClientId,
      clientSecret: sandbox.hubspotClientSecret,
    });
    return connectors;
  }
  if (config.HUBSPOT_CLIENT_ID && config.HUBSPOT_CLIENT_SECRET) {
    connectors.hubspot = hubspotConnector({
      sharedState,
      clientId: config.HUBSPOT_CLIENT_ID,
      clientSecret: config.HUBSPOT_CLIENT_SECRET,
    });
  }
  if (config.SALESFORCE_CLIENT_ID && config.SALESFORCE_CLIENT_SECRET) {
    connectors.salesforce = salesforceConnector({
      sharedState,
      clientId: config.SALESFORCE_CLIENT_ID,
      clientSecret: config.SALESFORCE_CLIENT_SECRET,
      ...(config.SALESFORCE_LOGIN_URL ? { loginUrl: config.SALESFORCE_LOGIN_URL } : {}),
    });
  }
  return connectors;
}
