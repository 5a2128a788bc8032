import WACore

/// `jobs`: the durable queue. An unfinished job holds its queue's unique key (`jobs__unique_key`, a partial unique
/// index over available and running jobs); the claim order, the lanes and the leases are columns too.
enum JobMapping: PostgresEntityMapping {
    typealias Entity = Job
    static let table = "jobs"

    /// The states that hold a unique key, as the partial index `jobs__unique_key` says (and its predicate, exactly).
    static let unfinishedStates = "state IN ('available', 'running')"
    static let uniqueKeyPredicate = "unique_key IS NOT NULL AND \(unfinishedStates)"
    /// The states of a finished job, as the partial index `jobs_finished` says.
    static let finishedStates = "state IN ('completed', 'failed', 'cancelled')"

    static func columns(of j: Job) -> [(name: String, value: SQLValue)] {
        [
            ("queue", .text(j.queue)), ("state", .text(j.state.rawValue)), ("priority", .integer(j.priority)),
            ("scheduled_at", .date(j.scheduledAt)), ("attempt", .integer(j.attempt)), ("snoozes", .integer(j.snoozes)),
            ("max_attempts", .integer(j.maxAttempts)), ("locked_by", .text(j.lockedBy)),
            ("locked_until", .date(j.lockedUntil)), ("lane", .text(j.lane)), ("unique_key", .text(j.uniqueKey)),
            ("created_at", .date(j.createdAt)), ("finished_at", .date(j.finishedAt)),
        ]
    }

    static func conditions(_ filter: Job.Filter, into sql: inout SQLBuilder) {
        if let queue = filter.queue { sql.whereEqual("queue", .text(queue)) }
        if let state = filter.state { sql.whereEqual("state", .text(state.rawValue)) }
        if let prefix = filter.uniqueKeyPrefix {
            // A prefix LIKE (the index `jobs_unique_key_prefix` serves it), with LIKE's wildcards escaped so that the
            // prefix is compared exactly.
            var pattern = ""
            for character in prefix {
                if character == "\\" || character == "%" || character == "_" { pattern.append("\\") }
                pattern.append(character)
            }
            sql.append(" AND unique_key LIKE ")
            sql.append(bound: .text(pattern + "%"))
        }
        if let isFinished = filter.isFinished { sql.append(isFinished ? " AND \(finishedStates)" : " AND NOT \(finishedStates)") }
    }

    static func uniqueColumns(of key: String) -> [String] { key == "unique_key" ? ["queue", "unique_key"] : [] }
    static func uniquePredicate(of key: String) -> String? { key == "unique_key" ? unfinishedStates : nil }
}

/// `instance_leases`: one per instance (its id is the instance's), with the owner, the fencing token and the expiry.
enum LeaseMapping: PostgresEntityMapping {
    typealias Entity = InstanceLease
    static let table = "instance_leases"
    static func columns(of l: InstanceLease) -> [(name: String, value: SQLValue)] {
        [("owner", .text(l.owner)), ("token", .integer(Int(l.token))), ("expires_at", .date(l.expiresAt))]
    }
}
