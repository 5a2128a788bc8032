-- Message rollups at three spans: every row of message_rollups and message_rollup_latencies now says how much time it
-- covers. `span` 900 is the quarter-hour slot (RollupSlot) as before; 3600 is the UTC hour that holds it, 86400 the
-- UTC day. The message repository files each increment at all three spans in the same statement, so the three
-- always agree; a read covers each day it is asked for with the coarsest rows whose bounds fall inside it: a UTC
-- day reads one day row per key, a day of a whole-hour zone (Europe/Berlin, daylight saving included) hour rows, and
-- only the quarter-hours at the edge of a day of a quarter-hour zone (Asia/Kathmandu) read slots. Answers stay
-- exact in every zone; the dashboard over 30 UTC days reads 30 rows per key instead of 2,880.
--
-- `slot_start` stays the row's first second since the epoch, a multiple of its span. The primary keys gain `span`
-- after `organization_id` (which still leads them), and the buckets' foreign key follows.

DO $$
DECLARE
    constraint_name text;
BEGIN
    SELECT conname INTO STRICT constraint_name FROM pg_constraint
    WHERE conrelid = 'message_rollup_latencies'::regclass AND contype = 'f';
    EXECUTE format('ALTER TABLE message_rollup_latencies DROP CONSTRAINT %I', constraint_name);
END
$$;

ALTER TABLE message_rollups ADD COLUMN span integer NOT NULL DEFAULT 900;
ALTER TABLE message_rollups ALTER COLUMN span DROP DEFAULT;
ALTER TABLE message_rollups ADD CONSTRAINT message_rollups_span
    CHECK (span IN (900, 3600, 86400) AND slot_start % span = 0);
ALTER TABLE message_rollups DROP CONSTRAINT message_rollups_pkey;
ALTER TABLE message_rollups ADD PRIMARY KEY (organization_id, span, slot_start, instance_id, campaign_id);

ALTER TABLE message_rollup_latencies ADD COLUMN span integer NOT NULL DEFAULT 900;
ALTER TABLE message_rollup_latencies ALTER COLUMN span DROP DEFAULT;
ALTER TABLE message_rollup_latencies DROP CONSTRAINT message_rollup_latencies_pkey;
ALTER TABLE message_rollup_latencies
    ADD PRIMARY KEY (organization_id, span, slot_start, instance_id, campaign_id, metric, bucket);
ALTER TABLE message_rollup_latencies ADD FOREIGN KEY (organization_id, span, slot_start, instance_id, campaign_id)
    REFERENCES message_rollups (organization_id, span, slot_start, instance_id, campaign_id) ON DELETE CASCADE;

-- The hours and days of the slots stored so far. Forced row-level security binds the owner too: rows are read and
-- written as wa_system (0002_schema), and the role is reset for the migrator's own bookkeeping.
SET LOCAL ROLE wa_system;

INSERT INTO message_rollups (organization_id, span, slot_start, instance_id, campaign_id, sent, delivered, read,
    failed, replied, received, delivered_latency_zero_count, delivered_latency_min, delivered_latency_max,
    read_latency_zero_count, read_latency_min, read_latency_max)
SELECT r.organization_id, s.span, r.slot_start - ((r.slot_start % s.span) + s.span) % s.span, r.instance_id,
    r.campaign_id, sum(r.sent), sum(r.delivered), sum(r.read), sum(r.failed), sum(r.replied), sum(r.received),
    sum(r.delivered_latency_zero_count), min(r.delivered_latency_min), max(r.delivered_latency_max),
    sum(r.read_latency_zero_count), min(r.read_latency_min), max(r.read_latency_max)
FROM message_rollups r CROSS JOIN (VALUES (3600), (86400)) AS s(span)
WHERE r.span = 900
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO message_rollup_latencies (organization_id, span, slot_start, instance_id, campaign_id, metric, bucket,
    count)
SELECT l.organization_id, s.span, l.slot_start - ((l.slot_start % s.span) + s.span) % s.span, l.instance_id,
    l.campaign_id, l.metric, l.bucket, sum(l.count)
FROM message_rollup_latencies l CROSS JOIN (VALUES (3600), (86400)) AS s(span)
WHERE l.span = 900
GROUP BY 1, 2, 3, 4, 5, 6, 7;

RESET ROLE;
