import { ConnectorError } from '../connector.ts';
import type { SessionContext } from './context.ts';
import { changedRowsQuery, FEED_OBJECTS, type FeedObject } from './soql.ts';

// Reading what changed in an org since a moment: one Composite request whose subrequests are queryAll queries
// (changed, deleted and merged rows alike) on SystemModstamp, one per object the rules read. Composite counts
// as one API call and holds at most five queries, exactly the objects of either layout; a result past one page
// (2,000 rows) is followed through `nextRecordsUrl` with one more call per page.

/** A changed, deleted or merged row, with the ids that say which people, deals and accounts it touches. */
export interface ChangedRow {
  object: FeedObject;
  Id: string;
  SystemModstamp: string;
  IsDeleted: boolean;
  /** Contact, Lead: the survivor a deleted record was merged into. */
  MasterRecordId?: string | null;
  AccountId?: string | null;
  ContactId?: string | null;
  LeadId?: string | null;
  OpportunityId?: string | null;
  Opportunity?: { AccountId: string | null } | null;
  Contact?: { AccountId: string | null } | null;
}

interface CompositeAnswer {
  compositeResponse: {
    body: unknown;
    httpStatusCode: number;
    referenceId: string;
  }[];
}

interface QueryPage {
  done: boolean;
  records: Omit<ChangedRow, 'object'>[];
  nextRecordsUrl?: string;
}

/** The objects polled in this session's layout: Leads only where the account is a whole org. */
export function feedObjects(ctx: SessionContext): FeedObject[] {
  const oneOrg = ctx.layout.layout === 'one-org';
  return FEED_OBJECTS.filter((object) => {
    if (object === 'Lead') return !oneOrg && ctx.options.leads;
    if (object === 'AccountContactRelation') return oneOrg;
    return true;
  });
}

/** Every row of the polled objects whose SystemModstamp is after `since`, deleted and merged rows included. */
export async function readChangedRows(ctx: SessionContext, since: Date): Promise<ChangedRow[]> {
  const version = `v${ctx.options.apiVersion}`;
  const objects = feedObjects(ctx);
  const answer = await ctx.client.send<CompositeAnswer>('read changes', 'POST', '/composite', {
    allOrNone: false,
    compositeRequest: objects.map((object) => ({
      method: 'GET',
      url: `/services/data/${version}/queryAll?q=${encodeURIComponent(changedRowsQuery(object, since))}`,
      referenceId: object,
    })),
  });
  const rows: ChangedRow[] = [];
  for (const sub of answer.compositeResponse) {
    const object = sub.referenceId as FeedObject;
    if (sub.httpStatusCode !== 200) {
      const [error] = (Array.isArray(sub.body) ? sub.body : []) as { errorCode?: string; message?: string }[];
      throw new ConnectorError(
        sub.httpStatusCode >= 500 ? 'unavailable' : 'rejected',
        ctx.connection.accountId,
        `read changed ${object} rows`,
        `${error?.errorCode ?? sub.httpStatusCode}: ${error?.message ?? 'no message'}`,
        { status: sub.httpStatusCode },
      );
    }
    let page = sub.body as QueryPage;
    for (;;) {
      for (const record of page.records) rows.push({ ...record, object });
      if (page.done || !page.nextRecordsUrl) break;
      page = await ctx.client.get<QueryPage>('read changes', page.nextRecordsUrl);
    }
  }
  return rows;
}
