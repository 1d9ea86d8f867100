import { type Kysely, type Migration, Migrator, sql } from 'kysely';

// Versioned migrations, run on start. Never edit a released one: add the next.

const migrations: Record<string, Migration> = {
  '0001-initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('settings', 'jsonb', (c) => c.notNull())
        .addColumn('hash_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('child', 'corporate')`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('country', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('tokens', 'text', (c) => c.notNull())
        .addColumn('details', 'jsonb', (c) => c.notNull())
        .addColumn('connected_at', 'timestamptz', (c) => c.notNull())
        .addColumn('disconnected_at', 'timestamptz')
        .addUniqueConstraint('accounts_tenant_external', ['tenant_id', 'external_id'])
        .execute();
      await db.schema
        .createTable('install_states')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.references('tenants.id'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('used_at', 'timestamptz')
        .execute();
      await db.schema
        .createTable('runs')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('ended_at', 'timestamptz')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('dry_run', 'boolean', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('calls', 'jsonb', (c) => c.notNull())
        .addColumn('changes', 'integer', (c) => c.notNull())
        .addColumn('shared', 'integer', (c) => c.notNull())
        .addColumn('warnings', 'jsonb', (c) => c.notNull())
        .addColumn('errors', 'jsonb', (c) => c.notNull())
        .execute();
      // One run per tenant at a time, held by the database itself.
      await sql`create unique index runs_one_running on runs (tenant_id) where status = 'running'`.execute(
        db,
      );
      await db.schema
        .createTable('audit')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('before', 'jsonb', (c) => c.notNull())
        .addColumn('after', 'jsonb', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('audit_tenant_run').on('audit').columns(['tenant_id', 'run_id']).execute();
      await db.schema
        .createTable('account_states')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('read_at', 'timestamptz', (c) => c.notNull())
        .addColumn('pipelines', 'jsonb', (c) => c.notNull())
        .addColumn('deals', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('account_states_pk', ['tenant_id', 'account_id'])
        .execute();
      await db.schema
        .createTable('records')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text')
        .addColumn('conversions', 'integer', (c) => c.notNull())
        .addColumn('first_conversion_at', 'text')
        .addColumn('tags', 'jsonb', (c) => c.notNull())
        .addColumn('tag_values', 'jsonb', (c) => c.notNull())
        .addColumn('email_hashes', 'jsonb', (c) => c.notNull())
        .addColumn('phone_hashes', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('records_pk', ['tenant_id', 'account_id', 'record_id'])
        .execute();
    },
  },
  '0002-trustworthy-shell': {
    async up(db: Kysely<unknown>) {
      // A tenant is its corporate account: installing again signs in to it, never makes a second tenant.
      await db.schema
        .alterTable('tenants')
        .addColumn('corporate_provider', 'text')
        .addColumn('corporate_account_id', 'text')
        .addColumn('uninstalled_at', 'timestamptz')
        .execute();
      await sql`update tenants t set corporate_provider = a.provider, corporate_account_id = a.external_id
        from (select distinct on (tenant_id) tenant_id, provider, external_id from accounts
              where role = 'corporate' order by tenant_id, connected_at) a
        where a.tenant_id = t.id`.execute(db);
      await db.schema
        .alterTable('tenants')
        .addUniqueConstraint('tenants_corporate_account', ['corporate_provider', 'corporate_account_id'])
        .execute();
      // Settings stored before time zones were stored take the documented default.
      await sql`update tenants set settings = jsonb_set(settings, '{schedule,timeZone}', '"UTC"')
        where settings ? 'schedule' and not (settings->'schedule' ? 'timeZone')`.execute(db);
      await db.schema.alterTable('accounts').addColumn('requested_by', 'text').execute();
      await db.schema
        .createTable('admins')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('admins_pk', ['tenant_id', 'provider', 'user_id'])
        .execute();
      await db.schema
        .createTable('admin_actions')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_label', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('detail', 'jsonb', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createIndex('admin_actions_tenant')
        .on('admin_actions')
        .columns(['tenant_id', 'id'])
        .execute();
      // A run's owner proves it is alive by its heartbeat; only runs whose heartbeat stopped are failed.
      await db.schema
        .alterTable('runs')
        .addColumn('owner', 'text')
        .addColumn('heartbeat_at', 'timestamptz')
        .execute();
      // Audit is written ahead: a change is `pending` before it is sent and settled after.
      await db.schema
        .alterTable('audit')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('written'))
        .addColumn('detail', 'text')
        .execute();
      await db.schema
        .createTable('webhook_receipts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('received_at', 'timestamptz', (c) => c.notNull())
        .execute();
    },
  },
  '0003-people': {
    async up(db: Kysely<unknown>) {
      // Each run's shared people, with the facts the admin page shows (names, members, first community) and the
      // members' keyed hashes, so an email or phone typed in full finds its person without storing either.
      await db.schema
        .createTable('run_people')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
        .addColumn('shared_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('primary_account_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('explanation', 'text', (c) => c.notNull())
        .addColumn('members', 'jsonb', (c) => c.notNull())
        .addColumn('first_account_id', 'text', (c) => c.notNull())
        .addColumn('first_created_at', 'timestamptz')
        .addColumn('tags', 'jsonb', (c) => c.notNull())
        .addColumn('key_hashes', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_people_pk', ['tenant_id', 'run_id', 'shared_id'])
        .execute();
      await db.schema
        .createIndex('run_people_name')
        .on('run_people')
        .columns(['tenant_id', 'run_id', 'name_key'])
        .execute();
      await sql`create index run_people_key_hashes on run_people using gin (key_hashes jsonb_path_ops)`.execute(
        db,
      );
      // Audit entries name the person and the shared id they were written for.
      await db.schema.alterTable('audit').addColumn('name', 'text').addColumn('shared_id', 'text').execute();
      // A Reconnect link names the account it refreshes.
      await db.schema.alterTable('install_states').addColumn('account_id', 'text').execute();
    },
  },
  '0004-undo': {
    async up(db: Kysely<unknown>) {
      // A revert names the run it undoes; a run held by the mass-change guard says why.
      await db.schema
        .alterTable('runs')
        .addColumn('revert_of', 'integer')
        .addColumn('held_reason', 'text')
        .execute();
    },
  },
  '0005-change-events': {
    async up(db: Kysely<unknown>) {
      // Provider change events (HubSpot webhooks), stored before they are acknowledged and processed afterwards.
      // Never a raw email or phone: the value of a key property is not kept.
      await db.schema
        .createTable('change_events')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('subscription_type', 'text', (c) => c.notNull())
        .addColumn('object_type_id', 'text')
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('property_name', 'text', (c) => c.notNull())
        .addColumn('property_value', 'text')
        .addColumn('merged_object_ids', 'jsonb')
        .addColumn('primary_object_id', 'text')
        .addColumn('associated_object_id', 'text')
        .addColumn('associated_type_id', 'text')
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
        .addColumn('change_source', 'text')
        .addColumn('source_id', 'text')
        .addColumn('received_at', 'timestamptz', (c) => c.notNull())
        .addColumn('processed_at', 'timestamptz')
        .execute();
      // HubSpot does not promise unique event ids: a delivery is the same when these are (an absent property is '').
      await db.schema
        .createIndex('change_events_once')
        .on('change_events')
        .columns(['provider', 'account_id', 'subscription_id', 'object_id', 'property_name', 'occurred_at'])
        .unique()
        .execute();
      await sql`create index change_events_pending on change_events (provider, account_id, id)
        where processed_at is null`.execute(db);
      // A record forgotten on a privacy deletion, and its keys (keyed hashes) that are never copied again.
      await db.schema
        .createTable('privacy_deletions')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
        .addColumn('forgotten_at', 'timestamptz', (c) => c.notNull())
        .addColumn('corporate_copies', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('privacy_deletions_pk', ['tenant_id', 'account_id', 'record_id'])
        .execute();
      await db.schema
        .createTable('suppressed_keys')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('suppressed_keys_pk', ['tenant_id', 'key_hash', 'account_id', 'record_id'])
        .execute();
    },
  },
  '0006-salesforce-feed': {
    async up(db: Kysely<unknown>) {
      // Where each org's change feed stands, so a restart resumes polling and Change Data Capture there.
      await db.schema
        .createTable('salesforce_feeds')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('org_key', 'text', (c) => c.notNull())
        .addColumn('poll_cursor', 'timestamptz')
        .addColumn('replay_id', 'text')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('salesforce_feeds_pk', ['tenant_id', 'org_key'])
        .execute();
      await db.schema
        .createTable('change_capture')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('enabled', 'boolean', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('change_capture_pk', ['tenant_id', 'account_id'])
        .execute();
    },
  },
  '0007-targeted': {
    async up(db: Kysely<unknown>) {
      // A targeted resync reads and writes single records and deals: deals get a row each (out of the account's
      // JSON blob), found by contact through a GIN index; records are found by keyed hash (`?|` and `@>`).
      await db.schema
        .createTable('deals')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('deal_id', 'text', (c) => c.notNull())
        .addColumn('pipeline_id', 'text', (c) => c.notNull())
        .addColumn('stage_id', 'text', (c) => c.notNull())
        .addColumn('contact_ids', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('deals_pk', ['tenant_id', 'account_id', 'deal_id'])
        .execute();
      await sql`create index deals_contact_ids on deals using gin (contact_ids)`.execute(db);
      await sql`insert into deals (tenant_id, account_id, deal_id, pipeline_id, stage_id, contact_ids)
        select s.tenant_id, s.account_id, d->>'id', d->>'pipelineId', d->>'stageId',
               coalesce(d->'contactIds', '[]'::jsonb)
        from account_states s cross join lateral jsonb_array_elements(s.deals) d
        on conflict do nothing`.execute(db);
      await sql`update account_states set deals = '[]'::jsonb`.execute(db);
      await sql`create index records_email_hashes on records using gin (email_hashes)`.execute(db);
      await sql`create index records_phone_hashes on records using gin (phone_hashes)`.execute(db);
    },
  },
  '0009-connection-order': {
    async up(db: Kysely<unknown>) {
      // The plan's last tie-break is the order accounts were first connected in (DESIGN 2.3, rule 5): a sequence
      // keeps it exact where two connections share a timestamp. Existing rows keep the order they were listed in.
      await sql`create sequence accounts_connection_order`.execute(db);
      await sql`alter table accounts add column connection_order bigint`.execute(db);
      await sql`update accounts a set connection_order = o.n
        from (select id, row_number() over (order by connected_at, name, id) as n from accounts) o
        where o.id = a.id`.execute(db);
      await sql`select setval('accounts_connection_order', coalesce((select max(connection_order) from accounts), 0) + 1, false)`.execute(
        db,
      );
      await sql`alter table accounts alter column connection_order set default nextval('accounts_connection_order'),
        alter column connection_order set not null`.execute(db);
    },
  },
  '0010-segments': {
    async up(db: Kysely<unknown>) {
      // Issue 12: the lists the app made or found in each child account (by the CRM's id, so an admin's renaming is
      // kept), and per account the settings generation it was last checked in: turning the setting off and on bumps
      // the tenant's generation, and only then is a list the admin deleted made again.
      await sql`alter table tenants add column segments_generation integer not null default 0`.execute(db);
      await db.schema
        .createTable('segments')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('object', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('list_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('segments_pk', ['tenant_id', 'account_id', 'key', 'object'])
        .execute();
      await db.schema
        .createTable('segment_accounts')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('problem', 'text')
        .addColumn('checked_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('segment_accounts_pk', ['tenant_id', 'account_id'])
        .execute();
    },
  },
  '0011-change-events-per-tenant': {
    async up(db: Kysely<unknown>) {
      // A portal connected to two tenants: each tenant processes its events. An event is `processed_at` once every
      // tenant connected to its account (when it was received) has processed it; until then, who has is kept here.
      await db.schema
        .createTable('change_events_done')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        // No reference to change_events: a row lives only until its event is processed for good.
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('change_events_done_pk', ['event_id', 'tenant_id'])
        .execute();
    },
  },
  '0012-people-versions': {
    async up(db: Kysely<unknown>) {
      // A targeted resync changes a few people of a run's hundreds of thousands: its people are the previous run's
      // with those few replaced, kept as versions instead of a copy of them all. A run that plans from scratch (a
      // full run, a preview) starts a set (`base_run_id`, its own id); a targeted resync continues the latest real
      // run's set, ending the rows it replaces (`until_run_id`) and adding its own. A run's people are the rows of
      // its set written at or before it and not ended by then.
      await db.schema
        .createTable('people_runs')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
        .addColumn('base_run_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('people_runs_pk', ['tenant_id', 'run_id'])
        .execute();
      await sql`insert into people_runs (tenant_id, run_id, base_run_id)
        select distinct tenant_id, run_id, run_id from run_people`.execute(db);
      await db.schema
        .alterTable('run_people')
        .addColumn('base_run_id', 'integer')
        .addColumn('until_run_id', 'integer')
        .execute();
      await sql`update run_people set base_run_id = run_id`.execute(db);
      await sql`alter table run_people alter column base_run_id set not null`.execute(db);
      await db.schema.dropIndex('run_people_name').execute();
      await db.schema
        .createIndex('run_people_name')
        .on('run_people')
        .columns(['tenant_id', 'base_run_id', 'name_key'])
        .execute();
      // The rows a targeted resync replaces are found by shared id among the set's current rows; pruning finds the
      // ended ones.
      await sql`create index run_people_current on run_people (tenant_id, base_run_id, shared_id)
        where until_run_id is null`.execute(db);
      await sql`create index run_people_ended on run_people (tenant_id, base_run_id, until_run_id)
        where until_run_id is not null`.execute(db);
    },
  },
  '0013-change-deliveries': {
    async up(db: Kysely<unknown>) {
      // A webhook delivery is stored as it came, one row, before its 2xx (a millisecond, where a row per event took
      // tens at ten deliveries at once); its events become change_events rows, without repeats, when next read.
      // The fingerprint (its events' identities) knows a retried delivery at once; kept a day after unpacking.
      await db.schema
        .createTable('change_deliveries')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
        .addColumn('account_ids', sql`text[]`, (c) => c.notNull())
        .addColumn('events', 'jsonb')
        .addColumn('received_at', 'timestamptz', (c) => c.notNull())
        .addColumn('unpacked_at', 'timestamptz')
        .execute();
      await sql`create index change_deliveries_packed on change_deliveries (id) where unpacked_at is null`.execute(
        db,
      );
      await sql`create index change_deliveries_unpacked on change_deliveries (unpacked_at)
        where unpacked_at is not null`.execute(db);
    },
  },
  '0014-change-deliveries-as-json': {
    async up(db: Kysely<unknown>) {
      // A delivery's events are kept as the json text they came in, not parsed into jsonb: Postgres only checks
      // the text as the webhook waits for its row, and reads it once, when unpacking.
      await sql`alter table change_deliveries alter column events type json using events::json`.execute(db);
    },
  },
};

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  // Numbers are handed out per branch, so one can land after a higher one already ran (0005 after 0008): run it.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const what = failed ? `migration ${failed.migrationName}` : 'migrations';
    throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
