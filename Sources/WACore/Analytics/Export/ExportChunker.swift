/// Turns rows into byte chunks of a fixed size, holding at most one chunk plus one row in memory.
///
/// Every chunk returned by ``add(_:)`` is exactly ``chunkSize`` bytes; ``finish()`` returns the remainder (at most
/// ``chunkSize`` bytes per chunk). Chunks split the byte stream anywhere, even inside a row or a UTF-8 sequence:
/// concatenated, they are the export.
public struct ExportChunker<Encoder: ExportRowEncoder> {
    /// The row encoder.
    public private(set) var encoder: Encoder
    /// The size of every chunk but the last.
    public let chunkSize: Int
    private var buffer: [UInt8] = []
    private var finished = false

    /// `chunkSize` is at least 1 (default 64 KiB).
    public init(encoder: Encoder, chunkSize: Int = 64 * 1024) {
        self.encoder = encoder
        self.chunkSize = Swift.max(1, chunkSize)
        buffer.reserveCapacity(self.chunkSize)
    }

    /// Bytes encoded but not yet returned (always less than ``chunkSize`` between calls).
    public var bufferedByteCount: Int { buffer.count }

    /// Encodes `row`; returns the chunks it completed (usually none or one).
    public mutating func add(_ row: Encoder.Row) -> [[UInt8]] {
        precondition(!finished, "ExportChunker.add after finish")
        encoder.append(row, to: &buffer)
        return takeFullChunks()
    }

    /// Ends the export; returns the remaining chunks (empty when there is nothing left).
    public mutating func finish() -> [[UInt8]] {
        guard !finished else { return [] }
        finished = true
        encoder.finish(to: &buffer)
        var chunks = takeFullChunks()
        if !buffer.isEmpty { chunks.append(buffer) }
        buffer = []
        return chunks
    }

    private mutating func takeFullChunks() -> [[UInt8]] {
        guard buffer.count >= chunkSize else { return [] }
        var chunks: [[UInt8]] = []
        var start = 0
        while buffer.count - start >= chunkSize {
            chunks.append(Array(buffer[start..<start + chunkSize]))
            start += chunkSize
        }
        buffer.removeFirst(start)
        return chunks
    }
}

extension ExportChunker: Sendable where Encoder: Sendable {}
