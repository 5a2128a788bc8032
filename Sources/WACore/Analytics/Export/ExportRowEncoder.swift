/// Encodes rows one at a time into a caller-provided byte buffer, so an export never has to exist in memory as a
/// whole. Feed it to ``ExportChunker`` for fixed-size chunks, or to ``ExportChunkSequence`` for an async stream.
public protocol ExportRowEncoder<Row> {
    /// The row type.
    associatedtype Row

    /// Appends the bytes of `row` (and anything that must come before the first row, such as a header).
    mutating func append(_ row: Row, to buffer: inout [UInt8])

    /// Appends what the export needs after the last row (for CSV: the header, when no row was written).
    mutating func finish(to buffer: inout [UInt8])
}
