public import Foundation
import Logging
import PostgresNIO
public import WACore

/// WACore's ``WACore/MediaStore`` on PostgreSQL: media bytes as rows of chunks (`media_writes`, `media_chunks`),
/// streamed both ways, so that the store never holds a whole file in memory, and no transaction stays open while a
/// client streams.
///
/// - **Write.** A ``write(_:in:from:)`` starts a `media_writes` row, then stores the incoming bytes re-cut into
///   chunks of ``chunkSize`` bytes (the last one shorter), each in a short transaction of its own, holding at most
///   one chunk in memory. Completing it is one transaction that deletes the object's previous complete write (its
///   chunks cascade) and marks this one complete: readers see the old bytes or the new ones, never a mixture. When
///   the source throws, the task is cancelled or the store fails, the incomplete write is deleted again (best
///   effort) and the old bytes remain. Completions of one object take turns: the one that completes last wins.
/// - **Read.** A ``read(_:in:range:)`` looks up the object's complete write and checks the range before it returns;
///   the stream then fetches the chunks that overlap the range lazily, ``readBatchSize`` rows per query (each query
///   a short transaction of its own), cut to the range by the database. A stream reads the write it started with
///   only: if a replacement or a removal deletes that write while the stream is being read, the stream fails with
///   `storage_conflict` (read again) instead of mixing bytes of two writes.
/// - **Upkeep.** Writes left incomplete by a crash are removed by ``removeAbandonedWrites(olderThan:)``.
///
/// Every call runs as the organization's role (row-level security), except the upkeep, which works across
/// organizations as the system role.
public final class PostgresMediaStore: MediaStore {
    /// The transactions' pool and settings.
    public let runner: PostgresTransactionRunner
    /// The size of a stored chunk (1 … ``WACore/MediaChunks/maximumSize`` bytes): incoming chunks of any size are
    /// re-cut to it.
    public let chunkSize: Int
    /// How many chunk rows a read fetches per query (at least 1): a stream holds at most this many chunks.
    public let readBatchSize: Int
    /// Where writes' start and completion times come from.
    public let clock: any WallClock
    /// Sees every page of rows a read fetches (tests).
    let fetchObserver: (@Sendable (PostgresMediaReader.Page) -> Void)?

    /// Writes removed per transaction by ``removeAll(in:)`` and ``removeAbandonedWrites(olderThan:)``.
    static let removalBatchSize = 32
    /// The key space (`pg_advisory_xact_lock(key1, key2)`, `key1` = "WAMD") of the locks completions take.
    static let completionLockSpace: Int32 = 0x5741_4D44

    /// A store on the transactions of `runner`, storing chunks of `chunkSize` bytes (1 MiB by default) and reading
    /// `readBatchSize` of them per query (values outside ``chunkSize``'s and ``readBatchSize``'s ranges stop the
    /// program). The database must be migrated (``PostgresMigrator``).
    public convenience init(
        runner: PostgresTransactionRunner, chunkSize: Int = MediaChunks.maximumSize, readBatchSize: Int = 4,
        clock: any WallClock = SystemWallClock()
    ) {
        self.init(runner: runner, chunkSize: chunkSize, readBatchSize: readBatchSize, clock: clock, fetchObserver: nil)
    }

    init(
        runner: PostgresTransactionRunner, chunkSize: Int, readBatchSize: Int, clock: any WallClock,
        fetchObserver: (@Sendable (PostgresMediaReader.Page) -> Void)?
    ) {
        precondition(
            (1...MediaChunks.maximumSize).contains(chunkSize),
            "a stored media chunk holds 1 to \(MediaChunks.maximumSize) bytes")
        precondition(readBatchSize >= 1, "a media read fetches at least one chunk per query")
        self.runner = runner
        self.chunkSize = chunkSize
        self.readBatchSize = readBatchSize
        self.clock = clock
        self.fetchObserver = fetchObserver
    }

    // MARK: Writing

