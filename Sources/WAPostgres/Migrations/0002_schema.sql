-- The whole product's schema: one table per stored entity of WACore (Sources/WACore/Storage), the tables the
-- other repositories need (contact keys and activities, message rollups, the event log, media bytes), row-level
-- security, and the append-only audit log. Docs/Postgres.md ("Schema") describes it; this file is the truth.
--
-- ROW SHAPE. Every entity table has
--     organization_id uuid NOT NULL, id uuid NOT NULL, version integer NOT NULL CHECK (version >= 1),
--     PRIMARY KEY (organization_id, id), data jsonb NOT NULL
-- where `data` is the whole entity as its Codable JSON (what the adapter decodes) and every other column is a
-- copy the adapter writes alongside it: the fields that a repository's Filter, a unique key, a lookup, an
-- ordering, a claim or an invariant needs, so that queries filter on them and constraints check them.
-- Identifiers are uuid, dates timestamptz, enums text with a CHECK listing the Swift enum's raw values, counters
-- carry CHECK (… >= 0). Records that hold secrets (api_keys, member_credentials, session_archives,
-- webhook_endpoints, proxy_servers) hold them in their Swift values only as digests or SecretBox ciphertext
-- (Sources/WACore/Storage/Entities/StoredSecrets.swift), so `data` never holds a plaintext secret.
--
-- UNIQUE CONSTRAINTS that stand for a Swift UniqueKey are named `<table>__<UniqueKey.name>`: the adapter reports
-- the part after `__` as the WAError's field.
--
-- CITUS SHAPE. organization_id leads the primary key and every unique and non-unique index of every tenant table,
-- and every foreign key between tenant tables includes it, so that each table can be distributed by
-- organization_id and co-located with the others, and no key or reference crosses tenants. There is no foreign
-- key to organizations (the memory store, the reference behaviour, has none: records of an organization are
-- removed by OrganizationRepository.purge, media bytes by MediaStore.removeAll) and none between entities (their
-- references are kept by the services); the foreign keys below tie storage-internal rows to their owner.
-- A query across organizations (claiming jobs, pruning, listing the instances to run) walks the organizations that
-- have rows (a loose index scan over the leading organization_id) and takes each one's head from the index.
--
-- NON-TENANT TABLES (the allow-list; WAPostgres's PostgresSchema.nonTenantTables holds the same list and the
-- catalog test enforces it):
--     wa_schema_migrations  the migrator's history (0001 creates it); no grants to the roles
--     global_names          values unique across organizations (slugs, API key lookup ids)
--     rate_limit_states     rate-limit state, keyed by a RateLimitKey (not always an organization)
--
-- ROW-LEVEL SECURITY. Every tenant table (and global_names) has ROW LEVEL SECURITY enabled and forced, and two
-- policies: tenant_isolation for wa_app (organization_id = app.organization_id, for reading and writing) and
-- system_scope for wa_system (every row). The connecting owner runs tenant transactions as
--     BEGIN; SELECT set_config('app.organization_id', '<uuid>', true); SET LOCAL ROLE wa_app; … COMMIT;
-- and system transactions with SET LOCAL ROLE wa_system. A transaction with no tenant set sees no rows. Forced
-- security also binds the owner: a later migration that reads or writes rows does so as wa_system.

-- MARK: - Organizations and their people

-- organization_id is the organization's own id. The slug is unique across organizations: global_names holds it.
CREATE TABLE organizations (
    organization_id  uuid    NOT NULL,
    id               uuid    NOT NULL,
    version          integer NOT NULL CHECK (version >= 1),
    slug             text    NOT NULL,
    -- Bytes of media the organization stores (MediaService keeps it with each upload and deletion).
    media_bytes_used bigint  NOT NULL CHECK (media_bytes_used >= 0),
    data             jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT organizations_own_tenant CHECK (organization_id = id)
);

