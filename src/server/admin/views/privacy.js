// Privacy deletions (HubSpot contact.privacyDeletion): the record a CRM deleted for a privacy request, which the
// app forgot at once, and the corporate copies it had made of that person. The app deletes nothing, so each copy is
// listed with a link for the admin to decide about in the CRM. The Overview shows the recent ones that left copies
// (they wait for a decision); Accounts lists them all (there is no "done" to mark, so the Overview cannot keep them).
import { h, muted, recordLink, table } from './dom.js';

/** How long a deletion with corporate copies stays under "Needs your attention". */
const RECENT_DAYS = 30;

/** The tenant's privacy deletions, newest first; null on a server without them. */
export async function privacyDeletions(app) {
  return (await app.optional('/privacy-deletions'))?.deletions ?? null;
}

/** Deletions of the last 30 days that left corporate copies. */
export const needingDecision = (deletions, now = Date.now()) =>
  deletions.filter(
    (d) =>
      d.corporateCopies.length > 0 &&
      now - new Date(d.forgottenAt).getTime() < RECENT_DAYS * 24 * 60 * 60 * 1000,
  );

/** The sentence every list of corporate copies carries. */
export const NEVER_DELETES =
  'Community Sync never deletes records: you decide whether to delete each corporate copy in the corporate CRM.';

/** Where the record was deleted: "North (child account)" in the mode's words. */
function deletedIn(app, deletion) {
  const account = app.state.accounts.find((a) => a.accountId === deletion.accountId);
  const what = account?.role === 'corporate' ? 'corporate account' : app.words.account;
  return h(
    'span',
    {},
    h('strong', {}, deletion.accountName ?? deletion.accountId),
    ` (${what})`,
    h('br'),
    h('span', { className: 'muted' }, `record ${deletion.recordId}, forgotten`),
  );
}

function copies(deletion) {
  if (deletion.corporateCopies.length === 0)
    return h(
      'span',
      { className: 'muted' },
      'None: Community Sync had made no corporate copy of this person.',
    );
  return h(
    'ul',
    { className: 'plain' },
    deletion.corporateCopies.map((c) =>
      h(
        'li',
        {},
        recordLink(c.url, c.name || `record ${c.recordId}`),
        h('span', { className: 'muted' }, ` in ${c.accountName ?? c.accountId}`),
      ),
    ),
  );
}

/** A table of deletions: when, where, and each corporate copy with a link to open it in the CRM. */
export function privacyTable(app, deletions, caption) {
  return table(
    [
      { label: 'Deleted', cell: (d) => app.when(d.occurredAt) },
      { label: 'Deleted in', cell: (d) => deletedIn(app, d) },
      { label: 'Corporate copies', cell: (d) => copies(d) },
    ],
    deletions,
    caption,
  );
}

/** The explanation above a list of deletions. */
export const privacyIntro = () =>
  muted(
    'A CRM deleted these contacts for a privacy request: Community Sync forgot each at once, and never copies that person into the corporate account again. ',
    NEVER_DELETES,
  );
