/// An async sequence of export chunks made from an async sequence of rows, pulling rows only as chunks are
/// consumed (memory stays at one chunk plus one row, whatever the export's size).
///
/// ```swift
/// let body = rows.exportChunks(CSVRowEncoder(columns: ExportColumn.messageColumns), chunkSize: 32 * 1024)
/// for try await chunk in body { try await writer.write(chunk) }
/// ```
public struct ExportChunkSequence<Base: AsyncSequence, Encoder: ExportRowEncoder>: AsyncSequence
where Base.Element == Encoder.Row {
    public typealias Element = [UInt8]
    public typealias Failure = Base.Failure

    let base: Base
    let encoder: Encoder
    let chunkSize: Int

    /// Chunks of `base`'s rows encoded by `encoder`, `chunkSize` bytes each but the last.
    public init(_ base: Base, encoder: Encoder, chunkSize: Int = 64 * 1024) {
        self.base = base
        self.encoder = encoder
        self.chunkSize = chunkSize
    }

    /// An iterator that pulls rows from `base` on demand.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), chunker: ExportChunker(encoder: encoder, chunkSize: chunkSize))
    }

    /// Pulls rows until a chunk is complete.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var chunker: ExportChunker<Encoder>
        var pending: [[UInt8]] = []
        var pendingIndex = 0
        var done = false

        public typealias Element = [UInt8]
        public typealias Failure = Base.Failure

        /// The next chunk, or `nil` after the last; rethrows the rows' errors.
        public mutating func next() async throws(Base.Failure) -> [UInt8]? {
            try await next(isolation: #isolation)
        }

        /// The next chunk, pulling rows on `actor`'s isolation.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> [UInt8]? {
            while true {
                if pendingIndex < pending.count {
                    defer { pendingIndex += 1 }
                    return pending[pendingIndex]
                }
                pending = []
                pendingIndex = 0
                if done { return nil }
                if let row = try await base.next(isolation: actor) {
                    pending = chunker.add(row)
                } else {
                    done = true
                    pending = chunker.finish()
                }
            }
        }
    }
}

extension ExportChunkSequence: Sendable where Base: Sendable, Encoder: Sendable {}

extension AsyncSequence {
    /// The export of these rows as byte chunks of `chunkSize` (the last may be shorter).
    public func exportChunks<Encoder: ExportRowEncoder>(_ encoder: Encoder, chunkSize: Int = 64 * 1024)
        -> ExportChunkSequence<Self, Encoder> where Encoder.Row == Element
    {
        ExportChunkSequence(self, encoder: encoder, chunkSize: chunkSize)
    }
}