-- The e-mail is stored as Member.normalizeEmail made it (trimmed, lower-cased in Swift); uniqueness is on that
-- value as stored, with no lower() here, since Swift's and the database's case mappings may differ beyond ASCII.
CREATE TABLE members (
    organization_id    uuid    NOT NULL,
    id                 uuid    NOT NULL,
    version            integer NOT NULL CHECK (version >= 1),
    email              text    NOT NULL,
    role               text    NOT NULL CHECK (role IN ('viewer', 'agent', 'manager', 'admin')),
    is_active          boolean NOT NULL,
    assigned_instances uuid[]  NOT NULL,
    data               jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT members__email UNIQUE (organization_id, email)
);

-- A member's password hash (bcrypt), apart from members; id is the member's id. Holds a hash, never a password.
CREATE TABLE member_credentials (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id)
);

-- Holds the key's SHA-256 digest, never the key. The lookup id is unique across organizations: global_names holds
-- it (kind 'lookup_id'), with the key's id, so that finding a presented key is one join on primary keys.
CREATE TABLE api_keys (
    organization_id uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    lookup_id       text        NOT NULL,
    created_by      uuid        NOT NULL,
    revoked_at      timestamptz,
    replaced_by     uuid,
    data            jsonb       NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX api_keys_created_by ON api_keys (organization_id, created_by);
CREATE INDEX api_keys_replaced_by ON api_keys (organization_id, replaced_by) WHERE replaced_by IS NOT NULL;

-- MARK: - Instances

CREATE TABLE instances (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    name            text    NOT NULL,
    status          text    NOT NULL CHECK (status IN (
                        'created', 'starting', 'awaiting_qr', 'awaiting_pairing_code', 'authenticated', 'ready',
                        'reconnecting', 'stopped', 'logged_out', 'failed')),
    desired_state   text    NOT NULL CHECK (desired_state IN ('running', 'stopped')),
    proxy_id        uuid,
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT instances__name UNIQUE (organization_id, name)
);
-- InstanceRepository.desiredRunning: the instances a supervisor should run, of every organization.
CREATE INDEX instances_desired_running ON instances (organization_id, id) WHERE desired_state = 'running';
CREATE INDEX instances_proxy ON instances (organization_id, proxy_id) WHERE proxy_id IS NOT NULL;

-- An instance's sealed session archive; id is the instance's id. SecretBox ciphertext only.
CREATE TABLE session_archives (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id)
);

-- An instance's risk monitor state; id is the instance's id.
CREATE TABLE risk_monitors (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id)
);

-- One lease per instance: id is the instance's id, so the primary key (organization_id, id) allows one row per
-- instance. token is the fencing token, raised whenever the lease changes hands.
CREATE TABLE instance_leases (
    organization_id uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    owner           text        NOT NULL,
    token           bigint      NOT NULL,
    expires_at      timestamptz NOT NULL,
    data            jsonb       NOT NULL,
    PRIMARY KEY (organization_id, id)
);

-- MARK: - Contacts

CREATE TABLE contacts (
    organization_id uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    phone           text,
    jid             text,
    lid             text,
    name            text,
    tags            text[]      NOT NULL,
    opted_out       boolean     NOT NULL,
    last_inbound_at timestamptz,
    data            jsonb       NOT NULL,
    PRIMARY KEY (organization_id, id)
);

