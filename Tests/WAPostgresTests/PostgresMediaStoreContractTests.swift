import Foundation
import PostgresNIO
import Synchronization
import ServiceLifecycleTestKit
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// The media store on a real server: every case of the contract the memory store passes (each in a fresh,
/// migrated database), then what only the PostgreSQL layout can get wrong: rows a failed or cancelled write leaves,
/// upkeep of abandoned writes, what a range read fetches, a replacement during a read, concurrent completions,
/// and row-level security.
@Suite("PostgreSQL media store")
struct PostgresMediaStoreContractTests {
    @Test(arguments: MediaStoreContract.cases)
    func contract(_ contractCase: MediaStoreContract.Case) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await contractCase.run(on: PostgresMediaStore(runner: Self.runner(client)))
        }
    }

    /// Every case on one store whose chunk size divides nothing evenly and that reads one row per query.
    @Test func everyCaseWithOddChunksAndOneRowPerQuery() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresMediaStore(runner: Self.runner(client), chunkSize: 65_537, readBatchSize: 1)
            for contractCase in MediaStoreContract.cases { try await contractCase.run(on: store) }
        }
    }

    @Test func aFailedWriteLeavesTheOldBytesAndNoRows() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresMediaStore(runner: Self.runner(client))
            let f = Fixtures(seed: 7)
            let org: OrganizationID = f.ids.make()
            let id: MediaObjectID = f.ids.make()
            let old = f.random.bytes(2 * MediaChunks.maximumSize + 500)
            try await store.put(old, for: id, in: org)
            let before = try await Self.rows(client)
            #expect(before == Rows(writes: 1, incomplete: 0, chunks: 3))

            // Two chunks stored, then the source fails.
            let failing = Chunks(pieces: Self.pieces(f.random.bytes(5 * MediaChunks.maximumSize), size: 700_000), failAfter: 4)
            await #expect(throws: Chunks.SourceError.self) { try await store.write(id, in: org, from: failing) }
            #expect(try await Self.rows(client) == before)
            #expect(try await store.bytes(of: id, in: org) == old)

            // The store fails midway: the object is removed while the source is held, so the next chunk is refused.
            let gate = Gate()
            let pieces = [f.random.bytes(MediaChunks.maximumSize), f.random.bytes(MediaChunks.maximumSize)]
            let writing = Task { try await store.write(id, in: org, from: GatedChunks(pieces: pieces, gateAt: 1, gate: gate)) }
            await gate.waitUntilReached()
            #expect(try await Self.rows(client) == Rows(writes: 2, incomplete: 1, chunks: 4))
            try await store.remove(id, in: org)
            gate.open()
            let error = await #expect(throws: WAError.self) { try await writing.value }
            #expect(error?.code == .storageConflict)
            #expect(try await Self.rows(client) == Rows(writes: 0, incomplete: 0, chunks: 0))
        }
    }

    /// A write whose task is cancelled midway completes nothing and leaves no rows, although the cancelled task
    /// cannot lease a connection any more (the clean-up runs in a task of its own). Its source ends, instead of
    /// throwing, when cancelled, as `AsyncStream` does.
    @Test func aCancelledWriteCompletesNothing() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresMediaStore(runner: Self.runner(client))
            let f = Fixtures(seed: 8)
            let org: OrganizationID = f.ids.make()
            let id: MediaObjectID = f.ids.make()
            let old = f.random.bytes(1_000)
            try await store.put(old, for: id, in: org)
            let gate = Gate()
            let pieces = [f.random.bytes(MediaChunks.maximumSize + 5), f.random.bytes(10)]
            let writing = Task { try await store.write(id, in: org, from: GatedChunks(pieces: pieces, gateAt: 1, gate: gate)) }
            await gate.waitUntilReached()
            #expect(try await Self.rows(client) == Rows(writes: 2, incomplete: 1, chunks: 2))
            writing.cancel()
            await #expect(throws: (any Error).self) { try await writing.value }
            #expect(try await Self.rows(client) == Rows(writes: 1, incomplete: 0, chunks: 1))
            #expect(try await store.bytes(of: id, in: org) == old)
        }
    }

    @Test func upkeepRemovesAbandonedWritesOnly() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let clock = TestClock()
            let store = PostgresMediaStore(runner: Self.runner(client), clock: clock)
            let f = Fixtures(seed: 9)
            let a: OrganizationID = f.ids.make()
            let b: OrganizationID = f.ids.make()
            let kept: MediaObjectID = f.ids.make()
            let keptBytes = f.random.bytes(1_500_000)
            try await store.put(keptBytes, for: kept, in: a)

            // Left by crashes two hours ago, in both organizations, and one write still streaming since then.
            try await Self.crashedWrite(in: a, startedAt: clock.now(), chunks: 3, client)
            try await Self.crashedWrite(in: b, startedAt: clock.now(), chunks: 1, client)
            let gate = Gate()
            let streaming: MediaObjectID = f.ids.make()
            let pieces = [f.random.bytes(MediaChunks.maximumSize), f.random.bytes(100)]
            let writing = Task {
                try await store.write(streaming, in: b, from: GatedChunks(pieces: pieces, gateAt: 1, gate: gate))
            }
            await gate.waitUntilReached()
            clock.advance(by: .seconds(7_200))
            // A crashed write too young to be taken for abandoned.
            let young = try await Self.crashedWrite(in: a, startedAt: clock.now(), chunks: 2, client)
            #expect(try await Self.rows(client) == Rows(writes: 5, incomplete: 4, chunks: 2 + 3 + 1 + 1 + 2))

            let removed = try await store.removeAbandonedWrites(olderThan: clock.now().addingTimeInterval(-3_600))
            #expect(removed == 3)
            #expect(try await Self.rows(client) == Rows(writes: 2, incomplete: 1, chunks: 2 + 2))
            let incomplete = try await TestDatabase.transaction(client, as: .system) { connection in
                try await connection.strings("SELECT write_id::text FROM media_writes WHERE completed_at IS NULL")
            }
            #expect(incomplete == [young.uuidString.lowercased()])
            #expect(try await store.bytes(of: kept, in: a) == keptBytes)

            // The streaming write finds its row gone at its next chunk.
            gate.open()
            let error = await #expect(throws: WAError.self) { try await writing.value }
            #expect(error?.code == .storageConflict)
            await #expect(throws: WAError.self) { try await store.byteCount(of: streaming, in: b) }
            #expect(try await store.removeAbandonedWrites(olderThan: clock.now().addingTimeInterval(-3_600)) == 0)
            #expect(try await Self.rows(client) == Rows(writes: 2, incomplete: 1, chunks: 4))
        }
    }

    /// Upkeep works through many writes in transactions of ``PostgresMediaStore/removalBatchSize``.
    @Test func upkeepRemovesMoreThanOneBatch() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresMediaStore(runner: Self.runner(client))
            let count = PostgresMediaStore.removalBatchSize * 2 + 3
            let org: OrganizationID = Fixtures(seed: 14).ids.make()
            let long = Date().addingTimeInterval(-86_400)
            for _ in 0..<count { try await Self.crashedWrite(in: org, startedAt: long, chunks: 1, client) }
            #expect(try await store.removeAbandonedWrites(olderThan: Date()) == count)
            #expect(try await Self.rows(client) == Rows(writes: 0, incomplete: 0, chunks: 0))
        }
    }

    /// The upkeep service removes only writes older than its cut-off, and ends with the service group.
    @Test func theUpkeepServiceRemovesWritesPastItsCutOff() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresMediaStore(runner: Self.runner(client))
            let org: OrganizationID = Fixtures(seed: 15).ids.make()
            let now = Date()
            try await Self.crashedWrite(in: org, startedAt: now.addingTimeInterval(-2 * 86_400), chunks: 2, client)
            try await Self.crashedWrite(in: org, startedAt: now.addingTimeInterval(-3_600), chunks: 1, client)
            let upkeep = PostgresMediaUpkeep(media: store, logger: TestDatabase.logger)
            #expect(await upkeep.round(now: now) == 1, "a day's grace: the write of an hour ago stays")
            #expect(try await Self.rows(client) == Rows(writes: 1, incomplete: 1, chunks: 1))

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await upkeep.run() }
                    trigger.triggerGracefulShutdown()
                    try await group.next()
                }
            }
        }
    }

    /// A range of a 16 MiB object: the chunk rows fetched are exactly the ones it overlaps, at most
    /// `readBatchSize` per query, cut to the range by the database, and fetched only as the stream is read.
    @Test func aRangeReadFetchesOnlyItsChunksAPageAtATime() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let pages = PageLog()
            let store = PostgresMediaStore(
                runner: Self.runner(client), chunkSize: MediaChunks.maximumSize, readBatchSize: 3,
                clock: SystemWallClock(), fetchObserver: { pages.append($0) })
            let f = Fixtures(seed: 10)
            let org: OrganizationID = f.ids.make()
            let id: MediaObjectID = f.ids.make()
            let mib = Int64(MediaChunks.maximumSize)
            let bytes = f.random.bytes(16 << 20)
            _ = try await store.write(id, in: org, from: Chunks(pieces: Self.pieces(bytes, size: 65_536)))
            let sizes = try await TestDatabase.transaction(client, as: .system) { connection in
                try await connection.strings("SELECT octet_length(bytes)::text FROM media_chunks ORDER BY chunk_index")
            }
            #expect(sizes == Array(repeating: String(mib), count: 16), "64 KiB pieces are stored as 1 MiB chunks")

            let range = (5 * mib + 123)..<(11 * mib + 7)
            var stream = try await store.read(id, in: org, range: range).makeAsyncIterator()
            #expect(pages.all.isEmpty, "nothing is fetched before the stream is read")
            var read = try await stream.next() ?? []
            #expect(pages.all.count == 1, "the first chunk needs one page")
            var chunks = [read.count]
            while let chunk = try await stream.next() {
                read += chunk
                chunks.append(chunk.count)
            }
            #expect(read == Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)]))
            #expect(chunks.allSatisfy { $0 > 0 && $0 <= MediaChunks.maximumSize })
            let fetched = pages.all
            #expect(fetched.map(\.chunkIndexes) == [[5, 6, 7], [8, 9, 10], [11]])
            #expect(fetched.flatMap(\.byteCounts).reduce(0, +) == range.count, "the rows carry the range's bytes only")
            #expect(fetched.flatMap(\.byteCounts).first == Int(mib) - 123)
            #expect(fetched.flatMap(\.byteCounts).last == 7)

            pages.clear()
            let inside = (3 * mib + 10)..<(3 * mib + 20)
            #expect(try await Self.collect(store.read(id, in: org, range: inside)) == Array(bytes[Int(inside.lowerBound)..<Int(inside.upperBound)]))
            #expect(pages.all.map(\.chunkIndexes) == [[3]])
            pages.clear()
            #expect(try await Self.collect(store.read(id, in: org, range: 16 * mib..<16 * mib)).isEmpty)
            #expect(pages.all.isEmpty, "an empty range fetches nothing")
        }
    }

    /// A stream keeps to the write it started with: a replacement or a removal committed meanwhile fails it with
    /// `storage_conflict`, and no byte of the new write reaches it.
    @Test func aReplacementDuringAReadFailsTheReadInsteadOfMixingBytes() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresMediaStore(runner: Self.runner(client), readBatchSize: 1)
            let f = Fixtures(seed: 11)
            let org: OrganizationID = f.ids.make()
            let id: MediaObjectID = f.ids.make()
            let first = f.random.bytes(3 * MediaChunks.maximumSize)
            let second = f.random.bytes(3 * MediaChunks.maximumSize)
            try await store.put(first, for: id, in: org)

            var stream = try await store.read(id, in: org, range: nil).makeAsyncIterator()
            let head = try await stream.next()
            #expect(head == Array(first[..<MediaChunks.maximumSize]))
            try await store.put(second, for: id, in: org)
            let error = await #expect(throws: WAError.self) { _ = try await stream.next() }
            #expect(error?.code == .storageConflict)
            #expect(try await store.bytes(of: id, in: org) == second)

            var removedStream = try await store.read(id, in: org, range: nil).makeAsyncIterator()
            _ = try await removedStream.next()
            try await store.remove(id, in: org)
            let removedError = await #expect(throws: WAError.self) { _ = try await removedStream.next() }
            #expect(removedError?.code == .storageConflict)
        }
    }

    /// Writers of one object completing at the same moment: all succeed, one of them wins whole, and no row of
    /// the others stays. (Without the completion lock, two completions that both find no complete write collide
    /// on `media_writes__current`, which this test catches in most runs.)
    @Test func concurrentWritesOfOneObjectLeaveOneWholeWrite() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresMediaStore(runner: Self.runner(client), chunkSize: 50_000)
            let f = Fixtures(seed: 12)
            let org: OrganizationID = f.ids.make()
            let id: MediaObjectID = f.ids.make()
            let versions = (0..<8).map { _ in f.random.bytes(200_000) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for bytes in versions {
                    group.addTask { _ = try await store.write(id, in: org, from: Chunks(pieces: Self.pieces(bytes, size: 30_000))) }
                }
                try await group.waitForAll()
            }
            #expect(versions.contains(try await store.bytes(of: id, in: org)))
            #expect(try await Self.rows(client) == Rows(writes: 1, incomplete: 0, chunks: 4))
        }
    }

    /// Row-level security, not only the statements' conditions, keeps an organization's bytes from another's
    /// transactions.
    @Test func rowLevelSecurityKeepsOrganizationsApart() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresMediaStore(runner: Self.runner(client))
            let f = Fixtures(seed: 13)
            let a: OrganizationID = f.ids.make()
            let b: OrganizationID = f.ids.make()
            let id: MediaObjectID = f.ids.make()
            let bytes = f.random.bytes(MediaChunks.maximumSize + 10)
            try await store.put(bytes, for: id, in: a)
            try await store.put([1, 2, 3], for: f.ids.make(), in: b)

            // The store's own transactions, with statements that name no organization at all.
            let counts = { (org: OrganizationID) async throws -> [Int] in
                try await store.run(.organization(org), doing: "counting") { context in
                    [
                        try await context.values(SQLBuilder("SELECT count(*) FROM media_writes"), as: Int.self, doing: "counting")[0],
                        try await context.values(SQLBuilder("SELECT count(*) FROM media_chunks"), as: Int.self, doing: "counting")[0],
                    ]
                }
            }
            #expect(try await counts(a) == [1, 2])
            #expect(try await counts(b) == [1, 1])
            #expect(try await counts(f.ids.make()) == [0, 0])

            // B naming A's rows: it reads nothing, deletes nothing and cannot add a chunk to A's write.
            let aWrite = try await TestDatabase.transaction(client, as: .tenant(a.uuid)) { connection in
                try await connection.strings("SELECT write_id::text FROM media_writes")
            }
            let seenByB = try await TestDatabase.transaction(client, as: .tenant(b.uuid)) { connection in
                try await connection.execute("DELETE FROM media_chunks WHERE organization_id = \(a.uuid)")
                try await connection.execute("DELETE FROM media_writes WHERE organization_id = \(a.uuid)")
                return try await connection.integer("SELECT count(*)::integer FROM media_chunks WHERE organization_id = \(a.uuid)")
            }
            #expect(seenByB == 0)
            let aWriteText = try #require(aWrite.first)
            let aWriteID = try #require(UUID(uuidString: aWriteText))
            await #expect(throws: (any Error).self) {
                try await TestDatabase.transaction(client, as: .tenant(b.uuid)) { connection in
                    let junk = ByteBuffer(bytes: [9, 9, 9])
                    try await connection.execute(
                        """
                        INSERT INTO media_chunks (organization_id, write_id, chunk_index, byte_offset, bytes)
                        VALUES (\(a.uuid), \(aWriteID), 2, \(Int(bytes.count)), \(junk))
                        """)
                }
            }
            #expect(try await store.bytes(of: id, in: a) == bytes)
            await #expect(throws: WAError.self) { try await store.byteCount(of: id, in: b) }
        }
    }

    // MARK: Helpers

    static func runner(_ client: PostgresClient) -> PostgresTransactionRunner {
        PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
    }

    struct Rows: Equatable, CustomStringConvertible {
        var writes: Int
        var incomplete: Int
        var chunks: Int
        var description: String { "\(writes) writes (\(incomplete) incomplete), \(chunks) chunks" }
    }

    /// Every organization's media rows, counted as the system role.
    static func rows(_ client: PostgresClient) async throws -> Rows {
        try await TestDatabase.transaction(client, as: .system) { connection in
            Rows(
                writes: try await connection.integer("SELECT count(*)::integer FROM media_writes"),
                incomplete: try await connection.integer("SELECT count(*)::integer FROM media_writes WHERE completed_at IS NULL"),
                chunks: try await connection.integer("SELECT count(*)::integer FROM media_chunks"))
        }
    }

    /// An incomplete write with `chunks` one-byte chunks, as a process that crashed mid-write leaves it.
    @discardableResult
    static func crashedWrite(in org: OrganizationID, startedAt: Date, chunks: Int, _ client: PostgresClient) async throws
        -> UUID
    {
        let write = UUID()
        try await TestDatabase.transaction(client, as: .tenant(org.uuid)) { connection in
            try await connection.execute(
                """
                INSERT INTO media_writes (organization_id, write_id, media_id, started_at)
                VALUES (\(org.uuid), \(write), \(UUID()), \(startedAt))
                """)
            for index in 0..<chunks {
                let byte = ByteBuffer(bytes: [UInt8(index)])
                try await connection.execute(
                    """
                    INSERT INTO media_chunks (organization_id, write_id, chunk_index, byte_offset, bytes)
                    VALUES (\(org.uuid), \(write), \(index), \(index), \(byte))
                    """)
            }
        }
        return write
    }

    static func pieces(_ bytes: [UInt8], size: Int) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min(bytes.count, $0 + size)]) }
    }

    static func collect(_ stream: MediaByteStream) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in stream { bytes += chunk }
        return bytes
    }
}

