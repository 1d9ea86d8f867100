import type { Config } from '../src/app/config.ts';
import type { Connector, ProviderName } from './connector.ts';
import { hubspotConnector } from './hubspot/index.ts';
import { salesforceConnector } from './salesforce/index.ts';

// Which providers this deployment serves, from its configuration. Registering a provider is one entry here.

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
  if (sandbox) {
    connectors.hubspot = hubspotConnector({
      baseUrl: sandbox.hubspotUrl,
      authorizeBaseUrl: `${sandbox.hubspotUrl}/oauth/authorize`,
      clientId: sandbox.hubspotClientId,
      clientSecret: sandbox.hubspotClientSecret,
    });
    return connectors;
  }
  if (config.HUBSPOT_CLIENT_ID && config.HUBSPOT_CLIENT_SECRET) {
    connectors.hubspot = hubspotConnector({
      clientId: config.HUBSPOT_CLIENT_ID,
      clientSecret: config.HUBSPOT_CLIENT_SECRET,
    });
  }
  if (config.SALESFORCE_CLIENT_ID && config.SALESFORCE_CLIENT_SECRET) {
    connectors.salesforce = salesforceConnector({
      clientId: config.SALESFORCE_CLIENT_ID,
      clientSecret: config.SALESFORCE_CLIENT_SECRET,
      ...(config.SALESFORCE_LOGIN_URL ? { loginUrl: config.SALESFORCE_LOGIN_URL } : {}),
    });
  }
  return connectors;
}
