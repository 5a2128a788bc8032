import Foundation
import PostgresNIO
import WACore

/// WACore's ``WACore/JobRepository`` on the `jobs` table: what the memory store's queue does
/// (`MemoryRepository+Jobs.swift`), in SQL.
///
/// **`data` and the columns.** Every statement that changes a job changes its typed columns and its `data` (the
/// job's JSON, which is what is read back) together, in SQL: `jsonb_set` for each changed field, `data - 'key'` for
/// a field that becomes `nil` (the encoder leaves `nil` out). A new value is computed from the row being updated
/// (`attempt + 1`, `version + 1`) or bound from Swift as the JSON the encoder writes (dates are seconds since
/// 2001 as a `Double`, bound exactly: a `timestamptz` keeps microseconds only, so returned dates always come from
/// `data`). So one statement reads, decides and writes, on the row version it locked: there is no window between a
/// read in Swift and a write back.
///
/// **Organizations.** Every index of `jobs` leads with `organization_id`, so statements across organizations
/// (claims, ``nextClaimTime(queues:now:)``, pruning) walk the organizations that have matching rows with a
/// recursive CTE (a loose index scan: each step is the next `organization_id` of a partial index) and take each
/// one's head from the index with a `LATERAL` subquery.
///
/// **Lanes** are compared as strings across organizations, like the memory store (an instance lane names a
/// UUIDv7, unique everywhere).
struct PostgresJobRepository: JobRepository, PostgresForwardingRepository {
    typealias Entity = Job

    let base: PostgresEntityRepository<JobMapping>

    /// The repository of the transaction `context` belongs to; the plain `Repository` calls go to `base`
    /// (``PostgresForwardingRepository``).
    init(context: PostgresTransactionContext) {
        base = PostgresEntityRepository(context: context)
    }

    /// The key space (`pg_try_advisory_xact_lock(key1, key2)`, `key1` = "WALN") of the lane locks claims take.
    static let laneLockSpace: Int32 = 0x5741_4C4E

    // MARK: Enqueue

    /// `INSERT … ON CONFLICT (organization_id, queue, unique_key) WHERE <jobs__unique_key's predicate> DO NOTHING`,
    /// and in the same statement the unfinished holder of the key when nothing was inserted. A holder committed by
    /// a concurrent enqueue after this statement's snapshot (the insert waited for it) is not in that snapshot: a
    /// second statement reads it; if the holder finished in between, the insert is tried again.
    func enqueue(_ job: Job) async throws(WAError) -> Job {
        try context.requireUsable(for: job.organizationID, Job.entityName)
        var stored = job
        stored.version = 1
        let columns = JobMapping.columns(of: stored)
        let json = try context.json(stored)
        for _ in 0..<3 {
            var sql = SQLBuilder("WITH inserted AS (INSERT INTO jobs (organization_id, id, version, data")
            for column in columns { sql.append(", \(column.name)") }
            sql.append(") VALUES (")
            let organization = sql.bind(.id(stored.organizationID))
            let placeholders = [organization, sql.bind(.id(stored.id)), "1", sql.bind(.json(json))] + columns.map { sql.bind($0.value) }
            sql.append(placeholders.joined(separator: ", "))
            sql.append(") ON CONFLICT (organization_id, queue, unique_key) WHERE \(JobMapping.uniqueKeyPredicate)")
            sql.append(" DO NOTHING RETURNING data::text AS data) SELECT data FROM inserted")
            if let key = stored.uniqueKey {
                sql.append(" UNION ALL SELECT data::text FROM jobs WHERE NOT EXISTS (SELECT 1 FROM inserted)")
                appendHolder(of: key, queue: stored.queue, organization: organization, into: &sql)
            }
            let texts = try await context.values(sql, as: String.self, doing: "enqueueing a job")
            if let text = texts.first {
                try await context.notify(.queue(stored.queue))
                return try context.decode(text, as: Job.self)
            }
            guard let key = stored.uniqueKey else { break }
            var holder = SQLBuilder("SELECT data::text FROM jobs WHERE true")
            let placeholder = holder.bind(.id(stored.organizationID))
            appendHolder(of: key, queue: stored.queue, organization: placeholder, into: &holder)
            let holders = try await context.values(holder, as: String.self, doing: "reading a job's unique key holder")
            if let text = holders.first { return try context.decode(text, as: Job.self) }
        }
        throw WAError(.storageConflict, "concurrent transactions kept changing the job's unique key; run it again")
    }

