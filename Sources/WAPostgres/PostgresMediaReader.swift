import Foundation
import NIOCore
import PostgresNIO
import WACore

/// The chunks of one range of one complete write, fetched when the stream's consumer asks for them:
/// ``PostgresMediaStore/readBatchSize`` rows at a time, by `chunk_index` from where the last page ended, only rows
/// that overlap the range, each cut to the range by the database (`substring`). Nothing is fetched ahead of the
/// consumer, so a stream holds at most one page.
///
/// Every page is a statement of its own, so a replacement or removal of the write can commit between two pages
/// and delete its chunks. The reader then finds the next page missing (each page's bytes must start where the
/// previous ones ended) and fails with `storage_conflict`: it never goes on with another write's bytes.
actor PostgresMediaReader {
    /// What one query fetched (for tests): the chunks' indexes and the bytes of each after cutting.
    struct Page: Sendable, Hashable {
        var write: UUID
        var chunkIndexes: [Int]
        var byteCounts: [Int]
    }

    private let store: PostgresMediaStore
    private let organization: OrganizationID
    private let write: UUID
    private let range: Range<Int64>
    /// Where the next page's bytes must start.
    private var fetchedUpTo: Int64
    /// The first chunk index the next page may hold.
    private var nextIndex = 0
    private var buffered: [[UInt8]] = []

    init(store: PostgresMediaStore, organization: OrganizationID, write: UUID, range: Range<Int64>) {
        self.store = store
        self.organization = organization
        self.write = write
        self.range = range
        fetchedUpTo = range.lowerBound
    }

    /// The next chunk of the range, or `nil` after the last one.
    func next() async throws -> [UInt8]? {
        if buffered.isEmpty {
            guard fetchedUpTo < range.upperBound else { return nil }
            try await fetchPage()
        }
        return buffered.removeFirst()
    }

    private func fetchPage() async throws {
        var sql = SQLBuilder()
        let org = sql.bind(.id(organization))
        let writeID = sql.bind(.uuid(write))
        let after = sql.bind(.integer(nextIndex))
        let lower = sql.bind(.integer(Int(fetchedUpTo)))
        let upper = sql.bind(.integer(Int(range.upperBound)))
        let limit = sql.bind(.integer(store.readBatchSize))
        // octet_length of a stored bytea reads its header only, so rows before the range cost no bytes.
        sql.append("""
            SELECT chunk_index, greatest(byte_offset, \(lower)),
                substring(bytes FROM (greatest(\(lower) - byte_offset, 0) + 1)::integer
                    FOR (least(\(upper), byte_offset + octet_length(bytes)) - greatest(\(lower), byte_offset))::integer)
            FROM media_chunks
            WHERE organization_id = \(org) AND write_id = \(writeID) AND chunk_index >= \(after)
              AND byte_offset < \(upper) AND byte_offset + octet_length(bytes) > \(lower)
            ORDER BY chunk_index LIMIT \(limit)
            """)
        let rows = try await store.run(.organization(organization), doing: "reading media bytes") { context in
            let rows = try await context.rows(sql, doing: "reading media bytes")
            do {
                return try rows.map { row in
                    let (index, start, bytes) = try row.decode((Int, Int, ByteBuffer).self)
                    return (index: index, start: Int64(start), bytes: Array(bytes.readableBytesView))
                }
            } catch {
                throw PostgresTransactionRunner.mapped(error, doing: "reading media bytes", context.logger)
            }
        }
        store.fetchObserver?(Page(write: write, chunkIndexes: rows.map(\.index), byteCounts: rows.map(\.bytes.count)))
        var page: [[UInt8]] = []
        for row in rows {
            guard row.start == fetchedUpTo, !row.bytes.isEmpty else { throw try await interrupted() }
            page.append(row.bytes)
            fetchedUpTo += Int64(row.bytes.count)
            nextIndex = row.index + 1
        }
        guard !page.isEmpty else { throw try await interrupted() }
        buffered = page
    }

    /// The error for chunks that are not where they should be: the write was deleted meanwhile (replaced or
    /// removed), or, if it is still there, its chunks do not cover its bytes (which the store never leaves).
    private func interrupted() async throws -> WAError {
        var sql = SQLBuilder("SELECT 1 FROM media_writes WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND write_id = ")
        sql.append(bound: .uuid(write))
        let stillThere = try await store.run(.organization(organization), doing: "reading media bytes") {
            try await $0.count(sql, doing: "reading media bytes") > 0
        }
        guard stillThere else {
            return WAError(
                .storageConflict, "the media bytes were replaced or removed while they were being read; read them again")
        }
        store.runner.logger.error(
            "stored media chunks do not cover their write",
            metadata: ["organization_id": "\(organization)", "write_id": "\(write)", "offset": "\(fetchedUpTo)"])
        return WAError(.internalError, "the stored media bytes are incomplete")
    }
}