extension PostgresMediaStoreContractTests {
    /// Chunks from a list, failing with ``SourceError`` before the one at `failAfter` if given.
    struct Chunks: AsyncSequence, Sendable {
        struct SourceError: Error {}

        let pieces: [[UInt8]]
        var failAfter: Int?

        struct AsyncIterator: AsyncIteratorProtocol {
            let chunks: Chunks
            var index = 0

            mutating func next() async throws -> [UInt8]? {
                if index == chunks.failAfter { throw SourceError() }
                guard index < chunks.pieces.count else { return nil }
                defer { index += 1 }
                return chunks.pieces[index]
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: self) }
    }

    /// Where a test holds a writer: ``GatedChunks`` stops at the gate until the test opens it.
    final class Gate: Sendable {
        private let reached: AsyncStream<Void>
        private let reachedContinuation: AsyncStream<Void>.Continuation
        private let opened: AsyncStream<Void>
        private let openedContinuation: AsyncStream<Void>.Continuation

        init() {
            (reached, reachedContinuation) = AsyncStream.makeStream(of: Void.self)
            (opened, openedContinuation) = AsyncStream.makeStream(of: Void.self)
        }

        /// Returns once the source stands at the gate (everything before it has been consumed).
        func waitUntilReached() async {
            for await _ in reached { return }
        }

