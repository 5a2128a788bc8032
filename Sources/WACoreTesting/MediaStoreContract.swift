public import WACore

/// The behaviour every ``WACore/MediaStore`` must have, as a list of runnable cases: bytes streamed in and out in
/// chunks, ranges, replacement that never leaves half a file, removal and tenant separation.
///
/// ```swift
/// @Test(arguments: MediaStoreContract.cases)
/// func contract(_ contractCase: MediaStoreContract.Case) async throws {
///     try await contractCase.run(on: MemoryMediaStore())
/// }
/// ```
///
/// Every case uses fresh organization and object identifiers, so one store may be shared by all cases and runs.
public enum MediaStoreContract {
    /// One named behaviour, run against a media store.
    public typealias Case = ContractCase<any MediaStore>

    /// Every case of the contract.
    public static var cases: [Case] {
        [
            Case("media: bytes written in uneven chunks read back whole, in bounded chunks", roundTrip),
            Case("media: ranges read exactly their bytes; a range outside the object is refused", ranges),
            Case("media: a write replaces the bytes only once it completes", replacement),
            Case("media: removed bytes are gone, and removing nothing is no error", removal),
            Case("media: removing an organization's objects leaves every other organization's", removeAll),
            Case("media: an organization never reaches another's bytes", tenantSeparation),
            Case("media: 16 MiB stream through in 64 KiB pieces", largeObject),
            Case("media: concurrent writers of different objects keep their own bytes", concurrentWriters),
        ]
    }

    /// Chunks from an array in pieces of the given sizes (cycling), failing after `failAfter` chunks if given.
    struct Pieces: AsyncSequence, Sendable {
        let bytes: [UInt8]
        let sizes: [Int]
        var failAfter: Int?

        struct SourceError: Error {}

        struct AsyncIterator: AsyncIteratorProtocol {
            let pieces: Pieces
            var offset = 0
            var index = 0

            mutating func next() async throws -> [UInt8]? {
                if let failAfter = pieces.failAfter, index == failAfter { throw SourceError() }
                guard offset < pieces.bytes.count else { return nil }
                let size = pieces.sizes[index % pieces.sizes.count]
                let end = Swift.min(pieces.bytes.count, offset + size)
                defer {
                    offset = end
                    index += 1
                }
                return Array(pieces.bytes[offset..<end])
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pieces: self) }
    }

    static func collect(_ stream: MediaByteStream) async throws -> (bytes: [UInt8], chunks: [Int]) {
        var bytes: [UInt8] = []
        var chunks: [Int] = []
        for try await chunk in stream {
            bytes += chunk
            chunks.append(chunk.count)
        }
        return (bytes, chunks)
    }

    private static func roundTrip(_ store: any MediaStore, _ f: Fixtures) async throws {
        let org: OrganizationID = f.ids.make()
        let id: MediaObjectID = f.ids.make()
        let bytes = f.random.bytes(3 * MediaChunks.maximumSize + 12_345)
        let written = try await store.write(id, in: org, from: Pieces(bytes: bytes, sizes: [1, 7, 65_539, 2 << 20, 4_096]))
        try check(written == Int64(bytes.count), "the write reports \(written) bytes of \(bytes.count)")
        try check(try await store.byteCount(of: id, in: org) == Int64(bytes.count), "the stored size")
        let (read, chunks) = try await collect(try await store.read(id, in: org, range: nil))
        try check(read == bytes, "the bytes read back are the bytes written")
        try check(
            chunks.allSatisfy { $0 > 0 && $0 <= MediaChunks.maximumSize },
            "every chunk is non-empty and at most 1 MiB (\(chunks))")
        let empty: MediaObjectID = f.ids.make()
        _ = try await store.write(empty, in: org, from: Pieces(bytes: [], sizes: [1]))
        try check(try await store.byteCount(of: empty, in: org) == 0, "an empty object is stored")
        try check(try await collect(try await store.read(empty, in: org, range: nil)).chunks.isEmpty, "and reads as no chunks")
    }

