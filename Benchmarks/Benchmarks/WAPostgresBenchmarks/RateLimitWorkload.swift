import Foundation
import PostgresNIO
import Synchronization
import WACore
import WAPostgres

/// The decision made before every send (``WACore/SendAdmission``: the organization's daily quota, the account's
/// three caps of 20 a minute, 100 an hour and 1,000 a day, its pause and the recipient pair limit) on the PostgreSQL
/// rate-limit store, where it is one statement (`rate_limit_swap`). Eight callers, each with its own organization,
/// instance and recipient (three keys); each caller's clock moves at least 90 s between its decisions, so every
/// decision is admitted and writes all three states.
final class RateLimitWorkload: Sendable {
    static let callers = 8
    static let step = Duration.seconds(90)

    let database: BenchmarkDatabase
    let store: PostgresStore
    let admission: SendAdmission
    let keys: [SendAdmission.Keys]
    let start: RateLimitInstant
    let tally = Tally()
    private let issued = Atomic<Int>(0)
    /// Each caller's latest instant.
    let latest = Mutex<[Int64]>(Array(repeating: 0, count: callers))

    private init(database: BenchmarkDatabase, store: PostgresStore, admission: SendAdmission, keys: [SendAdmission.Keys]) {
        self.database = database
        self.store = store
        self.admission = admission
        self.keys = keys
        start = RateLimitInstant(Date())
    }

    static func make(on database: BenchmarkDatabase) throws -> RateLimitWorkload {
        let store = PostgresStore(client: database.client, logger: BenchmarkDatabase.logger)
        let random = SystemRandomSource()
        let keys = (0..<callers).map { _ in
            SendAdmission.Keys(
                organization: OrganizationID(high: random.next(), low: random.next()),
                instance: InstanceID(high: random.next(), low: random.next()),
                recipient: try! JID(parsing: "49170\(String(format: "%07d", Int.random(in: 0..<10_000_000)))@s.whatsapp.net"))
        }
        let admission = SendAdmission(
            dailyQuota: try DailyQuota(limit: 500_000), instanceCaps: try SendCaps(InstanceRateLimits.standard))
        return RateLimitWorkload(database: database, store: store, admission: admission, keys: keys)
    }

    /// `count` decisions from the eight callers; returns the seconds taken. Throws if one was not admitted.
    func run(count: Int) async throws -> Double {
        let base = issued.add(count, ordering: .relaxed).oldValue
        let seconds = try await runConcurrently(callers: Self.callers, count: count) { caller, index in
            let now = self.start + Self.step * (base + index)
            let decision = try await self.admission.admit(self.keys[caller], in: self.store.rateLimits, now: now)
            guard decision.isAdmitted else { throw BenchmarkFailure("a decision was refused: \(decision)") }
            self.latest.withLock { $0[caller] = max($0[caller], now.nanosecondsSinceEpoch) }
        }
        tally.add(calls: count, seconds: seconds)
        return seconds
    }

    /// pgbench's variables for caller `caller`'s three keys as stored now (`primary0`, `secondary0`, `states0`,
    /// `expires0`, `now0` for caller 0, …): the arrays `rate_limit_swap` takes, in the order the store locks keys.
    /// pgbench passes each state as both the expected and the new one, so every call matches and writes.
    func pgbenchDefines() async throws -> [String: String] {
        var defines: [String: String] = [:]
        for (caller, keys) in keys.enumerated() {
            let ordered = [keys.quota, keys.instance, keys.recipient].sorted {
                ($0.scope.rawValue, $0.primaryHigh, $0.primaryLow, $0.secondaryHigh, $0.secondaryLow)
                    < ($1.scope.rawValue, $1.primaryHigh, $1.primaryLow, $1.secondaryHigh, $1.secondaryLow)
            }
            var primaries: [String] = []
            var secondaries: [String] = []
            var states: [String] = []
            var expires: [String] = []
            var earliest = Int64.max
            for key in ordered {
                let primary = OrganizationID(high: key.primaryHigh, low: key.primaryLow).uuid.uuidString.lowercased()
                let secondary = OrganizationID(high: key.secondaryHigh, low: key.secondaryLow).uuid.uuidString.lowercased()
                let rows = try await database.client.query(
                    """
                    /* harness */ SELECT encode(state, 'hex'), expires_at_ns FROM rate_limit_states
                    WHERE scope = \(Int(key.scope.rawValue)) AND primary_id = \(primary)::uuid AND secondary_id = \(secondary)::uuid
                    """, logger: BenchmarkDatabase.logger)
                var state = ""
                var expiry: Int64 = 0
                for try await (hex, at) in rows.decode((String, Int64).self) {
                    state = hex
                    expiry = at
                }
                guard !state.isEmpty else { throw BenchmarkFailure("caller \(caller) has no state for a key") }
                earliest = min(earliest, expiry)
                primaries.append(primary)
                secondaries.append(secondary)
                states.append("\"\\\\x\(state)\"")
                expires.append(String(expiry))
            }
            defines["primary\(caller)"] = "{\(primaries.joined(separator: ","))}"
            defines["secondary\(caller)"] = "{\(secondaries.joined(separator: ","))}"
            defines["states\(caller)"] = "{\(states.joined(separator: ","))}"
            defines["expires\(caller)"] = "{\(expires.joined(separator: ","))}"
            // An instant at which every state is live, so the stored states are the expected ones.
            defines["now\(caller)"] = String(earliest - 1)
            defines["scopes"] = "{\(ordered.map { String($0.scope.rawValue) }.joined(separator: ","))}"
        }
        defines["known"] = "{t,t,t}"
        return defines
    }
}