    private func appendHolder(of key: String, queue: String, organization: String, into sql: inout SQLBuilder) {
        sql.append(" AND organization_id = \(organization) AND queue = ")
        sql.append(bound: .text(queue))
        sql.append(" AND unique_key = ")
        sql.append(bound: .text(key))
        sql.append(" AND \(JobMapping.unfinishedStates)")
    }

    // MARK: Claims

    /// One statement claims; a second one, only when the claim took jobs with lanes, checks that no other claim of
    /// those lanes committed meanwhile.
    ///
    /// The statement (``claimStatement(queues:worker:limit:now:lockedUntil:lanes:json:explain:)``):
    /// `available_orgs` and `running_orgs` walk the organizations with available and running jobs; `busy` is the
    /// lanes with a running job under an unexpired lease; `candidates` takes, per organization and queue, the first
    /// due available jobs outside busy and unselected lanes in claim order (an index scan of `jobs_claim` that stops
    /// after `lookahead` rows), and per organization the running jobs whose lease expired (`jobs_running`);
    /// `ranked` numbers each lane's candidates in claim order. `to_claim` locks, in claim order, the first
    /// unexhausted candidate of each lane (and every one without a lane) `FOR UPDATE SKIP LOCKED` until `limit` are
    /// locked: the lock is below the `LIMIT`, so skipped rows do not count, and a row changed since the snapshot is
    /// checked again at its newest version (READ COMMITTED's recheck), so a job another claim took is passed over.
    /// `to_fail` locks the exhausted candidates that come before their lane's claim (every one without a lane), at
    /// most `limit` of them, in claim order. The two `UPDATE`s make the first running (attempt + 1, the worker, the
    /// lease) and fail the others, `data` with them; the claimed jobs come back in claim order.
    ///
    /// Lanes across concurrent claims: two claims whose snapshots differ (another `now`, a job enqueued in between)
    /// may see different first jobs of one lane. So a claim takes a transaction-level advisory lock on each lane it
    /// claims from (`pg_try_advisory_xact_lock`, not waiting: a lane another claim is taking is skipped), held until
    /// it commits; and after the statement, whose snapshot may predate a claim of the lane committed just before
    /// the lock was taken, it looks again with a new snapshot (taken after the locks, so it sees every such claim):
    /// another unexpired running job in one of its lanes makes the claim fail with `storage_conflict` (the
    /// transaction rolls back; run it again). So a lane never has two running jobs.
    ///
    /// `EXPLAIN`, on 60,000 analysed jobs of 3 organizations (`PostgresQueueTests.theClaimPlanUsesTheIndexes`):
    /// the walks are `LIMIT 1` index-only scans of `jobs_due` and `jobs_running` (partial indexes of available and
    /// running jobs); `busy` a bitmap scan of `jobs_running`; the candidates a parameterised index scan of
    /// `jobs_claim` per organization and queue (`organization_id`, `queue` and the due time as index conditions,
    /// in claim order, so the `LIMIT` stops it; lanes as filters) and of `jobs_running` per organization; the locks
    /// and both updates nested loops over the primary key. No sequential scan of `jobs`. (`.unheld` reads the
    /// unexpired leases once, as a hashed subplan.)
    func claim(
        queues: Set<String>, worker: String, limit: Int, lease: Duration, now: Date, lanes: JobLaneSelection
    ) async throws(WAError) -> [Job] {
        try context.requireUsable(for: nil, Job.entityName)
        guard context.scope == .system else {
            throw WAError(.tenantMismatch, "claiming jobs needs a system-scope transaction")
        }
        guard limit > 0, !queues.isEmpty else { return [] }
        if case .only(let selected) = lanes, selected.isEmpty { return [] }
        let lockedUntil = now.addingTimeInterval(lease.fractionalSeconds)
        let sql = try Self.claimStatement(
            queues: queues, worker: worker, limit: limit, now: now, lockedUntil: lockedUntil, lanes: lanes,
            json: { value throws(WAError) in try context.json(value) })
        var claimed: [Job] = []
        for text in try await context.values(sql, as: String.self, doing: "claiming jobs") {
            claimed.append(try context.decode(text, as: Job.self))
        }
        // Every claimed lane as it is: a Swift `Set` would merge canonically equivalent lanes, which PostgreSQL (and
        // the claim's lane locks) tell apart.
        let claimedLanes = claimed.compactMap(\.lane)
        guard !claimedLanes.isEmpty else { return claimed }
        var check = SQLBuilder("WITH RECURSIVE ")
        check.append(Self.organizationWalk("running_orgs", where: "state = 'running'"))
        check.append(" SELECT r.lane FROM running_orgs o CROSS JOIN LATERAL (SELECT j.lane FROM jobs j")
        check.append(" WHERE j.organization_id = o.organization_id AND j.state = 'running' AND j.locked_until > ")
        check.append(bound: .date(now))
        check.append(" AND j.lane = ANY(")
        check.append(bound: .texts(claimedLanes))
        check.append(") AND NOT (j.id = ANY(")
        check.append(bound: .uuids(claimed.map(\.id.uuid)))
        check.append("))) r WHERE o.organization_id IS NOT NULL LIMIT 1")
        let contested = try await context.values(check, as: String.self, doing: "checking the claimed jobs' lanes")
        if !contested.isEmpty {
            throw WAError(.storageConflict, "a concurrent claim took a job of the same lane; run the claim again")
        }
        return claimed
    }

