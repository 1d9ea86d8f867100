import type { TagOption } from './tags.ts';

// The plan of DESIGN.md section 3. Fields beyond the contract (`afterValues`, `from`, `email`, `phone`,
// `sharedIds`, `tagOptions`) carry what a connector needs to apply the plan.

export type WarningCode =
  | 'invalid-email'
  | 'invalid-phone'
  | 'junk-key'
  | 'oversized-cluster'
  | 'unknown-stage'
  /** Undo: a record the reverted run changed that is left as it is (changed since, or gone). */
  | 'not-reverted'
  /** Segments (issue 12): the account does not let the app make lists (a missing scope or permission). */
  | 'segments-permission'
  /** Segments: the account's plan caps its lists and the cap is reached. */
  | 'segments-limit'
  /** Segments: a list the app made is gone (deleted by an admin); made again only after turning the setting off and on. */
  | 'segments-missing'
  /** Segments: the lists could not be checked this run (the CRM did not answer); they are checked again next run. */
  | 'segments-failed';

export interface Warning {
  code: WarningCode;
  accountId: string;
  contactId?: string;
  detail: string;
}

export type Reason = 'deal-stage' | 'conversions' | 'first-conversion' | 'created' | 'order';

export interface Member {
  accountId: string;
  contactId: string;
}

export interface SharedContact {
  id: string;
  primaryAccountId: string;
  reason: Reason;
  explanation: string;
  members: Member[];
}

/** A child record whose tags change; `afterValues` are the option values to store. */
export interface ChildTagChange {
  accountId: string;
  contactId: string;
  sharedId: string | null;
  before: string[];
  after: string[];
  afterValues: string[];
}

export interface CorporateCreate {
  action: 'create';
  /** The first of `sharedIds`: the person the copy is made from. */
  sharedId: string;
  /** Every shared person the copy stands for (more than one when their copies would carry one email). */
  sharedIds: string[];
  /** The primary account's (oldest) record the copy is made from. */
  from: Member;
  properties: Record<string, string | number | boolean | null>;
  /** The record's first valid email and phone, as written; null when it has none. */
  email: string | null;
  phone: string | null;
  after: string[];
  afterValues: string[];
}

export interface CorporateUpdate {
  action: 'update';
  /** The shared person the contact is the copy of; null when it no longer belongs to one. */
  sharedId: string | null;
  /** Every shared person that leads to this contact (their tags are united). */
  sharedIds: string[];
  contactId: string;
  before: string[];
  after: string[];
  afterValues: string[];
}

export type CorporateAction = CorporateCreate | CorporateUpdate;

export interface Plan {
  shared: SharedContact[];
  children: ChildTagChange[];
  corporate: CorporateAction[];
  warnings: Warning[];
  /** The tenant's whole tag vocabulary: the options a connector ensures before writing. */
  tagOptions: TagOption[];
}
