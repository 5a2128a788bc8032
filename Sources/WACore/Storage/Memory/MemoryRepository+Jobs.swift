import Foundation

extension MemoryRepository: JobRepository where Entity == Job {
    func enqueue(_ job: Job) async throws(WAError) -> Job {
        if let key = job.uniqueKeys.first, let existing = try find(unique: key, in: job.organizationID) {
            return existing
        }
        let stored = try await insert(job)
        transaction.touch(.queue(job.queue))
        return stored
    }

    func claim(
        queues: Set<String>, worker: String, limit: Int, lease: Duration, now: Date, lanes: JobLaneSelection
    ) async throws(WAError) -> [Job] {
        guard transaction.scope == .system else {
            throw WAError(.tenantMismatch, "claiming jobs needs a system-scope transaction")
        }
        guard limit > 0 else { return [] }
        var heldLanes: Set<String> = []
        if lanes == .unheld {
            heldLanes = try transaction.withTable(InstanceLease.self, for: nil) { table, _ in
                Set(table.rows.values.filter { $0.expiresAt > now }.map { Job.instanceLane($0.id.retyped()) })
            }
        }
        func selected(_ job: Job) -> Bool {
            switch lanes {
            case .all: true
            case .only(let lanes): job.lane.map(lanes.contains) ?? false
            case .unheld: job.lane.map { Job.instance(ofLane: $0) != nil && !heldLanes.contains($0) } ?? true
            }
        }
        return try transaction.withTable(Job.self, for: nil) { table, undo in
            let due = table.rows.values
                .filter { job in queues.contains(job.queue) && job.isClaimable(at: now) && selected(job) }
                .sorted { ($0.priority, $0.scheduledAt, $0.id) < ($1.priority, $1.scheduledAt, $1.id) }
            var busyLanes = Set(Self.busyLanes(in: table.rows.values, at: now).keys)
            var claimed: [Job] = []
            for old in due {
                if claimed.count == limit { break }
                if let lane = old.lane, busyLanes.contains(lane) { continue }
                var job = old
                job.version += 1
                if job.failedClaims >= job.maxAttempts {
                    job.state = .failed
                    job.finishedAt = now
                    job.lockedBy = nil
                    job.lockedUntil = nil
                    job.lastError = job.lastError ?? "gave up after \(job.attempt) attempts"
                } else {
                    job.state = .running
                    job.attempt += 1
                    job.lockedBy = worker
                    job.lockedUntil = now.adding(lease)
                    claimed.append(job)
                    if let lane = job.lane { busyLanes.insert(lane) }
                }
                table.put(job)
                undo.append { table.put(old) }
            }
            return claimed
        }
    }

    func pruneFinished(before: Date, limit: Int) async throws(WAError) -> Int {
        guard transaction.scope == .system else {
            throw WAError(.tenantMismatch, "pruning every organization's jobs needs a system-scope transaction")
        }
        guard limit > 0 else { return 0 }
        return try transaction.withTable(Job.self, for: nil) { table, undo in
            let expired = table.rows.values
                .filter { $0.state.isFinal && ($0.finishedAt ?? .distantFuture) < before }
                .sorted { ($0.finishedAt ?? before, $0.id) < ($1.finishedAt ?? before, $1.id) }
                .prefix(limit)
            for job in expired {
                table.remove(job.id)
                undo.append { table.put(job) }
            }
            return expired.count
        }
    }

    func nextClaimTime(queues: Set<String>, now: Date) async throws(WAError) -> Date? {
        guard transaction.scope == .system else {
            throw WAError(.tenantMismatch, "looking across every organization's jobs needs a system-scope transaction")
        }
        return try transaction.withTable(Job.self, for: nil) { table, _ in
            let busyUntil = Self.busyLanes(in: table.rows.values, at: now)
            var next: Date?
            for job in table.rows.values where queues.contains(job.queue) {
                let at: Date
                switch job.state {
                case .available:
                    at = max(job.scheduledAt, job.lane.flatMap { busyUntil[$0] } ?? job.scheduledAt)
                case .running:
                    at = job.lockedUntil ?? now
                default:
                    continue
                }
                next = min(next ?? at, at)
            }
            return next
        }
    }

    /// The lanes busy at `now` and until when: those with a running job (of any queue) under an unexpired lease.
    private static func busyLanes(in jobs: some Sequence<Job>, at now: Date) -> [String: Date] {
        var busyUntil: [String: Date] = [:]
        for job in jobs where job.state == .running && !job.isClaimable(at: now) {
            guard let lane = job.lane, let until = job.lockedUntil else { continue }
            busyUntil[lane] = max(busyUntil[lane] ?? until, until)
        }
        return busyUntil
    }

    func complete(_ id: JobID, in organization: OrganizationID, attempt: Int, now: Date) async throws(WAError) -> Job {
        try fenced(id, organization, attempt) { job in
            job.state = .completed
            job.finishedAt = now
        }
    }

