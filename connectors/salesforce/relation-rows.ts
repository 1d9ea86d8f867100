// AccountContactRelation rows as the adapter queries them.

export interface RelationRow {
  Id: string;
  ContactId: string;
  AccountId: string;
  IsActive: boolean;
  Roles: string | null;
  [field: string]: unknown;
}

export interface ParentRelationRow extends RelationRow {
  CreatedDate: string;
  Contact: {
    AccountId: string | null;
    Email: string | null;
    Phone: string | null;
    MobilePhone: string | null;
    FirstName: string | null;
    LastName: string | null;
  } | null;
}
