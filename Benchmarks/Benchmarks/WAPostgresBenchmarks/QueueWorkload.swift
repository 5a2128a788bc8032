import Foundation
import WACore
import WAPostgres

/// One job through the queue as a worker of the gateway moves it: enqueued in a tenant transaction, claimed in a
/// system transaction (the claim statement, then the lane check), completed in a tenant transaction. Eight callers,
/// each with a lane of its own (`"0"` … `"7"`, as pgbench's `:client_id`), so each claim finds the job its caller
/// has just enqueued, as a worker of an instance finds that instance's sends; one organization.
final class QueueWorkload: Sendable {
    static let callers = 8
    static let queue = "bench.cycle"

    let database: BenchmarkDatabase
    let store: PostgresStore
    let organization: OrganizationID
    let ids: IdentifierGenerator
    let payload: [UInt8]
    let tally = Tally()

    private init(database: BenchmarkDatabase, store: PostgresStore, organization: OrganizationID, ids: IdentifierGenerator) {
        self.database = database
        self.store = store
        self.organization = organization
        self.ids = ids
        payload = Job.encodePayload(["message": "0190f0c6-6f4e-7c43-9f0a-3a3c3c3c3c3c"])
    }

    static func make(on database: BenchmarkDatabase) async throws -> QueueWorkload {
        let store = PostgresStore(client: database.client, logger: BenchmarkDatabase.logger)
        let ids = IdentifierGenerator(clock: SystemWallClock(), random: SystemRandomSource())
        let organization = Organization(
            id: ids.make(), name: "Queue", slug: "queue-\(UUID().uuidString.prefix(8).lowercased())", plan: .enterprise,
            createdAt: Date())
        _ = try await store.transaction(.system) { try await $0.organizations.insert(organization) }
        return QueueWorkload(database: database, store: store, organization: organization.id, ids: ids)
    }

    /// `count` jobs enqueued, claimed and completed by the eight callers; returns the seconds taken.
    func run(count: Int) async throws -> Double {
        let org = organization
        let seconds = try await runConcurrently(callers: Self.callers, count: count) { caller, _ in
            let now = Date()
            let job = Job(
                id: self.ids.make(), organizationID: org, queue: Self.queue, payload: self.payload, scheduledAt: now,
                lane: String(caller), createdAt: now)
            _ = try await self.store.transaction(.organization(org)) { try await $0.jobs.enqueue(job) }
            let claimed = try await self.store.transaction(.system) { tx in
                try await tx.jobs.claim(
                    queues: [Self.queue], worker: "worker-\(caller)", limit: 1, lease: .seconds(60), now: Date(),
                    lanes: .only([String(caller)]))
            }
            guard let first = claimed.first, claimed.count == 1 else {
                throw BenchmarkFailure("caller \(caller) claimed \(claimed.count) jobs")
            }
            _ = try await self.store.transaction(.organization(org)) { tx in
                try await tx.jobs.complete(first.id, in: org, attempt: first.attempt, now: Date())
            }
        }
        tally.add(calls: count, seconds: seconds)
        return seconds
    }

    /// pgbench's variables for `queue-cycle.sql`: the organization, a job's `data` as the adapter wrote it, and the
    /// claim's arguments as the adapter binds them; times are fixed (jobs are due a second before the claims).
    func pgbenchDefines() async throws -> [String: String] {
        let rows = try await database.client.query(
            "/* harness */ SELECT data::text FROM jobs WHERE organization_id = \(organization.uuid) LIMIT 1",
            logger: BenchmarkDatabase.logger)
        var data = ""
        for try await text in rows.decode(String.self) { data = text }
        let now = Date()
        let leaseEnd = now.addingTimeInterval(60)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return [
            "org": organization.uuid.uuidString.lowercased(), "queue": Self.queue, "queues": "{\(Self.queue)}", "queue_topic": "queue:\(Self.queue)",
            "job_data": data, "scheduled": formatter.string(from: now.addingTimeInterval(-1)),
            "at": formatter.string(from: now), "at_json": String(now.timeIntervalSinceReferenceDate),
            "lookahead": "18", "claim_limit": "1", "lease_end": formatter.string(from: leaseEnd),
            "lease_end_json": String(leaseEnd.timeIntervalSinceReferenceDate),
        ]
    }
}