    /// The claim statement (see ``claim(queues:worker:limit:lease:now:lanes:)``).
    static func claimStatement(
        queues: Set<String>, worker: String, limit: Int, now: Date, lockedUntil: Date, lanes: JobLaneSelection,
        json: (Date) throws(WAError) -> String, explain: Bool = false
    ) throws(WAError) -> SQLBuilder {
        var sql = SQLBuilder(explain ? "EXPLAIN " : "")
        let queueList = sql.bind(.texts(queues.sorted()))
        let at = sql.bind(.date(now))
        let atJSON = sql.bind(.json(try json(now)))
        let lookahead = sql.bind(.integer(limit * 2 + 16))
        let laneCondition = selection(lanes, now: at, into: &sql)
        let count = sql.bind(.integer(limit))
        let workerName = sql.bind(.text(worker))
        let leaseEnd = sql.bind(.date(lockedUntil))
        let leaseEndJSON = sql.bind(.json(try json(lockedUntil)))
        let claimable = "((j.state = 'available' AND j.scheduled_at <= \(at)) OR (j.state = 'running' AND j.locked_until <= \(at)))"
        let outsideBusyLanes = "(j.lane IS NULL OR j.lane NOT IN (SELECT lane FROM busy))"
        let candidateColumns =
            "j.organization_id, j.id, j.lane, j.priority, j.scheduled_at, j.attempt - j.snoozes >= j.max_attempts AS exhausted"
        sql.append("WITH RECURSIVE ")
        sql.append(organizationWalk("available_orgs", where: "state = 'available'"))
        sql.append(", ")
        sql.append(organizationWalk("running_orgs", where: "state = 'running'"))
        sql.append("""
            , busy AS MATERIALIZED (
                SELECT DISTINCT r.lane FROM running_orgs o CROSS JOIN LATERAL (
                    SELECT j.lane FROM jobs j
                    WHERE j.organization_id = o.organization_id AND j.state = 'running' AND j.locked_until > \(at)
                      AND j.lane IS NOT NULL) r
                WHERE o.organization_id IS NOT NULL
            ), candidates AS MATERIALIZED (
                SELECT c.* FROM available_orgs o CROSS JOIN unnest(\(queueList)::text[]) AS q(queue) CROSS JOIN LATERAL (
                    SELECT \(candidateColumns) FROM jobs j
                    WHERE j.organization_id = o.organization_id AND j.queue = q.queue AND j.state = 'available'
                      AND j.scheduled_at <= \(at) AND \(outsideBusyLanes)\(laneCondition)
                    ORDER BY j.priority, j.scheduled_at, j.id LIMIT \(lookahead)) c
                WHERE o.organization_id IS NOT NULL
                UNION ALL
                SELECT c.* FROM running_orgs o CROSS JOIN LATERAL (
                    SELECT \(candidateColumns) FROM jobs j
                    WHERE j.organization_id = o.organization_id AND j.state = 'running' AND j.locked_until <= \(at)
                      AND j.queue = ANY(\(queueList)::text[]) AND \(outsideBusyLanes)\(laneCondition)
                    ORDER BY j.priority, j.scheduled_at, j.id LIMIT \(lookahead)) c
                WHERE o.organization_id IS NOT NULL
            ), ranked AS MATERIALIZED (
                SELECT p.*, min(p.position) FILTER (WHERE NOT p.exhausted) OVER (PARTITION BY p.lane) AS claim_position
                FROM (
                    SELECT c.*, row_number() OVER (PARTITION BY c.lane ORDER BY c.priority, c.scheduled_at, c.id) AS position
                    FROM candidates c) p
            ), to_claim AS (
                SELECT j.organization_id, j.id, r.lane FROM ranked r
                JOIN jobs j ON j.organization_id = r.organization_id AND j.id = r.id
                WHERE NOT r.exhausted AND (r.lane IS NULL OR r.position = r.claim_position)
                  AND \(claimable) AND j.attempt - j.snoozes < j.max_attempts
                ORDER BY r.priority, r.scheduled_at, r.id
                LIMIT \(count)
                FOR UPDATE OF j SKIP LOCKED
            ), to_fail AS (
                SELECT l.organization_id, l.id FROM ranked r CROSS JOIN LATERAL (
                    SELECT j.organization_id, j.id FROM jobs j
                    WHERE j.organization_id = r.organization_id AND j.id = r.id
                      AND \(claimable) AND j.attempt - j.snoozes >= j.max_attempts
                    FOR UPDATE SKIP LOCKED) l
                WHERE r.exhausted AND (r.lane IS NULL OR r.claim_position IS NULL OR r.position < r.claim_position)
                ORDER BY r.priority, r.scheduled_at, r.id
                LIMIT \(count)
            ), failed AS (
                UPDATE jobs j SET state = 'failed', finished_at = \(at), locked_by = NULL, locked_until = NULL,
                    version = j.version + 1,
                    data = \(setting("j.data", [
                        ("lockedBy", nil), ("lockedUntil", nil), ("state", "'\"failed\"'"), ("finishedAt", atJSON),
                        ("lastError", "coalesce(j.data -> 'lastError', to_jsonb('gave up after ' || j.attempt || ' attempts'))"),
                        ("version", "to_jsonb(j.version + 1)"),
                    ]))
                FROM to_fail f WHERE j.organization_id = f.organization_id AND j.id = f.id
                RETURNING j.id
            ), claimed AS (
                UPDATE jobs j SET state = 'running', attempt = j.attempt + 1, locked_by = \(workerName),
                    locked_until = \(leaseEnd), version = j.version + 1,
                    data = \(setting("j.data", [
                        ("state", "'\"running\"'"), ("attempt", "to_jsonb(j.attempt + 1)"),
                        ("lockedBy", "to_jsonb(\(workerName)::text)"), ("lockedUntil", leaseEndJSON),
                        ("version", "to_jsonb(j.version + 1)"),
                    ]))
                FROM to_claim c WHERE j.organization_id = c.organization_id AND j.id = c.id
                  AND (c.lane IS NULL OR pg_try_advisory_xact_lock(\(laneLockSpace), hashtext(c.lane)))
                RETURNING j.data::text AS data, j.priority, j.scheduled_at, j.id
            )
            SELECT data FROM claimed ORDER BY priority, scheduled_at, id
            """)
        return sql
    }

