import type { Config } from '../src/app/config.ts';
import type { Connector, ProviderName } from './connector.ts';

// Which providers this deployment serves, from its configuration. Registering a provider is one entry here.

export function configuredConnectors(_config: Config): Partial<Record<ProviderName, Connector>> {
  return {};
}