-- A contact's unique keys, exactly as Contact.uniqueKeys lists them: ('phone', E.164) and ('jid', …) for both its
-- JID and its LID, which share one namespace (a JID names one contact in whichever slot it is stored, and a
-- contact whose JID equals its LID collides with itself). Two unique indexes on contacts cannot say that, since
-- one contact's JID may be another's LID, and a CHECK keeping @lid values in the lid slot would refuse records the
-- Swift contract accepts. The primary key is the uniqueness; the adapter reports `kind` as the error's field.
-- Inserting a contact writes the contact, then its keys with ON CONFLICT DO NOTHING: fewer rows than keys means
-- a conflict (the adapter deletes the contact again, its keys cascade). Lookups by phone or JID go through here.
CREATE TABLE contact_keys (
    organization_id uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('phone', 'jid')),
    value           text NOT NULL,
    contact_id      uuid NOT NULL,
    PRIMARY KEY (organization_id, kind, value),
    FOREIGN KEY (organization_id, contact_id) REFERENCES contacts (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_keys_contact ON contact_keys (organization_id, contact_id);

-- What a contact's messages say about its engagement (ContactActivity), kept by the message repository; deleted
-- with the contact. The last 32 outbound messages (ContactActivity.storedRecentLimit) are three parallel arrays,
-- oldest first, ordered as Swift orders them (sent time, then message id). The engaged segment counts the replied
-- flags among the last L entries in SQL:
--     (SELECT count(*) FROM unnest(recent_replied[greatest(1, cardinality(recent_replied) - L + 1):]) AS r(replied)
--      WHERE r.replied) >= N
-- Tests/WAPostgresTests/SchemaShapeTests.swift runs the whole segment-count query against EngagementPolicy.
CREATE TABLE contact_activities (
    organization_id    uuid          NOT NULL,
    contact_id         uuid          NOT NULL,
    outbound_count     integer       NOT NULL CHECK (outbound_count >= 0),
    replied_count      integer       NOT NULL CHECK (replied_count >= 0),
    last_inbound_at    timestamptz,
    recent_message_ids uuid[]        NOT NULL,
    recent_sent_at     timestamptz[] NOT NULL,
    recent_replied     boolean[]     NOT NULL,
    PRIMARY KEY (organization_id, contact_id),
    FOREIGN KEY (organization_id, contact_id) REFERENCES contacts (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT contact_activities_recent CHECK (
        cardinality(recent_message_ids) <= 32
        AND cardinality(recent_sent_at) = cardinality(recent_message_ids)
        AND cardinality(recent_replied) = cardinality(recent_message_ids))
);

-- MARK: - Chats and messages

CREATE TABLE chats (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    instance_id     uuid    NOT NULL,
    jid             text    NOT NULL,
    contact_id      uuid,
    is_archived     boolean NOT NULL,
    unread_count    integer NOT NULL CHECK (unread_count >= 0),
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT chats__jid UNIQUE (organization_id, instance_id, jid)
);
CREATE INDEX chats_contact ON chats (organization_id, contact_id) WHERE contact_id IS NOT NULL;

-- body is the text (or caption) the search filter looks in; sent_at and replied_at are the status timestamps the
-- reply attribution reads.
CREATE TABLE messages (
    organization_id uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    instance_id     uuid        NOT NULL,
    chat_jid        text        NOT NULL,
    contact_id      uuid,
    campaign_id     uuid,
    direction       text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    status          text        NOT NULL CHECK (status IN (
                        'queued', 'pending', 'sent', 'delivered', 'read', 'played', 'failed')),
    body            text,
    idempotency_key text,
    whatsapp_id     text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    replied_at      timestamptz,
    data            jsonb       NOT NULL,
    PRIMARY KEY (organization_id, id),
    -- Per instance: the same key on two instances names two messages. NULLs are distinct: a message without a key
    -- holds none.
    CONSTRAINT messages__idempotency_key UNIQUE (organization_id, instance_id, idempotency_key),
    CONSTRAINT messages__whatsapp_id UNIQUE (organization_id, instance_id, whatsapp_id)
);
CREATE INDEX messages_chat ON messages (organization_id, instance_id, chat_jid, id);
CREATE INDEX messages_contact ON messages (organization_id, contact_id, id) WHERE contact_id IS NOT NULL;
CREATE INDEX messages_campaign ON messages (organization_id, campaign_id, id) WHERE campaign_id IS NOT NULL;
-- MessageRepository.replyCandidate: the chat's latest unreplied outbound message sent within the window.
CREATE INDEX messages_reply_candidates ON messages (organization_id, instance_id, chat_jid, sent_at, id)
    WHERE direction = 'outbound' AND replied_at IS NULL;

-- Message figures per RollupSlot: one quarter-hour of UTC time (slot_start, seconds since the epoch, a multiple of
-- 900, as RollupSlot.start), one instance, one campaign. A primary key holds no NULL, so a slot of messages outside
-- any campaign has the nil UUID as campaign_id (an Identifier is a UUIDv7 and is never nil). Every column adds:
-- filing increments is one INSERT … ON CONFLICT (organization_id, slot_start, instance_id, campaign_id) DO UPDATE
-- SET sent = message_rollups.sent + EXCLUDED.sent, … , and LEAST/GREATEST for the latency minimum and maximum (both
-- ignore NULL, the value of a sketch with no latency). The sketches' zero counts and bounds are here; their
-- buckets are rows of message_rollup_latencies.
CREATE TABLE message_rollups (
    organization_id              uuid   NOT NULL,
    slot_start                   bigint NOT NULL CHECK (slot_start % 900 = 0),
    instance_id                  uuid   NOT NULL,
    campaign_id                  uuid   NOT NULL,
    sent                         bigint NOT NULL CHECK (sent >= 0),
    delivered                    bigint NOT NULL CHECK (delivered >= 0),
    read                         bigint NOT NULL CHECK (read >= 0),
    failed                       bigint NOT NULL CHECK (failed >= 0),
    replied                      bigint NOT NULL CHECK (replied >= 0),
    received                     bigint NOT NULL CHECK (received >= 0),
    -- The time-to-delivered sketch (seconds): values below its minimum, the smallest and the largest value.
    delivered_latency_zero_count bigint NOT NULL CHECK (delivered_latency_zero_count >= 0),
    delivered_latency_min        double precision,
    delivered_latency_max        double precision,
    -- The time-to-read sketch, likewise.
    read_latency_zero_count      bigint NOT NULL CHECK (read_latency_zero_count >= 0),
    read_latency_min             double precision,
    read_latency_max             double precision,
    PRIMARY KEY (organization_id, slot_start, instance_id, campaign_id)
);

-- The latency sketches' buckets (LogHistogramSketch: index → count), per slot and metric. Adding an increment is
-- INSERT … ON CONFLICT (organization_id, slot_start, instance_id, campaign_id, metric, bucket) DO UPDATE SET
-- count = message_rollup_latencies.count + EXCLUDED.count, after the slot's row.
CREATE TABLE message_rollup_latencies (
    organization_id uuid    NOT NULL,
    slot_start      bigint  NOT NULL,
    instance_id     uuid    NOT NULL,
    campaign_id     uuid    NOT NULL,
    metric          text    NOT NULL CHECK (metric IN ('delivered', 'read')),
    bucket          integer NOT NULL,
    count           bigint  NOT NULL CHECK (count >= 0),
    PRIMARY KEY (organization_id, slot_start, instance_id, campaign_id, metric, bucket),
    FOREIGN KEY (organization_id, slot_start, instance_id, campaign_id)
        REFERENCES message_rollups (organization_id, slot_start, instance_id, campaign_id) ON DELETE CASCADE
);

-- MARK: - Templates, campaigns, automations

CREATE TABLE templates (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    name            text    NOT NULL,
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT templates__name UNIQUE (organization_id, name)
);

CREATE TABLE campaigns (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    instance_id     uuid    NOT NULL,
    status          text    NOT NULL CHECK (status IN (
                        'draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed')),
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX campaigns_instance ON campaigns (organization_id, instance_id);

-- instance_id NULL: the automation applies to every instance of the organization.
CREATE TABLE automations (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    instance_id     uuid,
    is_enabled      boolean NOT NULL,
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id)
);

-- MARK: - Webhooks

-- The signing secrets are in `data` sealed with SecretBox, never in the clear.
CREATE TABLE webhook_endpoints (
    organization_id      uuid    NOT NULL,
    id                   uuid    NOT NULL,
    version              integer NOT NULL CHECK (version >= 1),
    is_enabled           boolean NOT NULL,
    consecutive_failures integer NOT NULL CHECK (consecutive_failures >= 0),
    data                 jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id)
);

CREATE TABLE deliveries (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    endpoint_id     uuid    NOT NULL,
    event_id        text    NOT NULL,
    status          text    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT deliveries__event_id UNIQUE (organization_id, endpoint_id, event_id)
);

-- MARK: - Audit log

-- Append-only: audit_events_append_only (below) refuses every UPDATE and DELETE, except the DELETE of an
-- organization's rows inside that organization's purge. version is always 1. The actor is three columns:
-- ('member', member, NULL), ('api_key', on-behalf-of member, key) or ('system', NULL, NULL).
CREATE TABLE audit_events (
    organization_id  uuid        NOT NULL,
    id               uuid        NOT NULL,
    version          integer     NOT NULL CHECK (version >= 1),
    action           text        NOT NULL,
    actor_type       text        NOT NULL CHECK (actor_type IN ('member', 'api_key', 'system')),
    actor_member_id  uuid,
    actor_api_key_id uuid,
    resource_id      text,
    occurred_at      timestamptz NOT NULL,
    data             jsonb       NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT audit_events_single_version CHECK (version = 1),
    CONSTRAINT audit_events_actor CHECK (
        (actor_type = 'system') = (actor_member_id IS NULL)
        AND (actor_type = 'api_key') = (actor_api_key_id IS NOT NULL))
);
CREATE INDEX audit_events_occurred ON audit_events (organization_id, occurred_at);

-- MARK: - Media

-- A stored media file's metadata; the bytes are media_writes and media_chunks (the MediaStore).
CREATE TABLE media_objects (
    organization_id uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    byte_count      bigint      NOT NULL CHECK (byte_count >= 0),
    created_at      timestamptz NOT NULL,
    data            jsonb       NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX media_objects_created ON media_objects (organization_id, created_at);

-- The MediaStore's bytes. Each MediaStore.write is one row here, started before its first chunk and completed
-- (completed_at and byte_count set) after its last; its chunks go to media_chunks in transactions of their own,
-- so that no transaction stays open while a client streams. Completing a write is one transaction that deletes
-- the media object's previous complete write (its chunks cascade) and marks this one complete: readers see the
-- old bytes or the new ones, never a mixture, and a write that fails midway leaves the old bytes. At most one
-- complete write per media object (media_writes__current). Incomplete writes left by a crash are removed by
-- upkeep (media_writes_abandoned).
CREATE TABLE media_writes (
    organization_id uuid        NOT NULL,
    write_id        uuid        NOT NULL,
    media_id        uuid        NOT NULL,
    started_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    byte_count      bigint      CHECK (byte_count >= 0),
    PRIMARY KEY (organization_id, write_id),
    CONSTRAINT media_writes_complete CHECK ((completed_at IS NULL) = (byte_count IS NULL))
);
CREATE UNIQUE INDEX media_writes__current ON media_writes (organization_id, media_id) WHERE completed_at IS NOT NULL;
CREATE INDEX media_writes_abandoned ON media_writes (organization_id, started_at) WHERE completed_at IS NULL;

-- One chunk of a write: at most 1 MiB (MediaChunks.maximumSize, the largest chunk a read yields), never empty (an
-- empty object has no chunk). byte_offset is where the chunk starts in the object, so that a range read fetches
-- only the chunks it overlaps.
CREATE TABLE media_chunks (
    organization_id uuid    NOT NULL,
    write_id        uuid    NOT NULL,
    chunk_index     integer NOT NULL CHECK (chunk_index >= 0),
    byte_offset     bigint  NOT NULL CHECK (byte_offset >= 0),
    bytes           bytea   NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 1048576),
    PRIMARY KEY (organization_id, write_id, chunk_index),
    FOREIGN KEY (organization_id, write_id) REFERENCES media_writes (organization_id, write_id) ON DELETE CASCADE
);

-- MARK: - Anti-ban

-- The password is in `data` sealed with SecretBox, never in the clear. address is the UniqueKey's value
-- ("<scheme>://<host lower-cased>:<port>"), computed by Swift.
CREATE TABLE proxy_servers (
    organization_id uuid    NOT NULL,
    id              uuid    NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    address         text    NOT NULL,
    data            jsonb   NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT proxy_servers__address UNIQUE (organization_id, address)
);

CREATE TABLE risk_alerts (
    organization_id uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    instance_id     uuid        NOT NULL,
    severity        text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    acknowledged_at timestamptz,
    data            jsonb       NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX risk_alerts_instance ON risk_alerts (organization_id, instance_id);

-- MARK: - Job queue

-- The durable job queue (JobRepository). attempt is the fencing token of the current claim.
CREATE TABLE jobs (
    organization_id uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    queue           text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('available', 'running', 'completed', 'failed', 'cancelled')),
    priority        integer     NOT NULL,
    scheduled_at    timestamptz NOT NULL,
    attempt         integer     NOT NULL CHECK (attempt >= 0),
    snoozes         integer     NOT NULL CHECK (snoozes >= 0),
    max_attempts    integer     NOT NULL CHECK (max_attempts >= 0),
    locked_by       text,
    locked_until    timestamptz,
    lane            text,
    unique_key      text,
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    data            jsonb       NOT NULL,
    PRIMARY KEY (organization_id, id)
);
-- An unfinished job holds its queue's unique key; a finished one no longer does (JobRepository.enqueue). Enqueue
-- is INSERT … ON CONFLICT (organization_id, queue, unique_key) WHERE unique_key IS NOT NULL AND state IN
-- ('available', 'running') DO NOTHING, then the holder is read when no row came back.
CREATE UNIQUE INDEX jobs__unique_key ON jobs (organization_id, queue, unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('available', 'running');
-- Claims: per organization and queue, the due available jobs in claim order (priority, scheduled_at, id); the
-- claim statement walks the organizations that have available jobs (a recursive CTE stepping through this
-- index's leading column), takes each one's first jobs of each queue from here, keeps the first `limit` overall
-- in claim order and locks them FOR UPDATE SKIP LOCKED.
CREATE INDEX jobs_claim ON jobs (organization_id, queue, priority, scheduled_at, id) WHERE state = 'available';
-- nextClaimTime: the earliest scheduled available job per organization and queue.
CREATE INDEX jobs_due ON jobs (organization_id, queue, scheduled_at) WHERE state = 'available';
-- Running jobs: expired leases to claim again (rescue), busy lanes and their lease ends (claims, nextClaimTime).
CREATE INDEX jobs_running ON jobs (organization_id, locked_until) WHERE state = 'running';
-- pruneFinished: finished jobs, oldest first.
CREATE INDEX jobs_finished ON jobs (organization_id, finished_at, id)
    WHERE state IN ('completed', 'failed', 'cancelled');
-- The uniqueKeyPrefix filter (a campaign's waves: unique_key LIKE '<campaign id>/%'); text_pattern_ops because
-- a prefix LIKE uses a plain index only under the C collation.
CREATE INDEX jobs_unique_key_prefix ON jobs (organization_id, unique_key text_pattern_ops)
    WHERE unique_key IS NOT NULL;

-- MARK: - Event log

-- Each organization's next event number: appending is UPDATE event_log_counters SET last_sequence =
-- last_sequence + 1 … RETURNING last_sequence (an INSERT … ON CONFLICT DO UPDATE for the first event), whose row
-- lock holds every other append of the organization until this transaction ends, so numbers are given in commit
-- order and without gaps (a rolled-back append gives its number back).
CREATE TABLE event_log_counters (
    organization_id uuid   NOT NULL,
    last_sequence   bigint NOT NULL CHECK (last_sequence >= 0),
    PRIMARY KEY (organization_id)
);

-- An organization's events by number. `data` is the whole WebhookEvent (id, type, createdAt, instanceID, data) as
-- the adapter encodes it; created_at is its copy for pruning.
CREATE TABLE event_log (
    organization_id uuid        NOT NULL,
    sequence        bigint      NOT NULL CHECK (sequence >= 1),
    event_type      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    data            jsonb       NOT NULL,
    PRIMARY KEY (organization_id, sequence)
);

-- How far each named reader of an organization's log has got (EventLogConsumer); read FOR UPDATE.
CREATE TABLE event_log_consumers (
    organization_id uuid    NOT NULL,
    name            text    NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    position        bigint  NOT NULL CHECK (position >= 0),
    is_scheduled    boolean NOT NULL,
    PRIMARY KEY (organization_id, name)
);

-- MARK: - Non-tenant tables

-- Values unique across all organizations (UniqueKey with isGlobal): organization slugs ('slug', the organization
-- as entity) and API key lookup ids ('lookup_id', the key as entity). A uniqueness that spans tenants cannot be
-- enforced per shard, so it lives here; the adapter writes a row in the same transaction as the record (INSERT …
-- ON CONFLICT DO NOTHING: no row back means taken; kind is the error's field) and deletes it with the record.
-- Row-level security applies as to tenant tables: a tenant transaction sees only its organization's names (the
-- lookups the contract allows it), the system scope sees all.
CREATE TABLE global_names (
    kind            text NOT NULL CHECK (kind IN ('slug', 'lookup_id')),
    value           text NOT NULL,
    organization_id uuid NOT NULL,
    entity_id       uuid NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX global_names_owner ON global_names (organization_id, entity_id);

-- Rate-limit state (RateLimitStore): one row per RateLimitKey, whose ids are not always organizations (client
-- addresses, sign-in attempts), so the table is shared by every tenant and has no row-level security. primary_id
-- and secondary_id are the key's 128-bit ids as UUIDs (high word first, big-endian; a missing secondary id is the
-- nil UUID). state is the adapter's binary encoding of RateLimitState; expires_at_ns is RateLimitState.expiresAt
-- in nanoseconds since the epoch, exactly as RateLimitInstant holds it (a timestamptz would round it): a state at
-- or past it counts as none and may be deleted.
CREATE TABLE rate_limit_states (
    scope         integer NOT NULL CHECK (scope BETWEEN 0 AND 65535),
    primary_id    uuid    NOT NULL,
    secondary_id  uuid    NOT NULL,
    state         bytea   NOT NULL,
    expires_at_ns bigint  NOT NULL,
    PRIMARY KEY (scope, primary_id, secondary_id)
);
CREATE INDEX rate_limit_states_expiry ON rate_limit_states (expires_at_ns);

-- MARK: - The append-only audit log

-- Refuses UPDATE, DELETE and TRUNCATE of audit events (SQLSTATE WA001), except DELETE of the rows of the
-- organization that the transaction is purging: OrganizationRepository.purge runs
-- set_config('app.purging_organization', <organization id>, true) first.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' THEN
        IF OLD.organization_id = nullif(current_setting('app.purging_organization', true), '')::uuid THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'WA001',
              HINT = 'only the purge of a whole organization deletes its audit events';
END
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- MARK: - Row-level security and grants

DO $$
DECLARE
    table_name text;
BEGIN
    FOREACH table_name IN ARRAY ARRAY[
        'organizations', 'members', 'member_credentials', 'api_keys', 'instances', 'session_archives',
        'risk_monitors', 'instance_leases', 'contacts', 'contact_keys', 'contact_activities', 'chats', 'messages',
        'message_rollups', 'message_rollup_latencies', 'templates', 'campaigns', 'automations',
        'webhook_endpoints', 'deliveries', 'audit_events', 'media_objects', 'media_writes', 'media_chunks',
        'proxy_servers', 'risk_alerts', 'jobs', 'event_log_counters', 'event_log', 'event_log_consumers',
        'global_names'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', table_name);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', table_name);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I TO wa_app'
            ' USING (organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid)'
            ' WITH CHECK (organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid)',
            table_name);
        EXECUTE format('CREATE POLICY system_scope ON %I TO wa_system USING (true) WITH CHECK (true)', table_name);
        -- audit_events too: its trigger refuses what an append-only log must not do.
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO wa_app, wa_system', table_name);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_states TO wa_app, wa_system;