        func open() { openedContinuation.yield() }

        /// Called by the source: waits for ``open()``; `false` when the waiting task is cancelled instead.
        func pass() async -> Bool {
            reachedContinuation.yield()
            for await _ in opened { return true }
            return false
        }
    }

    /// Chunks from a list that stop before the one at `gateAt` until the gate opens, and end (as `AsyncStream` does)
    /// when their task is cancelled there.
    struct GatedChunks: AsyncSequence, Sendable {
        let pieces: [[UInt8]]
        let gateAt: Int
        let gate: Gate

        struct AsyncIterator: AsyncIteratorProtocol {
            let chunks: GatedChunks
            var index = 0

            mutating func next() async -> [UInt8]? {
                if index == chunks.gateAt, !(await chunks.gate.pass()) { return nil }
                guard index < chunks.pieces.count else { return nil }
                defer { index += 1 }
                return chunks.pieces[index]
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: self) }
    }

    /// The pages a store's reads fetched.
    final class PageLog: Sendable {
        private let pages = Mutex<[PostgresMediaReader.Page]>([])

        func append(_ page: PostgresMediaReader.Page) { pages.withLock { $0.append(page) } }
        var all: [PostgresMediaReader.Page] { pages.withLock { $0 } }
        func clear() { pages.withLock { $0.removeAll() } }
    }
}
