// Settings (DESIGN.md section 1): every setting with one line of help; saving says what changes on the next run.
import { MODE_NAMES } from '../admin.js';
import { confirmDialog, field, h, muted } from './dom.js';

const MATCH = {
  email_or_phone: 'Email or phone',
  email: 'Email only',
  phone: 'Phone only',
  email_and_phone: 'Email and phone (both must match)',
};

function timeZones(current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {}
  return [...new Set(['UTC', current, ...zones])].filter(Boolean);
}

export async function render(app, view) {
  const w = app.words;
  const s = app.state.tenant.settings;
  const input = (attributes) => h('input', { autocomplete: 'off', ...attributes });
  const controls = {
    enabled: input({ type: 'checkbox', name: 'enabled', checked: s.enabled }),
    mode: h(
      'select',
      { name: 'mode' },
      Object.entries(MODE_NAMES).map(([value, label]) =>
        h('option', { value, selected: value === s.mode }, label),
      ),
    ),
    matchOn: h(
      'select',
      { name: 'matchOn' },
      Object.entries(MATCH).map(([value, label]) =>
        h('option', { value, selected: value === s.matchOn }, label),
      ),
    ),
    tags: input({ name: 'tags', value: s.tags.join(', '), size: 50 }),
    copyToCorporate: input({ type: 'checkbox', name: 'copyToCorporate', checked: s.copyToCorporate }),
    segments: input({ type: 'checkbox', name: 'segments', checked: s.segments }),
    segmentPrefix: input({ name: 'segmentPrefix', value: s.segmentPrefix, maxlength: 40, size: 24 }),
    defaultCountry: input({
      name: 'defaultCountry',
      value: s.defaultCountry,
      maxlength: 2,
      size: 4,
      pattern: '[A-Za-z]{2}',
    }),
    time: input({ type: 'time', name: 'time', value: s.schedule.time }),
    timeZone: h(
      'select',
      { name: 'timeZone' },
      timeZones(s.schedule.timeZone).map((zone) =>
        h('option', { value: zone, selected: zone === s.schedule.timeZone }, zone.replaceAll('_', ' ')),
      ),
    ),
    maxContactsPerKey: input({
      type: 'number',
      name: 'maxContactsPerKey',
      min: 1,
      step: 1,
      value: s.maxContactsPerKey,
    }),
    maxClusterSize: input({
      type: 'number',
      name: 'maxClusterSize',
      min: 2,
      step: 1,
      value: s.maxClusterSize,
    }),
  };
  const countryName = h('span', { className: 'muted' });
  const showCountry = () => {
    try {
      countryName.textContent = ` ${new Intl.DisplayNames(undefined, { type: 'region' }).of(controls.defaultCountry.value.toUpperCase()) ?? ''}`;
    } catch {
      countryName.textContent = '';
    }
  };
  showCountry();
  controls.defaultCountry.addEventListener('input', showCountry);

  // Turning corporate copies on asks for the acknowledgement first (recorded by the server).
  controls.copyToCorporate.addEventListener('change', async () => {
    if (!controls.copyToCorporate.checked || app.state.acknowledged?.corporateCopies) return;
    controls.copyToCorporate.checked = await acknowledgeCopies(app);
  });

  const error = h('p', { className: 'error', id: 'settings-error', role: 'alert' });
  const outcome = h('div', { id: 'settings-outcome', role: 'status' });
  const form = h(
    'form',
    { id: 'settings', className: 'settings', novalidate: true },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Running'),
      field(
        'Sync enabled',
        controls.enabled,
        'When on, Community Sync runs every day and when a contact changes in a CRM.',
      ),
      h(
        'div',
        { className: 'inline-fields' },
        field('Daily run at', controls.time, 'Time of day of the daily run.'),
        field('Time zone', controls.timeZone, 'Times on this page are shown in this zone too.'),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Matching'),
      field('Mode', controls.mode, `The words this page uses: ${w.Accounts} and ${w.Deals}.`),
      field('Match on', controls.matchOn, 'Which details make two records the same person.'),
      withAfter(
        field(
          'Default phone country',
          controls.defaultCountry,
          'Used for phone numbers written without a country code, unless the account has its own (Accounts, Edit).',
        ),
        controls.defaultCountry,
        countryName,
      ),
      field(
        'Junk key limit',
        controls.maxContactsPerKey,
        `An email or phone on more contacts than this inside one ${w.account} (a front desk, info@) is not used to match.`,
      ),
      field(
        'Largest group',
        controls.maxClusterSize,
        'A group of more linked records than this is not one person and is not tagged.',
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Tags and copies'),
      field(
        'Extra tags',
        controls.tags,
        'Comma-separated; added to every shared contact, next to primary-shared-contact or secondary-shared-contact.',
      ),
      field(
        'Copy shared contacts into the corporate account',
        controls.copyToCorporate,
        `Creates or tags one record per shared person in the corporate account, tagged with the ${w.accounts} they engage in.`,
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Lists'),
      field(
        `Create ${w.sharedPeople} lists in every ${w.account}`,
        controls.segments,
        `Three lists in each ${w.account}, kept up to date by the CRM from the tags: “${listNames(w, s.segmentPrefix).join('”, “')}” (for suppressing marketing sends). Turning this off leaves the lists in place. A ${w.account} connected before this was on must be reconnected to allow lists.`,
      ),
      field(
        'List name prefix',
        controls.segmentPrefix,
        'The start of each list’s name; a list you renamed keeps your name.',
      ),
    ),
    h('p', {}, h('button', { type: 'submit', className: 'primary' }, 'Save settings')),
    error,
    outcome,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save(app, s, controls, error, outcome);
  });
  view.append(
    h('h2', {}, 'Settings'),
    muted('Settings belong to the corporate account and apply to every account.'),
    form,
  );
  if (app.lastSaved) {
    outcome.append(app.lastSaved);
    app.lastSaved = null;
  }
}

/** The three lists' names in the mode's words (src/core/segments.ts names them the same). */
function listNames(w, prefix) {
  return [
    `${prefix} shared with other ${w.accounts}`,
    `${prefix} primary here`,
    `${prefix} primary elsewhere (suppress)`,
  ];
}

/** A field with a note right after its control (e.g. the country's name). */
function withAfter(block, control, note) {
  control.after(note);
  return block;
}

async function acknowledgeCopies(app) {
  const w = app.words;
  const ok = await confirmDialog({
    title: 'Turn on corporate copies?',
    body: [
      `Each shared person's record (name, email, phone) is copied from their primary ${w.account} into the corporate account.`,
      `This moves personal data between the ${w.accounts}' businesses. Make sure your agreements with them allow it.`,
    ],
    confirm: 'I understand, turn on',
  });
  if (!ok) return false;
  try {
    await app.optional('/acknowledgements', { method: 'POST', body: { kind: 'corporate-copies' } });
    app.state.acknowledged = { ...(app.state.acknowledged ?? { export: false }), corporateCopies: true };
    return true;
  } catch (error) {
    app.notice(error.message, 'error');
    return false;
  }
}

/**
 * The API names a refused setting by its field ("maxContactsPerKey: expected …"): say it with the label the admin
 * sees, and put the cursor in that field.
 */
function inWords(message, controls) {
  const match = /^([a-zA-Z]+)(?:\.([a-zA-Z]+))?: (.*)$/.exec(message);
  const control = match && (controls[match[2] ?? ''] ?? controls[match[1]]);
  if (!control) return message;
  const label = control.labels?.[0]?.textContent?.trim();
  control.setAttribute('aria-invalid', 'true');
  control.addEventListener('input', () => control.removeAttribute('aria-invalid'), { once: true });
  control.focus();
  return label ? `${label}: ${match[3]}` : message;
}

async function save(app, before, controls, error, outcome) {
  error.textContent = '';
  const body = {
    enabled: controls.enabled.checked,
    mode: controls.mode.value,
    matchOn: controls.matchOn.value,
    tags: controls.tags.value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    copyToCorporate: controls.copyToCorporate.checked,
    defaultCountry: controls.defaultCountry.value.trim(),
    schedule: { time: controls.time.value, timeZone: controls.timeZone.value },
    maxContactsPerKey: Number(controls.maxContactsPerKey.value),
    maxClusterSize: Number(controls.maxClusterSize.value),
    segments: controls.segments.checked,
    segmentPrefix: controls.segmentPrefix.value.trim(),
  };
  let saved;
  try {
    saved = await app.api('/settings', { method: 'PUT', body });
  } catch (failure) {
    if (failure.body?.needs === 'corporate-copies' && (await acknowledgeCopies(app)))
      return save(app, before, controls, error, outcome);
    error.textContent = inWords(failure.message, controls);
    return;
  }
  await app.reload();
  app.notice('Settings saved.');
  const changes = whatChanges(app, before, saved.settings);
  const said = h(
    'div',
    { className: 'banner' },
    h('h3', {}, changes.length ? 'What changes on the next run' : 'Nothing changes on the next run'),
    changes.length
      ? h(
          'ul',
          {},
          changes.map((c) => h('li', {}, c)),
        )
      : null,
    changes.length
      ? h(
          'p',
          {},
          h('a', { href: '#preview' }, 'Preview the next run'),
          ' to see every record it would change.',
        )
      : null,
  );
  const now = document.getElementById('settings-outcome');
  if (now) now.replaceChildren(said);
}

/** Sentences for each saved change, in the new mode's words. */
function whatChanges(app, a, b) {
  const w = app.words;
  const out = [];
  if (a.enabled !== b.enabled)
    out.push(
      b.enabled
        ? `Daily runs are on: next at ${b.schedule.time} (${b.schedule.timeZone}).`
        : 'Daily and automatic runs are off: nothing is written until you run it yourself.',
    );
  if (a.mode !== b.mode)
    out.push(`This page now says ${w.Accounts} and ${w.Deals}. Tags and records do not change.`);
  if (a.matchOn !== b.matchOn)
    out.push(
      `People are matched on: ${MATCH[b.matchOn].toLowerCase()}. Some people may become shared or stop being shared, and their tags change.`,
    );
  const added = b.tags.filter((t) => !a.tags.includes(t));
  const removed = a.tags.filter((t) => !b.tags.includes(t));
  if (added.length)
    out.push(`Every shared contact gets the tag${added.length > 1 ? 's' : ''} ${added.join(', ')}.`);
  if (removed.length)
    out.push(
      `The tag${removed.length > 1 ? 's' : ''} ${removed.join(', ')} ${removed.length > 1 ? 'are' : 'is'} removed from every shared contact.`,
    );
  if (a.copyToCorporate !== b.copyToCorporate)
    out.push(
      b.copyToCorporate
        ? 'Shared contacts are copied into the corporate account (or the existing record there is tagged).'
        : 'No new corporate copies are made; existing copies stay.',
    );
  if (a.segments !== b.segments)
    out.push(
      b.segments
        ? `Every ${w.account} gets the three lists (made once; a ${w.account} connected before must be reconnected first).`
        : `No lists are made or checked any more; the lists already made stay in every ${w.account}.`,
    );
  if (b.segments && a.segmentPrefix !== b.segmentPrefix)
    out.push('New lists are named with the new prefix; lists already made keep their names.');
  if (a.defaultCountry !== b.defaultCountry)
    out.push(`Phone numbers without a country code are read as ${b.defaultCountry} numbers.`);
  if (a.schedule.time !== b.schedule.time || a.schedule.timeZone !== b.schedule.timeZone)
    out.push(`The daily run moves to ${b.schedule.time} (${b.schedule.timeZone}).`);
  if (a.maxContactsPerKey !== b.maxContactsPerKey)
    out.push(
      `An email or phone on more than ${b.maxContactsPerKey} contacts in one ${w.account} is ignored for matching.`,
    );
  if (a.maxClusterSize !== b.maxClusterSize)
    out.push(`Groups of more than ${b.maxClusterSize} linked records are not tagged.`);
  return out;
}