    func retry(_ id: JobID, in organization: OrganizationID, attempt: Int, at: Date, error: String)
        async throws(WAError) -> Job
    {
        try fenced(id, organization, attempt) { job in
            job.state = .available
            job.scheduledAt = at
            job.lastError = error
        }
    }

    func snooze(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date, holdingLane: Bool)
        async throws(WAError) -> Job
    {
        let snoozed = try fenced(id, organization, attempt) { job in
            job.state = .available
            job.scheduledAt = until
            job.snoozes += 1
        }
        transaction.touch(.queue(snoozed.queue))
        guard holdingLane, let lane = snoozed.lane else { return snoozed }
        try transaction.withTable(Job.self, for: organization) { table, undo in
            for old in table.rows.values
            where old.organizationID == organization && old.lane == lane && old.id != id && old.state == .available
                && old.scheduledAt < until
            {
                var job = old
                job.scheduledAt = until
                job.version += 1
                table.put(job)
                undo.append { table.put(old) }
            }
        }
        return snoozed
    }

    func fail(_ id: JobID, in organization: OrganizationID, attempt: Int, error: String, now: Date)
        async throws(WAError) -> Job
    {
        try fenced(id, organization, attempt) { job in
            job.state = .failed
            job.finishedAt = now
            job.lastError = error
        }
    }

    func extendLease(_ id: JobID, in organization: OrganizationID, attempt: Int, until: Date) async throws(WAError)
        -> Job
    {
        try fenced(id, organization, attempt, releases: false) { job in job.lockedUntil = until }
    }

    /// Applies `change` to a job the caller holds (running, same attempt), releasing the lock unless told not to.
    private func fenced(
        _ id: JobID, _ organization: OrganizationID, _ attempt: Int, releases: Bool = true,
        _ change: (inout Job) -> Void
    ) throws(WAError) -> Job {
        try transaction.withTable(Job.self, for: organization) { table, undo throws(WAError) in
            guard let old = table.row(id, in: organization) else { throw .notFound(Job.entityName) }
            guard old.state == .running, old.attempt == attempt else {
                throw WAError(.leaseLost, "the job was claimed again by another worker")
            }
            var job = old
            change(&job)
            if releases {
                job.lockedBy = nil
                job.lockedUntil = nil
            }
            job.version += 1
            table.put(job)
            undo.append { table.put(old) }
            return job
        }
    }
}

extension MemoryRepository: LeaseRepository where Entity == InstanceLease {
    func acquire(
        instance: InstanceID, in organization: OrganizationID, owner: String, duration: Duration, now: Date
    ) async throws(WAError) -> InstanceLease? {
        try transaction.withTable(InstanceLease.self, for: organization) { table, undo in
            let id: Identifier<InstanceLease> = instance.retyped()
            let old = table.row(id, in: organization)
            var lease: InstanceLease
            switch old {
            case let current? where current.owner == owner && current.expiresAt > now:
                lease = current
                lease.expiresAt = now.adding(duration)
            case let current? where current.expiresAt > now:
                return nil
            case let expired?:
                lease = InstanceLease(
                    instanceID: instance, organizationID: organization, owner: owner, token: expired.token + 1,
                    expiresAt: now.adding(duration))
                lease.version = expired.version
            case nil:
                lease = InstanceLease(
                    instanceID: instance, organizationID: organization, owner: owner, token: 1,
                    expiresAt: now.adding(duration))
            }
            lease.version += 1
            table.put(lease)
            undo.append { if let old { table.put(old) } else { table.remove(id) } }
            return lease
        }
    }

    func renew(_ lease: InstanceLease, duration: Duration, now: Date) async throws(WAError) -> InstanceLease {
        try transaction.withTable(InstanceLease.self, for: lease.organizationID) { table, undo throws(WAError) in
            guard let old = table.row(lease.id, in: lease.organizationID), old.token == lease.token,
                old.owner == lease.owner, old.expiresAt > now
            else { throw WAError(.leaseLost, "the instance's lease was lost") }
            var renewed = old
            renewed.expiresAt = now.adding(duration)
            renewed.version += 1
            table.put(renewed)
            undo.append { table.put(old) }
            return renewed
        }
    }

    func release(_ lease: InstanceLease) async throws(WAError) {
        try transaction.withTable(InstanceLease.self, for: lease.organizationID) { table, undo in
            guard let old = table.row(lease.id, in: lease.organizationID), old.token == lease.token,
                old.owner == lease.owner
            else { return }
            var released = old
            released.expiresAt = .distantPast
            released.version += 1
            table.put(released)
            undo.append { table.put(old) }
        }
    }

    func isCurrent(instance: InstanceID, in organization: OrganizationID, token: Int64, now: Date)
        async throws(WAError) -> Bool
    {
        try transaction.withTable(InstanceLease.self, for: organization) { table, _ in
            guard let lease = table.row(instance.retyped(), in: organization) else { return false }
            return lease.token == token && lease.expiresAt > now
        }
    }
}
