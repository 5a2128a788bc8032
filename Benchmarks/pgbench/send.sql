-- Accepting a send: the statements PostgresStore sends for MessagingService.send (one transaction), in its order,
-- with pgbench variables where the adapter binds values (WAPostgresBenchmarks passes them with -D, from the rows the
-- adapter wrote). The adapter makes the new ids in Swift; pgbench has no string functions, so the first statement
-- (not the adapter's) asks the server for them.
SELECT gen_random_uuid() AS message_id, gen_random_uuid() AS job_id, gen_random_uuid() AS audit_id \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('app.organization_id', :org, true);
SET LOCAL ROLE wa_app;
SELECT data::text FROM members WHERE organization_id = :org AND id = :member;
SELECT data::text FROM instances WHERE organization_id = :org AND id = :instance;
SELECT c.data::text FROM contact_keys k JOIN contacts c ON c.organization_id = k.organization_id AND c.id = k.contact_id WHERE k.organization_id = :org AND k.kind = 'phone' AND k.value = ANY(:phones);
SELECT data::text FROM organizations WHERE organization_id = :org AND id = :org;
SELECT state, expires_at_ns FROM rate_limit_states WHERE scope = :quota_scope AND primary_id = :org AND secondary_id = :nil;
INSERT INTO messages (organization_id, id, version, data, instance_id, chat_jid, contact_id, campaign_id, direction, status, body, idempotency_key, whatsapp_id, created_at, sent_at, replied_at) VALUES (:org, :message_id, 1, :message_data::jsonb, :instance, :chat, NULL, NULL, 'outbound', 'queued', :body, NULL, NULL, :now, NULL, NULL) ON CONFLICT DO NOTHING RETURNING 1;
WITH inserted AS (INSERT INTO jobs (organization_id, id, version, data, queue, state, priority, scheduled_at, attempt, snoozes, max_attempts, locked_by, locked_until, lane, unique_key, created_at, finished_at) VALUES (:org, :job_id, 1, :job_data::jsonb, 'message.send', 'available', 0, :now, 0, 0, 100, NULL, NULL, :lane, :message_id, :now, NULL) ON CONFLICT (organization_id, queue, unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running') DO NOTHING RETURNING data::text AS data) SELECT data FROM inserted UNION ALL SELECT data::text FROM jobs WHERE NOT EXISTS (SELECT 1 FROM inserted) AND organization_id = :org AND queue = 'message.send' AND unique_key = :message_id AND state IN ('available', 'running');
SELECT pg_notify('wa_wakeups', :queue_topic);
INSERT INTO audit_events (organization_id, id, version, data, actor_type, actor_member_id, actor_api_key_id, action, resource_id, occurred_at) VALUES (:org, :audit_id, 1, :audit_data::jsonb, 'member', :member, NULL, 'message.queued', :message_id, :now) ON CONFLICT DO NOTHING RETURNING 1;
WITH next AS (INSERT INTO event_log_counters (organization_id, last_sequence) VALUES (:org, 1) ON CONFLICT (organization_id) DO UPDATE SET last_sequence = event_log_counters.last_sequence + 1 RETURNING last_sequence), appended AS (INSERT INTO event_log (organization_id, sequence, event_type, created_at, data) SELECT :org, last_sequence, 'message.queued', :now, :event_data::jsonb FROM next RETURNING sequence), consumer AS (SELECT position, is_scheduled FROM event_log_consumers WHERE organization_id = :org AND name = 'webhooks' FOR UPDATE) SELECT sequence, (SELECT position FROM consumer), (SELECT is_scheduled FROM consumer) FROM appended, (SELECT pg_notify('wa_wakeups', 'event_log')) AS wake;
COMMIT;