    private static func ranges(_ store: any MediaStore, _ f: Fixtures) async throws {
        let org: OrganizationID = f.ids.make()
        let id: MediaObjectID = f.ids.make()
        let bytes = f.random.bytes(MediaChunks.maximumSize + 1_000)
        _ = try await store.write(id, in: org, from: Pieces(bytes: bytes, sizes: [100_000]))
        let count = Int64(bytes.count)
        for range: Range<Int64> in [0..<1, 0..<count, count - 1..<count, 10..<10, 1_000..<(count - 1_000), 5..<1_048_600] {
            let (read, chunks) = try await collect(try await store.read(id, in: org, range: range))
            try check(
                read == Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)]),
                "bytes \(range) read exactly (\(read.count) bytes)")
            try check(chunks.allSatisfy { $0 > 0 && $0 <= MediaChunks.maximumSize }, "bounded chunks for \(range)")
        }
        for range: Range<Int64> in [-1..<3, 0..<(count + 1), count..<(count + 5)] {
            try await checkThrows(.invalidArgument, field: "range", "bytes \(range) are outside the object") {
                try await store.read(id, in: org, range: range)
            }
        }
    }

    private static func replacement(_ store: any MediaStore, _ f: Fixtures) async throws {
        let org: OrganizationID = f.ids.make()
        let id: MediaObjectID = f.ids.make()
        let first = f.random.bytes(200_000)
        let second = f.random.bytes(150_000)
        _ = try await store.write(id, in: org, from: Pieces(bytes: first, sizes: [65_536]))
        _ = try await store.write(id, in: org, from: Pieces(bytes: second, sizes: [65_536]))
        try check(try await store.bytes(of: id, in: org) == second, "a second write replaces the first")
        do {
            _ = try await store.write(id, in: org, from: Pieces(bytes: first, sizes: [65_536], failAfter: 2))
            throw ContractViolation(message: "the failing source's error was swallowed", location: #fileID)
        } catch is Pieces.SourceError {}
        try check(try await store.bytes(of: id, in: org) == second, "a write that failed midway leaves the earlier bytes")
        let fresh: MediaObjectID = f.ids.make()
        do {
            _ = try await store.write(fresh, in: org, from: Pieces(bytes: first, sizes: [65_536], failAfter: 1))
        } catch is Pieces.SourceError {}
        try await checkThrows(.notFound, "a new object whose write failed does not exist") {
            try await store.byteCount(of: fresh, in: org)
        }
    }

    private static func removal(_ store: any MediaStore, _ f: Fixtures) async throws {
        let org: OrganizationID = f.ids.make()
        let id: MediaObjectID = f.ids.make()
        try await store.put(f.random.bytes(1_000), for: id, in: org)
        try await store.remove(id, in: org)
        try await checkThrows(.notFound, "removed bytes cannot be read") { try await store.read(id, in: org, range: nil) }
        try await checkThrows(.notFound, "nor measured") { try await store.byteCount(of: id, in: org) }
        try await store.remove(id, in: org)
        try await store.remove(f.ids.make(), in: org)
    }

    private static func removeAll(_ store: any MediaStore, _ f: Fixtures) async throws {
        let gone: OrganizationID = f.ids.make()
        let kept: OrganizationID = f.ids.make()
        let ids: [MediaObjectID] = (0..<3).map { _ in f.ids.make() }
        for id in ids {
            try await store.put(f.random.bytes(100), for: id, in: gone)
            try await store.put([7, 7, 7], for: id, in: kept)
        }
        try await store.removeAll(in: gone)
        for id in ids {
            try await checkThrows(.notFound, "the organization's bytes are gone") { try await store.byteCount(of: id, in: gone) }
            try check(try await store.bytes(of: id, in: kept) == [7, 7, 7], "another organization's stay")
        }
        try await store.removeAll(in: gone)
    }

    private static func tenantSeparation(_ store: any MediaStore, _ f: Fixtures) async throws {
        let a: OrganizationID = f.ids.make()
        let b: OrganizationID = f.ids.make()
        let id: MediaObjectID = f.ids.make()
        let bytes = f.random.bytes(5_000)
        try await store.put(bytes, for: id, in: a)
        try await checkThrows(.notFound, "another organization cannot read the bytes") {
            try await store.read(id, in: b, range: nil)
        }
        try await store.remove(id, in: b)
        try check(try await store.bytes(of: id, in: a) == bytes, "nor remove them")
        try await store.put([1, 2, 3], for: id, in: b)
        try check(try await store.bytes(of: id, in: a) == bytes, "nor overwrite them with the same id")
    }

    private static func largeObject(_ store: any MediaStore, _ f: Fixtures) async throws {
        let org: OrganizationID = f.ids.make()
        let id: MediaObjectID = f.ids.make()
        let bytes = f.random.bytes(16 << 20)
        _ = try await store.write(id, in: org, from: Pieces(bytes: bytes, sizes: [65_536]))
        var offset = 0
        var matches = true
        for try await chunk in try await store.read(id, in: org, range: nil) {
            matches = matches && chunk.count <= MediaChunks.maximumSize && bytes[offset..<(offset + chunk.count)].elementsEqual(chunk)
            offset += chunk.count
        }
        try check(matches && offset == bytes.count, "16 MiB read back in bounded chunks, byte for byte")
    }

    private static func concurrentWriters(_ store: any MediaStore, _ f: Fixtures) async throws {
        let org: OrganizationID = f.ids.make()
        let objects: [(MediaObjectID, [UInt8])] = (0..<8).map { _ in (f.ids.make(), f.random.bytes(300_000)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (id, bytes) in objects {
                group.addTask { _ = try await store.write(id, in: org, from: Pieces(bytes: bytes, sizes: [10_000])) }
            }
            try await group.waitForAll()
        }
        for (id, bytes) in objects {
            try check(try await store.bytes(of: id, in: org) == bytes, "object \(id) kept its own bytes")
        }
    }
}