    /// The lane selection as conditions on `j`, each as ` AND …`.
    private static func selection(_ lanes: JobLaneSelection, now: String, into sql: inout SQLBuilder) -> String {
        switch lanes {
        case .all:
            return ""
        case .only(let selected):
            return " AND j.lane = ANY(\(sql.bind(.texts(selected.sorted()))))"
        case .unheld:
            // Job.instance(ofLane:): "instance:" and a UUID's 36 characters; held when the instance's lease (in the
            // job's organization, by primary key) is unexpired and its lane string is exactly this one. CASE keeps
            // the uuid cast from ever seeing another lane.
            let uuid = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
            return """
                 AND (j.lane IS NULL OR CASE WHEN j.lane ~ '^instance:\(uuid)$' THEN NOT EXISTS (
                    SELECT 1 FROM instance_leases l WHERE l.organization_id = j.organization_id
                      AND l.id = substr(j.lane, 10)::uuid AND 'instance:' || l.id::text = j.lane AND l.expires_at > \(now))
                    ELSE false END)
                """
        }
    }

    /// A recursive CTE `name(organization_id)` listing the organizations that have rows matching `predicate` (a
    /// partial index's predicate: every step is one probe of that index), then one `NULL` row that ends the walk.
    static func organizationWalk(_ name: String, where predicate: String) -> String {
        """
        \(name)(organization_id) AS (
            (SELECT organization_id FROM jobs WHERE \(predicate) ORDER BY organization_id LIMIT 1)
            UNION ALL
            SELECT (SELECT j.organization_id FROM jobs j WHERE j.\(predicate) AND j.organization_id > o.organization_id
                    ORDER BY j.organization_id LIMIT 1)
            FROM \(name) o WHERE o.organization_id IS NOT NULL
        )
        """
    }

