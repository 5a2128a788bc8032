/// Where media bytes live (the metadata is a ``MediaObject`` in the ``Store``).
///
/// Bytes move in chunks both ways, so that neither the store nor its caller holds a whole file: a write reads an
/// async sequence of chunks, a read hands one back. ``MemoryMediaStore`` keeps the bytes in memory; a PostgreSQL
/// adapter keeps them as rows of chunks. Every adapter passes `MediaStoreContract` (WACoreTesting).
///
/// The bytes are not part of a ``Store`` transaction: ``MediaService`` writes them before the transaction that
/// records their ``MediaObject`` and removes them again when that transaction fails, so bytes without metadata
/// are possible after a crash (nothing refers to them) but metadata without bytes is not.
public protocol MediaStore: Sendable {
    /// Stores the bytes of a media object, read from `chunks` in order, and returns how many were stored. They
    /// replace earlier bytes of the same id only once the last chunk is stored: if `chunks` throws or the store
    /// fails, the earlier bytes (or none) remain.
    func write<Chunks: AsyncSequence & Sendable>(
        _ id: MediaObjectID, in organization: OrganizationID, from chunks: Chunks
    ) async throws -> Int64 where Chunks.Element == [UInt8]

    /// The bytes of a media object in `range` (all of them when `nil`), as non-empty chunks of at most
    /// ``MediaChunks/maximumSize`` bytes in order. Fails with `not_found` when there are none, and with
    /// `invalid_argument` (field `range`) for a range outside the object, before any chunk is read.
    func read(_ id: MediaObjectID, in organization: OrganizationID, range: Range<Int64>?) async throws
        -> MediaByteStream

    /// How many bytes the object has; `not_found` when there are none.
    func byteCount(of id: MediaObjectID, in organization: OrganizationID) async throws -> Int64

    /// Removes the bytes (no error if there are none).
    func remove(_ id: MediaObjectID, in organization: OrganizationID) async throws

    /// Removes every object of `organization` (when the organization is deleted); other organizations' bytes
    /// stay.
    func removeAll(in organization: OrganizationID) async throws
}

/// The chunks of a media object's bytes, as ``MediaStore/read(_:in:range:)`` streams them.
public typealias MediaByteStream = AsyncThrowingStream<[UInt8], any Error>

extension MediaStore {
    /// Stores bytes already in memory (received media, tests), written in chunks.
    public func put(_ bytes: [UInt8], for id: MediaObjectID, in organization: OrganizationID) async throws {
        _ = try await write(id, in: organization, from: MediaChunks(bytes))
    }

    /// Every byte of a media object, collected: for callers that need the whole file at once (a transport that
    /// takes bytes). Bounded by the size caps of ``MediaPolicy``.
    public func bytes(of id: MediaObjectID, in organization: OrganizationID) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in try await read(id, in: organization, range: nil) { bytes += chunk }
        return bytes
    }

    /// Checks `range` against an object of `byteCount` bytes (for adapters): `invalid_argument` outside it.
    public static func validate(_ range: Range<Int64>?, byteCount: Int64) throws(WAError) -> Range<Int64> {
        guard let range else { return 0..<byteCount }
        guard range.lowerBound >= 0, range.upperBound <= byteCount else {
            throw WAError.invalid("range", "bytes \(range.lowerBound)..<\(range.upperBound) are outside the object's \(byteCount)")
        }
        return range
    }
}

/// Bytes in memory as an async sequence of chunks of at most ``maximumSize`` bytes.
public struct MediaChunks: AsyncSequence, Sendable {
    /// The largest chunk a ``MediaStore`` read yields: 1 MiB.
    public static let maximumSize = 1 << 20

    private let bytes: [UInt8]
    private let chunkSize: Int

    /// `bytes` in chunks of `chunkSize` (at most ``maximumSize``).
    public init(_ bytes: [UInt8], chunkSize: Int = MediaChunks.maximumSize) {
        self.bytes = bytes
        self.chunkSize = Swift.max(1, Swift.min(chunkSize, Self.maximumSize))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let chunkSize: Int
        var offset = 0

        public mutating func next() async -> [UInt8]? {
            guard offset < bytes.count else { return nil }
            let end = Swift.min(bytes.count, offset + chunkSize)
            defer { offset = end }
            return Array(bytes[offset..<end])
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, chunkSize: chunkSize) }
}