    public func write<Chunks: AsyncSequence & Sendable>(
        _ id: MediaObjectID, in organization: OrganizationID, from chunks: Chunks
    ) async throws -> Int64 where Chunks.Element == [UInt8] {
        let write = UUID()
        try await start(write, of: id, in: organization)
        do {
            var pending: [UInt8] = []
            pending.reserveCapacity(chunkSize)
            var index = 0
            var stored: Int64 = 0
            for try await piece in chunks {
                var rest = piece[...]
                while !rest.isEmpty {
                    let taken = rest.prefix(chunkSize - pending.count)
                    pending += taken
                    rest = rest.dropFirst(taken.count)
                    if pending.count == chunkSize {
                        try await storeChunk(pending, index: index, at: stored, of: write, in: organization)
                        index += 1
                        stored += Int64(pending.count)
                        pending.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !pending.isEmpty {
                try await storeChunk(pending, index: index, at: stored, of: write, in: organization)
                stored += Int64(pending.count)
            }
            // Some sequences (AsyncStream) end instead of throwing when their task is cancelled: what arrived
            // then is not known to be the whole file.
            try Task.checkCancellation()
            try await complete(write, of: id, in: organization, byteCount: stored)
            return stored
        } catch {
            await discard(write, of: id, in: organization)
            throw error
        }
    }

    /// Inserts the write's row, incomplete.
    private func start(_ write: UUID, of id: MediaObjectID, in organization: OrganizationID) async throws {
        var sql = SQLBuilder("INSERT INTO media_writes (organization_id, write_id, media_id, started_at) VALUES (")
        let values = [
            sql.bind(.id(organization)), sql.bind(.uuid(write)), sql.bind(.id(id)), sql.bind(.date(clock.now())),
        ]
        sql.append(values.joined(separator: ", ") + ")")
        try await run(.organization(organization), doing: "starting a media write") { context in
            _ = try await context.count(sql, doing: "starting a media write")
        }
    }

    /// Inserts one chunk, if the write is still there and incomplete; `FOR KEY SHARE` keeps it there until the
    /// chunk commits (a removal waits for that), so the foreign key cannot fail.
    private func storeChunk(
        _ bytes: [UInt8], index: Int, at offset: Int64, of write: UUID, in organization: OrganizationID
    ) async throws {
        var sql = SQLBuilder()
        let org = sql.bind(.id(organization))
        let writeID = sql.bind(.uuid(write))
        let chunkIndex = sql.bind(.integer(index))
        let byteOffset = sql.bind(.integer(Int(offset)))
        let data = sql.bind(.bytes(Data(bytes)))
        sql.append("""
            INSERT INTO media_chunks (organization_id, write_id, chunk_index, byte_offset, bytes)
            SELECT w.organization_id, w.write_id, \(chunkIndex), \(byteOffset), \(data) FROM media_writes w
            WHERE w.organization_id = \(org) AND w.write_id = \(writeID) AND w.completed_at IS NULL
            FOR KEY SHARE RETURNING 1
            """)
        let inserted = try await run(.organization(organization), doing: "storing a media chunk") { context in
            try await context.count(sql, doing: "storing a media chunk")
        }
        guard inserted == 1 else { throw Self.writeRemoved }
    }

    /// Deletes the object's complete write and marks `write` complete, in one transaction. Completions of one
    /// object take turns on a transaction-level advisory lock (``completionLockSpace``, the hash of the media id):
    /// otherwise two of them could each find no complete write to delete and the unique index
    /// `media_writes__current` would refuse the later one. After the lock, each statement sees what the
    /// completion before committed, so the write that completes last wins.
    private func complete(_ write: UUID, of id: MediaObjectID, in organization: OrganizationID, byteCount: Int64)
        async throws
    {
        try await run(.organization(organization), doing: "completing a media write") { context in
            var lock = SQLBuilder("SELECT pg_advisory_xact_lock(\(Self.completionLockSpace), hashtext(")
            lock.append(bound: .id(id))
            lock.append("::text))")
            _ = try await context.count(lock, doing: "completing a media write")
            var delete = SQLBuilder("DELETE FROM media_writes WHERE organization_id = ")
            delete.append(bound: .id(organization))
            delete.append(" AND media_id = ")
            delete.append(bound: .id(id))
            delete.append(" AND completed_at IS NOT NULL")
            _ = try await context.count(delete, doing: "replacing media bytes")
            var update = SQLBuilder("UPDATE media_writes SET completed_at = ")
            update.append(bound: .date(clock.now()))
            update.append(", byte_count = ")
            update.append(bound: .integer(Int(byteCount)))
            update.append(" WHERE organization_id = ")
            update.append(bound: .id(organization))
            update.append(" AND write_id = ")
            update.append(bound: .uuid(write))
            update.append(" AND completed_at IS NULL RETURNING 1")
            // Throwing rolls the delete back: the previous bytes stay.
            guard try await context.count(update, doing: "completing a media write") == 1 else {
                throw Self.writeRemoved
            }
        }
    }

    /// Deletes an incomplete write and its chunks after a failure, whatever the calling task's state: in a task of
    /// its own (which a cancelled caller does not cancel), awaited. A failure is logged; upkeep removes what stays.
    private func discard(_ write: UUID, of id: MediaObjectID, in organization: OrganizationID) async {
        let removal = Task {
            var sql = SQLBuilder("DELETE FROM media_writes WHERE organization_id = ")
            sql.append(bound: .id(organization))
            sql.append(" AND write_id = ")
            sql.append(bound: .uuid(write))
            sql.append(" AND completed_at IS NULL")
            try await run(.organization(organization), doing: "discarding a failed media write") { context in
                _ = try await context.count(sql, doing: "discarding a failed media write")
            }
        }
        do {
            try await removal.value
        } catch {
            runner.logger.warning(
                "a failed media write could not be discarded; upkeep will remove it",
                metadata: ["organization_id": "\(organization)", "media_id": "\(id)", "error": "\(error)"])
        }
    }

    /// A write whose row went away before it completed.
    static let writeRemoved = WAError(
        .storageConflict,
        "the media write was removed before it completed (the object was removed, or upkeep took the write for abandoned); write it again")

    // MARK: Reading

    public func read(_ id: MediaObjectID, in organization: OrganizationID, range: Range<Int64>?) async throws
        -> MediaByteStream
    {
        let (write, byteCount) = try await current(id, in: organization)
        let range = try Self.validate(range, byteCount: byteCount)
        let reader = PostgresMediaReader(store: self, organization: organization, write: write, range: range)
        return MediaByteStream(unfolding: { try await reader.next() })
    }

    public func byteCount(of id: MediaObjectID, in organization: OrganizationID) async throws -> Int64 {
        try await current(id, in: organization).byteCount
    }

    /// The object's complete write and its size; `not_found` when it has none.
    private func current(_ id: MediaObjectID, in organization: OrganizationID) async throws
        -> (write: UUID, byteCount: Int64)
    {
        var sql = SQLBuilder("SELECT write_id, byte_count FROM media_writes WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND media_id = ")
        sql.append(bound: .id(id))
        sql.append(" AND completed_at IS NOT NULL")
        let found = try await run(.organization(organization), doing: "looking up media bytes") { context in
            let rows = try await context.rows(sql, doing: "looking up media bytes")
            return try rows.first.map { try $0.decode((UUID, Int64).self) }
        }
        guard let found else { throw WAError.notFound("media") }
        return (found.0, found.1)
    }

    // MARK: Removing

    /// Deletes the object's complete write and every incomplete one (a write still streaming then fails with
    /// `storage_conflict`), with their chunks.
    public func remove(_ id: MediaObjectID, in organization: OrganizationID) async throws {
        try await run(.organization(organization), doing: "removing media bytes") { context in
            // Two statements, one per partial index (media_writes__current, media_writes_abandoned).
            for state in ["IS NOT NULL", "IS NULL"] {
                var sql = SQLBuilder("DELETE FROM media_writes WHERE organization_id = ")
                sql.append(bound: .id(organization))
                sql.append(" AND media_id = ")
                sql.append(bound: .id(id))
                sql.append(" AND completed_at \(state)")
                _ = try await context.count(sql, doing: "removing media bytes")
            }
        }
    }

    /// Deletes every write of the organization, complete or not, ``removalBatchSize`` writes per transaction.
    public func removeAll(in organization: OrganizationID) async throws {
        while true {
            var sql = SQLBuilder()
            let org = sql.bind(.id(organization))
            let limit = sql.bind(.integer(Self.removalBatchSize))
            sql.append("""
                DELETE FROM media_writes w USING (
                    SELECT organization_id, write_id FROM media_writes WHERE organization_id = \(org) LIMIT \(limit)
                ) d
                WHERE w.organization_id = d.organization_id AND w.write_id = d.write_id RETURNING 1
                """)
            let removed = try await run(.organization(organization), doing: "removing an organization's media") {
                try await $0.count(sql, doing: "removing an organization's media")
            }
            if removed == 0 { return }
        }
    }

    /// Removes the writes of every organization that are still incomplete and started before `cutOff` (left by a
    /// crash, or by a cleanup that failed), with their chunks, and returns how many. Runs as the system role,
    /// ``removalBatchSize`` writes per transaction; writes busy storing a chunk or completing at that moment are
    /// skipped (`SKIP LOCKED`), never waited for.
    ///
    /// A write still streaming counts as abandoned once it started before `cutOff`, and then fails with
    /// `storage_conflict`: choose a cut-off older than the longest upload can take.
    @discardableResult
    public func removeAbandonedWrites(olderThan cutOff: Date) async throws -> Int {
        var total = 0
        while true {
            var sql = SQLBuilder()
            let before = sql.bind(.date(cutOff))
            let limit = sql.bind(.integer(Self.removalBatchSize))
            sql.append("""
                DELETE FROM media_writes w USING (
                    SELECT organization_id, write_id FROM media_writes
                    WHERE completed_at IS NULL AND started_at < \(before)
                    LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ) d
                WHERE w.organization_id = d.organization_id AND w.write_id = d.write_id AND w.completed_at IS NULL
                RETURNING 1
                """)
            let removed = try await run(.system, doing: "removing abandoned media writes") {
                try await $0.count(sql, doing: "removing abandoned media writes")
            }
            total += removed
            if removed < Self.removalBatchSize { return total }
        }
    }

    // MARK: Transactions

    /// Runs `body` in a transaction of its own for `scope`, with its errors as ``WACore/WAError``s (a cancelled
    /// task's `CancellationError` stays one).
    func run<Result: Sendable>(
        _ scope: TransactionScope, doing: String, _ body: (PostgresTransactionContext) async throws -> Result
    ) async throws -> Result {
        do {
            return try await runner.run(scope) { connection in
                let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
                defer { context.close() }
                return try await body(context)
            }
        } catch let error as WAError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: doing, runner.logger)
        }
    }
}
