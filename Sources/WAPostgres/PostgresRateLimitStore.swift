import Foundation
import NIOCore
import PostgresNIO
import Synchronization
public import WACore

/// Rate-limit state in `rate_limit_states`, shared by every node. The decisions are WACore's (the body of
/// ``update(_:now:_:)``); the store makes sure no other update of the same keys interleaves between reading the
/// states and writing the result, in one of two ways:
///
/// - **One statement**, when this store has seen every key's current state: it runs the body on those states and
///   sends the outcome as one call of `rate_limit_swap` (migration `0003`), which locks the keys' rows, checks that
///   they still hold what the body saw, and writes the new states only then (a compare-and-swap; an unchanged
///   outcome is checked all the same, so a refusal is never made on a stale state). This is the common case: a
///   node updates the keys of the instances it holds, and remembers what it read and wrote.
/// - **A locked transaction** otherwise (a key this store has not seen, or a swap that found another node's
///   writes): it makes sure every key has a row (`INSERT … ON CONFLICT DO NOTHING`, in key order, so that two calls
///   on overlapping keys lock them in the same order and cannot deadlock), locks and reads them (`FOR UPDATE`),
///   runs the body (an expired state reads as none) and writes the results back, deleting the rows whose state
///   became none.
///
/// Either way the states the store last saw are remembered (up to ``rememberedKeys`` keys; beyond that it forgets
/// them all and starts over). Reading through a transaction (``PostgresRateLimitReader``) is one plain `SELECT`.
public final class PostgresRateLimitStore: RateLimitStore {
    /// How many keys' states a store remembers for its one-statement updates.
    public static let rememberedKeys = 16_384

    private let runner: PostgresTransactionRunner
    /// The encoded state each key had when this store last read or wrote it (empty: none).
    private let seen = Mutex<[RateLimitKey: Data]>([:])

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
        if let result = try await swap(ordered, count: keys.count, now: now, body) { return result }
        var written: [(RateLimitKey, RateLimitState?)] = []
        do {
            let result = try await runner.run(.system) { connection in
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
                written = ordered.map { (index, key) in (key, states[index].flatMap { $0.expiresAt > now ? $0 : nil }) }
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
            remember(written)  // committed
            return result
        } catch let error as WAError {
            throw error
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "updating rate-limit state", runner.logger)
        }
    }

    /// The one-statement update: `nil` when a key's state is not known here or the stored states changed meanwhile
    /// (then the caller takes the locked path, the body having changed nothing stored).
    private func swap<Result>(
        _ ordered: [(offset: Int, element: RateLimitKey)], count: Int, now: RateLimitInstant,
        _ body: (inout [RateLimitState?]) -> Result
    ) async throws(WAError) -> Result? {
        let known = seen.withLock { seen in ordered.map { seen[$0.element] } }
        guard known.allSatisfy({ $0 != nil }) else { return nil }
        var states = [RateLimitState?](repeating: nil, count: count)
        var expected: [Data] = []
        for ((index, _), bytes) in zip(ordered, known) {
            let state = bytes.flatMap { $0.isEmpty ? nil : RateLimitStateCodec.decode($0) }.flatMap { $0.expiresAt > now ? $0 : nil }
            states[index] = state
            // The bytes as stored (what the statement compares with), or none for a state that expired.
            expected.append(state == nil ? Data() : bytes ?? Data())
        }
        let result = body(&states)
        let written = ordered.map { (index, _) in states[index].flatMap { $0.expiresAt > now ? $0 : nil } }
        let encoded = written.map { $0.map(RateLimitStateCodec.encode) ?? Data() }

        var sql = SQLBuilder("SELECT swapped FROM rate_limit_swap(")
        sql.append(bound: .integers(ordered.map { Int($0.element.scope.rawValue) }))
        sql.append("::integer[], ")
        sql.append(bound: .uuids(ordered.map { Self.uuid($0.element.primaryHigh, $0.element.primaryLow) }))
        sql.append(", ")
        sql.append(bound: .uuids(ordered.map { Self.uuid($0.element.secondaryHigh, $0.element.secondaryLow) }))
        sql.append(", ")
        sql.append(bound: .booleans(ordered.map { _ in true }))
        sql.append(", ")
        sql.append(bound: .bytesArray(expected))
        sql.append(", ")
        sql.append(bound: .bytesArray(encoded))
        sql.append(", ")
        sql.append(bound: .integers(written.map { Int($0?.expiresAt.nanosecondsSinceEpoch ?? 0) }))
        sql.append(", ")
        sql.append(bound: .integer(Int(now.nanosecondsSinceEpoch)))
        sql.append(")")
        let swapped: Bool
        do {
            let rows = try await runner.autocommit(sql.query, doing: "updating rate-limit state")
            swapped = try rows.first?.decode(Bool.self) ?? false
        } catch let error as WAError {
            throw error
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "updating rate-limit state", runner.logger)
        }
        guard swapped else {
            // Another node wrote meanwhile: forget what we saw; the locked path reads it again.
            seen.withLock { seen in for (_, key) in ordered { seen[key] = nil } }
            return nil
        }
        remember(encoded: zip(ordered, encoded).map { ($0.0.element, $0.1) })
        return result
    }

    /// Notes the keys' states as stored now.
    private func remember(_ states: [(RateLimitKey, RateLimitState?)]) {
        remember(encoded: states.map { ($0.0, $0.1.map(RateLimitStateCodec.encode) ?? Data()) })
    }

    /// Notes the keys' states as stored now, encoded (empty: none).
    private func remember(encoded states: [(RateLimitKey, Data)]) {
        seen.withLock { seen in
            if seen.count + states.count > Self.rememberedKeys { seen.removeAll(keepingCapacity: true) }
            for (key, bytes) in states { seen[key] = bytes }
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
