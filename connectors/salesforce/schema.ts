import { ConnectorError } from '../connector.ts';
import type { SalesforceClient } from './client.ts';
import { errorCodeOf } from './errors.ts';

// What the org's describe says, read once per session: whether the tag field exists (and its options), whether
// Person Accounts are on, whether AccountContactRelation is available.

export interface DescribedField {
  name: string;
  picklistValues?: { value: string; label: string; active?: boolean }[];
}

export interface Described {
  name: string;
  fields: DescribedField[];
}

export class SchemaCache {
  readonly #described = new Map<string, { version: number; answer: Promise<Described | null> }>();

  constructor(
    private readonly client: SalesforceClient,
    private readonly accountId: string,
  ) {}

  /** The object's describe; null when the org does not have the object (e.g. ACR not enabled). */
  describe(object: string): Promise<Described | null> {
    const version = this.client.org.schemaVersion;
    const cached = this.#described.get(object);
    if (cached && cached.version === version) return cached.answer;
    const answer = this.client
      .get<Described>(`describe ${object}`, `/sobjects/${object}/describe`)
      .catch((error) => {
        const code = error instanceof ConnectorError ? errorCodeOf(error.cause) : null;
        if (code === 'NOT_FOUND' || code === 'INVALID_TYPE') return null;
        throw error;
      });
    this.#described.set(object, { version, answer });
    return answer;
  }

  async field(object: string, name: string): Promise<DescribedField | null> {
    return (await this.describe(object))?.fields.find((f) => f.name === name) ?? null;
  }

  /** Person Accounts are refused: their people would be Accounts, which this connector does not read. */
  async refusePersonAccounts(): Promise<void> {
    if (await this.field('Contact', 'IsPersonAccount'))
      throw new ConnectorError(
        'unsupported',
        this.accountId,
        'pull',
        'this org has Person Accounts enabled; Community Sync reads business Contacts and Leads only and does not support Person Accounts',
      );
  }
}