    /// `base` with each key set to a `jsonb` SQL expression, or removed for `nil` (the encoder leaves `nil` out).
    /// Keys are the entity's coding keys, written here (never a value).
    static func setting(_ base: String, _ changes: [(key: String, value: String?)]) -> String {
        var expression = base
        for change in changes {
            if let value = change.value {
                expression = "jsonb_set(\(expression), '{\(change.key)}', \(value))"
            } else {
                expression = "(\(expression) - '\(change.key)')"
            }
        }
        return expression
    }

    // MARK: Next claim time

    /// The earliest of: per organization and queue, the due time of the first available job outside busy lanes
    /// (`jobs_due` in time order) and, for the jobs of busy lanes due before it, the later of their time and their
    /// lane's lease end; per organization, the earliest lease end of a running job (`jobs_running`). Times come
    /// from `data` as the exact `Double`s the encoder wrote.
    func nextClaimTime(queues: Set<String>, now: Date) async throws(WAError) -> Date? {
        try context.requireUsable(for: nil, Job.entityName)
        guard context.scope == .system else {
            throw WAError(.tenantMismatch, "looking across every organization's jobs needs a system-scope transaction")
        }
        guard !queues.isEmpty else { return nil }
        var sql = SQLBuilder()
        let queueList = sql.bind(.texts(queues.sorted()))
        let at = sql.bind(.date(now))
        let nowSeconds = sql.bind(.text(String(now.timeIntervalSinceReferenceDate)))
        sql.append("WITH RECURSIVE ")
        sql.append(Self.organizationWalk("available_orgs", where: "state = 'available'"))
        sql.append(", ")
        sql.append(Self.organizationWalk("running_orgs", where: "state = 'running'"))
        sql.append("""
            , busy AS MATERIALIZED (
                SELECT r.lane, max((r.data ->> 'lockedUntil')::float8) AS until FROM running_orgs o CROSS JOIN LATERAL (
                    SELECT j.lane, j.data FROM jobs j
                    WHERE j.organization_id = o.organization_id AND j.state = 'running' AND j.locked_until > \(at)
                      AND j.lane IS NOT NULL) r
                WHERE o.organization_id IS NOT NULL
                GROUP BY r.lane
            ), times AS (
                SELECT w.at FROM available_orgs o CROSS JOIN unnest(\(queueList)::text[]) AS q(queue) CROSS JOIN LATERAL (
                    SELECT min(greatest((j.data ->> 'scheduledAt')::float8, b.until)) AS at
                    FROM jobs j LEFT JOIN busy b ON b.lane = j.lane
                    WHERE j.organization_id = o.organization_id AND j.queue = q.queue AND j.state = 'available'
                      AND j.scheduled_at <= coalesce((
                        SELECT f.scheduled_at FROM jobs f
                        WHERE f.organization_id = o.organization_id AND f.queue = q.queue AND f.state = 'available'
                          AND (f.lane IS NULL OR f.lane NOT IN (SELECT lane FROM busy))
                        ORDER BY f.scheduled_at LIMIT 1), 'infinity')) w
                WHERE o.organization_id IS NOT NULL
                UNION ALL
                SELECT r.at FROM running_orgs o CROSS JOIN LATERAL (
                    SELECT coalesce((j.data ->> 'lockedUntil')::float8, \(nowSeconds)::float8) AS at
                    FROM jobs j
                    WHERE j.organization_id = o.organization_id AND j.state = 'running' AND j.queue = ANY(\(queueList)::text[])
                    ORDER BY j.locked_until LIMIT 1) r
                WHERE o.organization_id IS NOT NULL
            )
            SELECT min(at) FROM times
            """)
        let values = try await context.values(sql, as: Double?.self, doing: "finding the next claim time")
        return values.first.flatMap { $0 }.map { Date(timeIntervalSinceReferenceDate: $0) }
    }

