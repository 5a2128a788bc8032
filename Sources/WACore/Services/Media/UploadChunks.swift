import Crypto

/// An upload's chunks on their way to the media store (``MediaService/upload(chunks:byteCount:declaredMIMEType:kind:fileName:by:)``):
/// the prefix already read to sniff the file, then the rest of the client's chunks, each fed through the
/// whole-file inspection, the SHA-256 and the count as the store reads it. After the last chunk the count must be
/// the announced one and the inspection must finish; otherwise the sequence throws, so the store keeps nothing,
/// and ``refused`` says so. After a complete read, ``outcome`` holds the digest and what the inspection showed.
///
/// One pass only: the store's write iterates it once, in one task, after the service read the prefix and before
/// it looks at the outcome. That hand-over is why it is `@unchecked Sendable` (the client's iterator is not
/// `Sendable`).
final class UploadChunks<Base: AsyncIteratorProtocol>: AsyncSequence, @unchecked Sendable
where Base.Element == [UInt8] {
    typealias Element = [UInt8]

    /// What a complete, accepted read showed.
    struct Outcome {
        var sha256: String
        var sniffed: SniffedMedia
    }

    private var prefix: [UInt8]?
    private var rest: Base?
    private let byteCount: Int64
    private var inspection: MediaInspection
    private var hash = SHA256()
    private var seen: Int64 = 0
    /// Set once the last chunk passed every check.
    private(set) var outcome: Outcome?
    /// Whether the upload's own bytes were refused (inspection or length): the store's write then failed and kept
    /// nothing.
    private(set) var refused = false

    init(prefix: [UInt8], rest: Base?, byteCount: Int64, inspection: MediaInspection) {
        self.prefix = prefix.isEmpty ? nil : prefix
        self.rest = rest
        self.byteCount = byteCount
        self.inspection = inspection
    }

    /// The error for a stream of `actual` bytes announced as `declared`.
    static func lengthMismatch(_ actual: Int64, declared: Int64) -> WAError {
        actual < declared
            ? WAError(.mediaTruncated, "the upload ended after \(actual) of its announced \(declared) bytes", field: "file")
            : WAError.invalid("file", "the upload has more than its announced \(declared) bytes")
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let upload: UploadChunks

        mutating func next() async throws -> [UInt8]? { try await upload.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(upload: self) }

    private func next() async throws -> [UInt8]? {
        guard outcome == nil, !refused else { return nil }
        var chunk = prefix
        prefix = nil
        if chunk == nil, rest != nil {
            chunk = try await rest?.next(isolation: #isolation)
            if chunk == nil { rest = nil }
        }
        do throws(WAError) {
            guard let chunk else {
                try finish()
                return nil
            }
            try check(chunk)
            return chunk
        } catch {
            refused = true
            throw error
        }
    }

    private func check(_ chunk: [UInt8]) throws(WAError) {
        seen += Int64(chunk.count)
        if seen > byteCount { throw Self.lengthMismatch(seen, declared: byteCount) }
        try inspection.consume(chunk)
        hash.update(data: chunk)
    }

    private func finish() throws(WAError) {
        if seen != byteCount { throw Self.lengthMismatch(seen, declared: byteCount) }
        let sniffed = try inspection.finish()
        outcome = Outcome(sha256: HexCoding.encode(Array(hash.finalize())), sniffed: sniffed)
    }
}
