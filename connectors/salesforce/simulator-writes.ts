import { type SimOrg, SYSTEM_FIELDS, sfDate } from './simulator-org.ts';

// What the simulated org does with a record write: field checks (field-level security included), required
// fields, duplicate rules, AccountContactRelation uniqueness, and per-record faults. Writes stamp the record
// (SystemModstamp, LastModifiedById) as the user whose token made them.

export type SaveResult = { id: string | null; success: boolean; errors: object[] };
export const failure = (statusCode: string, message: string, extra: object = {}): SaveResult => ({
  id: null,
  success: false,
  errors: [{ statusCode, message, fields: [], ...extra }],
});

function checkFields(org: SimOrg, object: string, record: Record<string, unknown>): SaveResult | null {
  const known = org.fieldNames(object);
  for (const field of Object.keys(record)) {
    if (field === 'attributes' || field === 'Id') continue;
    if (SYSTEM_FIELDS.includes(field))
      return failure('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${field}.`);
    if (!known.has(field) && !(object === 'Lead' && field === 'Company'))
      return failure('INVALID_FIELD', `No such column '${field}' on sobject of type ${object}`);
  }
  return null;
}

export function createOne(
  org: SimOrg,
  object: string,
  fields: Record<string, unknown>,
  userId = org.userId,
): SaveResult {
  const { attributes: _attributes, ...values } = fields;
  const invalid = checkFields(org, object, values);
  if (invalid) return invalid;
  if (object === 'Contact') {
    if (!values.LastName) return failure('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]');
    const email = typeof values.Email === 'string' ? values.Email.toLowerCase() : null;
    const name = `${values.FirstName ?? ''} ${values.LastName}`.toLowerCase();
    const match = org.duplicateRule
      ? [...org.table('Contact').values()].find(
          (c) =>
            (email !== null && String(c.Email ?? '').toLowerCase() === email) ||
            `${c.FirstName ?? ''} ${c.LastName}`.toLowerCase() === name,
        )
      : undefined;
    if (match)
      return failure('DUPLICATES_DETECTED', 'Use one of these records?', {
        duplicateResult: {
          allowSave: false,
          duplicateRule: 'Standard_Contact_Duplicate_Rule',
          matchResults: [{ entityType: 'Contact', matchRecords: [{ record: { Id: match.Id } }] }],
        },
      });
  }
  if (object === 'AccountContactRelation') {
    const contact = org.find('Contact', String(values.ContactId));
    if (!contact || !org.find('Account', String(values.AccountId)))
      return failure('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    const exists =
      contact.AccountId === values.AccountId ||
      [...org.table(object).values()].some(
        (r) => r.ContactId === values.ContactId && r.AccountId === values.AccountId,
      );
    if (exists) return failure('DUPLICATE_VALUE', 'duplicate value found: this contact is already related');
    values.IsDirect = false;
    values.IsActive ??= true;
  }
  if (object === 'PermissionSetAssignment') {
    const exists = [...org.table(object).values()].some(
      (r) => r.AssigneeId === values.AssigneeId && r.PermissionSetId === values.PermissionSetId,
    );
    if (exists)
      return failure('DUPLICATE_VALUE', 'duplicate value found: Assignee already has this permission set');
  }
  const record = org.insert(
    object,
    { ...values, CreatedDate: sfDate(new Date().toISOString()) },
    undefined,
    userId,
  );
  return { id: record.Id, success: true, errors: [] };
}

export function updateOne(
  org: SimOrg,
  object: string,
  fields: Record<string, unknown>,
  userId = org.userId,
): SaveResult {
  const { attributes: _attributes, Id: id, ...values } = fields;
  const record = typeof id === 'string' ? org.find(object, id) : undefined;
  if (!record) return failure('ENTITY_IS_DELETED', 'entity is deleted');
  const fault = org.recordFaults.get(record.Id);
  if (fault) return { ...failure(fault.statusCode, fault.message), id: record.Id };
  const invalid = checkFields(org, object, values);
  if (invalid) return { ...invalid, id: record.Id };
  Object.assign(record, values);
  if ('SystemModstamp' in record) org.touch(record, userId);
  return { id: record.Id, success: true, errors: [] };
}