    // MARK: Pruning

    /// Per organization with finished jobs (`jobs_finished`), its oldest `limit` finished before `before`; of
    /// those the oldest `limit` overall (finish time, then id), locked `SKIP LOCKED` and deleted.
    func pruneFinished(before: Date, limit: Int) async throws(WAError) -> Int {
        try context.requireUsable(for: nil, Job.entityName)
        guard context.scope == .system else {
            throw WAError(.tenantMismatch, "pruning every organization's jobs needs a system-scope transaction")
        }
        guard limit > 0 else { return 0 }
        var sql = SQLBuilder()
        let cutOff = sql.bind(.date(before))
        let count = sql.bind(.integer(limit))
        sql.append("WITH RECURSIVE ")
        sql.append(Self.organizationWalk("finished_orgs", where: JobMapping.finishedStates))
        sql.append("""
            , oldest AS (
                SELECT d.organization_id, d.id, d.finished_at FROM finished_orgs o CROSS JOIN LATERAL (
                    SELECT j.organization_id, j.id, j.finished_at FROM jobs j
                    WHERE j.organization_id = o.organization_id AND j.\(JobMapping.finishedStates)
                      AND j.finished_at < \(cutOff)
                    ORDER BY j.finished_at, j.id LIMIT \(count)) d
                WHERE o.organization_id IS NOT NULL
                ORDER BY d.finished_at, d.id LIMIT \(count)
            ), doomed AS (
                SELECT j.organization_id, j.id FROM oldest d
                JOIN jobs j ON j.organization_id = d.organization_id AND j.id = d.id
                WHERE j.\(JobMapping.finishedStates)
                FOR UPDATE OF j SKIP LOCKED
            )
            DELETE FROM jobs j USING doomed d WHERE j.organization_id = d.organization_id AND j.id = d.id RETURNING 1
            """)
        return try await context.count(sql, doing: "pruning finished jobs")
    }

    // MARK: Fenced changes

    func complete(_ id: JobID, in organization: OrganizationID, attempt: Int, now: Date) async throws(WAError) -> Job {
        var sql = SQLBuilder()
        let finishedAt = sql.bind(.date(now))
        let finishedJSON = sql.bind(.json(try context.json(now)))
        return try await fenced(
            id, organization, attempt, columns: ["state = 'completed'", "finished_at = \(finishedAt)"],
            data: [("state", "'\"completed\"'"), ("finishedAt", finishedJSON)], sql)
    }

    func retry(_ id: JobID, in organization: OrganizationID, attempt: Int, at: Date, error: String)
        async throws(WAError) -> Job
    {
        var sql = SQLBuilder()
        let scheduled = sql.bind(.date(at))
        let scheduledJSON = sql.bind(.json(try context.json(at)))
        let message = sql.bind(.text(error))
        return try await fenced(
            id, organization, attempt, columns: ["state = 'available'", "scheduled_at = \(scheduled)"],
            data: [("state", "'\"available\"'"), ("scheduledAt", scheduledJSON), ("lastError", "to_jsonb(\(message)::text)")],
            sql)
    }

