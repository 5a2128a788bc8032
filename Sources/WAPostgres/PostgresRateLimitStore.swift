import Foundation
import NIOCore
import PostgresNIO
public import WACore

/// Rate-limit state in `rate_limit_states`, shared by every node: ``update(_:now:_:)`` reads, decides and writes
/// the keys' states in one transaction of its own, holding their rows locked, so no other update of the same keys
/// interleaves.
///
/// A call makes sure every key has a row (`INSERT … ON CONFLICT DO NOTHING`, in key order, so that two calls on
/// overlapping keys lock them in the same order and cannot deadlock), locks and reads them (`FOR UPDATE`), runs the
/// body on the states (an expired state reads as none), and writes the results back, deleting the rows whose state
/// became none. Reading through a transaction (``PostgresRateLimitReader``) is one plain `SELECT`.
public final class PostgresRateLimitStore: RateLimitStore {
    private let runner: PostgresTransactionRunner

    /// A store on the transactions of `runner`.
    public init(runner: PostgresTransactionRunner) {
        self.runner = runner
    }

    public func update<Result: Sendable>(
        _ key: RateLimitKey, now: RateLimitInstant, _ body: (inout RateLimitState?) -> Result
    ) async throws(WAError) -> Result {
        try await update([key], now: now) { states in body(&states[0]) }
    }

    public func update<Result: Sendable>(
        _ keys: [RateLimitKey], now: RateLimitInstant, _ body: (inout [RateLimitState?]) -> Result
    ) async throws(WAError) -> Result {
        precondition(Set(keys).count == keys.count, "the keys of one update must be distinct")
        let ordered = keys.enumerated().sorted { Self.order($0.element, $1.element) }
        do {
            return try await runner.run(.system) { connection in
                let context = PostgresTransactionContext(connection: connection, scope: .system, logger: runner.logger)
                defer { context.close() }
                for (_, key) in ordered {
                    var ensure = SQLBuilder(
                        "INSERT INTO rate_limit_states (scope, primary_id, secondary_id, state, expires_at_ns) VALUES (")
                    ensure.append(Self.keyValues(key, into: &ensure))
                    ensure.append(", ''::bytea, 0) ON CONFLICT DO NOTHING")
                    _ = try await context.count(ensure, doing: "preparing rate-limit state")
                }
                var states = [RateLimitState?](repeating: nil, count: keys.count)
                for (index, key) in ordered {
                    var read = SQLBuilder("SELECT state, expires_at_ns FROM rate_limit_states WHERE ")
                    Self.whereKey(key, into: &read)
                    read.append(" FOR UPDATE")
                    let rows = try await context.rows(read, doing: "reading rate-limit state")
                    if let row = rows.first {
                        let (bytes, expires) = try row.decode((ByteBuffer, Int64).self)
                        if expires > now.nanosecondsSinceEpoch { states[index] = RateLimitStateCodec.decode(Data(bytes.readableBytesView)) }
                    }
                }
                let result = body(&states)
                for (index, key) in ordered {
                    if let state = states[index], state.expiresAt > now {
                        var write = SQLBuilder("UPDATE rate_limit_states SET state = ")
                        write.append(bound: .bytes(RateLimitStateCodec.encode(state)))
                        write.append(", expires_at_ns = ")
                        write.append(bound: .integer(Int(state.expiresAt.nanosecondsSinceEpoch)))
                        write.append(" WHERE ")
                        Self.whereKey(key, into: &write)
                        _ = try await context.count(write, doing: "writing rate-limit state")
                    } else {
                        var delete = SQLBuilder("DELETE FROM rate_limit_states WHERE ")
                        Self.whereKey(key, into: &delete)
                        _ = try await context.count(delete, doing: "dropping rate-limit state")
                    }
                }
                return result
            }
        } catch let error as WAError {
            throw error
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "updating rate-limit state", runner.logger)
        }
    }

    /// Appends the key's three values as parameters and returns them comma-separated.
    static func keyValues(_ key: RateLimitKey, into sql: inout SQLBuilder) -> String {
        [
            sql.bind(.integer(Int(key.scope.rawValue))), sql.bind(.uuid(uuid(key.primaryHigh, key.primaryLow))),
            sql.bind(.uuid(uuid(key.secondaryHigh, key.secondaryLow))),
        ].joined(separator: ", ")
    }

    /// Appends the condition that selects the key's row.
    static func whereKey(_ key: RateLimitKey, into sql: inout SQLBuilder) {
        sql.append("scope = ")
        sql.append(bound: .integer(Int(key.scope.rawValue)))
        sql.append(" AND primary_id = ")
        sql.append(bound: .uuid(uuid(key.primaryHigh, key.primaryLow)))
        sql.append(" AND secondary_id = ")
        sql.append(bound: .uuid(uuid(key.secondaryHigh, key.secondaryLow)))
    }

    /// The order rows are locked in.
    private static func order(_ a: RateLimitKey, _ b: RateLimitKey) -> Bool {
        (a.scope.rawValue, a.primaryHigh, a.primaryLow, a.secondaryHigh, a.secondaryLow)
            < (b.scope.rawValue, b.primaryHigh, b.primaryLow, b.secondaryHigh, b.secondaryLow)
    }

    /// A UUID from its two 64-bit halves, high first.
    static func uuid(_ high: UInt64, _ low: UInt64) -> UUID {
        OrganizationID(high: high, low: low).uuid
    }
}

/// A PostgreSQL transaction's read of the rate-limit state (``WACore/StoreTransaction/rateLimits``).
struct PostgresRateLimitReader: RateLimitReader {
    let context: PostgresTransactionContext

    func state(of key: RateLimitKey, now: RateLimitInstant) async throws(WAError) -> RateLimitState? {
        try context.requireUsable(for: nil, "rate-limit state")
        var sql = SQLBuilder("SELECT state, expires_at_ns FROM rate_limit_states WHERE ")
        PostgresRateLimitStore.whereKey(key, into: &sql)
        let rows = try await context.rows(sql, doing: "reading rate-limit state")
        guard let row = rows.first else { return nil }
        do {
            let (bytes, expires) = try row.decode((ByteBuffer, Int64).self)
            return expires > now.nanosecondsSinceEpoch ? RateLimitStateCodec.decode(Data(bytes.readableBytesView)) : nil
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "reading rate-limit state", context.logger)
        }
    }
}
