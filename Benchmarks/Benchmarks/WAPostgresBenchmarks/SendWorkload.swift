import Foundation
import WACore
import WACoreTesting
import PostgresNIO
import WAPostgres

/// Accepting a send as the gateway does (``WACore/Gateway``'s `MessagingService`, with the webhook publisher the
/// gateway gives it): in one transaction the principal is checked, the instance and recipient read, the daily quota
/// read through the transaction, and the message, its `message.send` job, the audit event and the `message.queued`
/// event written. Eight instances of one organization, one caller each; every send goes to a new number.
final class SendWorkload: Sendable {
    static let callers = 8

    let database: BenchmarkDatabase
    let store: PostgresStore
    let messaging: MessagingService
    let principal: Principal
    let organization: Organization
    let instances: [Instance]
    let tally = Tally()

    private init(
        database: BenchmarkDatabase, store: PostgresStore, messaging: MessagingService, principal: Principal,
        organization: Organization, instances: [Instance]
    ) {
        self.database = database
        self.store = store
        self.messaging = messaging
        self.principal = principal
        self.organization = organization
        self.instances = instances
    }

    static func make(on database: BenchmarkDatabase) async throws -> SendWorkload {
        let store = PostgresStore(client: database.client, logger: BenchmarkDatabase.logger)
        let env = try environment(store)
        let now = Date()
        let organization = Organization(
            id: env.ids.make(), name: "Bench", slug: "bench-\(UUID().uuidString.prefix(8).lowercased())",
            plan: .enterprise, createdAt: now)
        let admin = Member(
            id: env.ids.make(), organizationID: organization.id, email: "admin@example.com", displayName: "Admin",
            role: .admin, createdAt: now)
        let instances = (0..<callers).map { index in
            Instance(
                id: env.ids.make(), organizationID: organization.id, name: "instance-\(index)", status: .ready,
                createdAt: now)
        }
        let stored = try await store.transaction(.system) { tx in
            _ = try await tx.organizations.insert(organization)
            _ = try await tx.members.insert(admin)
            var stored: [Instance] = []
            for instance in instances { stored.append(try await tx.instances.insert(instance)) }
            return stored
        }
        let messaging = MessagingService(environment: env, webhooks: WebhookService(environment: env))
        return SendWorkload(
            database: database, store: store, messaging: messaging, principal: .acting(as: admin),
            organization: organization, instances: stored)
    }

    /// The gateway's environment on `store`, on the system clock.
    static func environment(_ store: PostgresStore) throws -> ServiceEnvironment {
        let random = SystemRandomSource()
        let keyring = try SecretKeyring(current: .generate(id: 1, using: random))
        return ServiceEnvironment(
            store: store, clock: SystemWallClock(), random: random,
            passwordHasher: InsecureFastPasswordHasher(random: random),
            secretBox: SecretBox(keyring: keyring, random: random), media: store.media)
    }

    /// `count` sends from the eight callers; returns the seconds taken.
    func run(count: Int) async throws -> Double {
        let seconds = try await runConcurrently(callers: Self.callers, count: count) { caller, index in
            let phone = try PhoneNumber("+491701\(String(format: "%06d", index % 1_000_000))")
            _ = try await self.messaging.send(
                SendMessageRequest(
                    instanceID: self.instances[caller].id, recipient: .phone(phone), content: .text("Hello there 👋")),
                by: self.principal)
        }
        tally.add(calls: count, seconds: seconds)
        return seconds
    }
}

extension SendWorkload {
    /// pgbench's variables for `send.sql`: the organization, member and instance, and the values of one send the
    /// adapter wrote (the message's, job's, audit event's and event's JSON as stored), so pgbench writes rows of the
    /// same size.
    func pgbenchDefines() async throws -> [String: String] {
        let org = organization.id.uuid
        let logger = BenchmarkDatabase.logger
        let client = database.client
        var defines: [String: String] = [:]
        func first(_ query: PostgresQuery, _ names: [String]) async throws {
            let rows = try await client.query(query, logger: logger)
            for try await row in rows {
                let cells = Array(row)
                for (name, cell) in zip(names, cells) { defines[name] = try cell.decode(String.self) }
                return
            }
            throw BenchmarkFailure("no row for \(names)")
        }
        try await first(
            """
            /* harness */ SELECT id::text, data::text, chat_jid, body, created_at::text FROM messages WHERE organization_id = \(org)
            ORDER BY id DESC LIMIT 1
            """, ["message", "message_data", "chat", "body", "now"])
        let message = defines["message"] ?? ""
        try await first(
            "/* harness */ SELECT data::text, lane FROM jobs WHERE organization_id = \(org) AND unique_key = \(message)",
            ["job_data", "lane"])
        try await first(
            "/* harness */ SELECT data::text FROM audit_events WHERE organization_id = \(org) AND resource_id = \(message)",
            ["audit_data"])
        try await first(
            "/* harness */ SELECT data::text FROM event_log WHERE organization_id = \(org) ORDER BY sequence DESC LIMIT 1",
            ["event_data"])
        let chat = defines["chat"] ?? ""
        defines["phones"] = "{+\(chat.prefix(while: \.isNumber))}"
        defines["org"] = org.uuidString.lowercased()
        defines["member"] = principal.memberID.map { $0.uuid.uuidString.lowercased() } ?? ""
        defines["instance"] = instances[0].id.uuid.uuidString.lowercased()
        defines["lane"] = Job.instanceLane(instances[0].id)
        defines["quota_scope"] = String(RateLimitKey.organizationMessages(organization.id).scope.rawValue)
        defines["nil"] = "00000000-0000-0000-0000-000000000000"
        defines["message"] = nil
        // A variable, not a literal: pgbench would read `:message` in 'queue:message.send' as one.
        defines["queue_topic"] = "queue:\(MessagingService.sendQueue)"
        return defines
    }
}