    /// With `holdingLane`, the same statement moves the lane's other available jobs due before `until` to `until`
    /// (their `data` too).
    func snooze(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date, holdingLane: Bool)
        async throws(WAError) -> Job
    {
        var sql = SQLBuilder()
        let scheduled = sql.bind(.date(until))
        let scheduledJSON = sql.bind(.json(try context.json(until)))
        var hold: String?
        if holdingLane {
            hold = """
                UPDATE jobs o SET scheduled_at = \(scheduled), version = o.version + 1,
                    data = \(Self.setting("o.data", [("scheduledAt", scheduledJSON), ("version", "to_jsonb(o.version + 1)")]))
                FROM changed s
                WHERE s.lane IS NOT NULL AND o.organization_id = s.organization_id AND o.lane = s.lane AND o.id <> s.id
                  AND o.state = 'available' AND o.scheduled_at < \(scheduled)
                RETURNING 1
                """
        }
        let snoozed = try await fenced(
            id, organization, attempt,
            columns: ["state = 'available'", "scheduled_at = \(scheduled)", "snoozes = jobs.snoozes + 1"],
            data: [("state", "'\"available\"'"), ("scheduledAt", scheduledJSON), ("snoozes", "to_jsonb(jobs.snoozes + 1)")],
            sql, also: hold)
        try await context.notify(.queue(snoozed.queue))
        return snoozed
    }

    func fail(_ id: JobID, in organization: OrganizationID, attempt: Int, error: String, now: Date)
        async throws(WAError) -> Job
    {
        var sql = SQLBuilder()
        let finishedAt = sql.bind(.date(now))
        let finishedJSON = sql.bind(.json(try context.json(now)))
        let message = sql.bind(.text(error))
        return try await fenced(
            id, organization, attempt, columns: ["state = 'failed'", "finished_at = \(finishedAt)"],
            data: [("state", "'\"failed\"'"), ("finishedAt", finishedJSON), ("lastError", "to_jsonb(\(message)::text)")],
            sql)
    }

    func extendLease(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date) async throws(WAError)
        -> Job
    {
        var sql = SQLBuilder()
        let lockedUntil = sql.bind(.date(until))
        let lockedJSON = sql.bind(.json(try context.json(until)))
        return try await fenced(
            id, organization, attempt, releases: false, columns: ["locked_until = \(lockedUntil)"],
            data: [("lockedUntil", lockedJSON)], sql)
    }

    /// One `UPDATE … WHERE state = 'running' AND attempt = $attempt RETURNING data` applying `columns` and `data`
    /// (and releasing the lock unless told not to), with `also` (a statement over the changed row, `changed`) in
    /// the same statement. When it changes nothing, one more query tells `not_found` from `lease_lost`.
    private func fenced(
        _ id: JobID, _ organization: OrganizationID, _ attempt: Int, releases: Bool = true, columns: [String],
        data: [(key: String, value: String?)], _ base: SQLBuilder, also: String? = nil
    ) async throws(WAError) -> Job {
        try context.requireUsable(for: organization, Job.entityName)
        var sql = base
        var assignments = columns + ["version = jobs.version + 1"]
        var changes = data
        if releases {
            assignments += ["locked_by = NULL", "locked_until = NULL"]
            changes += [("lockedBy", nil), ("lockedUntil", nil)]
        }
        changes.append(("version", "to_jsonb(jobs.version + 1)"))
        assignments.append("data = \(Self.setting("jobs.data", changes))")
        let organizationPlaceholder = sql.bind(.id(organization))
        let idPlaceholder = sql.bind(.id(id))
        sql.append("WITH changed AS (UPDATE jobs SET \(assignments.joined(separator: ", "))")
        sql.append(" WHERE jobs.organization_id = \(organizationPlaceholder) AND jobs.id = \(idPlaceholder)")
        sql.append(" AND jobs.state = 'running' AND jobs.attempt = ")
        sql.append(bound: .integer(attempt))
        sql.append(" RETURNING jobs.organization_id, jobs.id, jobs.lane, jobs.data::text AS data)")
        if let also { sql.append(", held AS (\(also))") }
        sql.append(" SELECT data FROM changed")
        let texts = try await context.values(sql, as: String.self, doing: "changing a claimed job")
        if let text = texts.first { return try context.decode(text, as: Job.self) }
        var check = SQLBuilder("SELECT 1 FROM jobs WHERE organization_id = ")
        check.append(bound: .id(organization))
        check.append(" AND id = ")
        check.append(bound: .id(id))
        guard try await context.count(check, doing: "reading a job") > 0 else { throw .notFound(Job.entityName) }
        throw WAError(.leaseLost, "the job was claimed again by another worker")
    }
}

extension Duration {
    /// The duration in (fractional) seconds, as WACore adds a `Duration` to a `Date` (so that a lease's end is the
    /// very `Date` the memory store computes).
    var fractionalSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
