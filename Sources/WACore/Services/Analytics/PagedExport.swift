/// The producer behind every streamed export: reads the store one page at a time, only when the consumer has
/// taken every chunk made from the previous page, and encodes rows into fixed-size chunks.
///
/// Memory is bounded by one page of rows plus the chunks one row completes. Each page is read in its own short
/// transaction (``fetch``), so a slow consumer never holds a transaction open. Rows whose identifier is at or
/// after ``boundary`` (records created after the export started) end the export.
actor PagedExport<Encoder: ExportRowEncoder & Sendable> where Encoder.Row: StoredEntity {
    typealias Row = Encoder.Row

    private let fetch: @Sendable (Cursor?) async throws -> Page<Row>
    private let boundary: Identifier<Row>
    private var chunker: ExportChunker<Encoder>
    private var rows: [Row] = []
    private var rowIndex = 0
    private var cursor: Cursor?
    private var exhausted = false
    private var finished = false
    private var pending: [[UInt8]] = []
    private var pendingIndex = 0

    init(
        encoder: Encoder, chunkSize: Int, boundary: Identifier<Row>,
        fetch: @escaping @Sendable (Cursor?) async throws -> Page<Row>
    ) {
        chunker = ExportChunker(encoder: encoder, chunkSize: chunkSize)
        self.boundary = boundary
        self.fetch = fetch
    }

    /// The next chunk, or `nil` after the last.
    func next() async throws -> [UInt8]? {
        while true {
            if pendingIndex < pending.count {
                defer { pendingIndex += 1 }
                return pending[pendingIndex]
            }
            pending = []
            pendingIndex = 0
            if finished { return nil }
            if rowIndex < rows.count {
                let row = rows[rowIndex]
                rowIndex += 1
                if row.id >= boundary {
                    // Pages are oldest first: everything after this row is newer still.
                    rows = []
                    rowIndex = 0
                    exhausted = true
                } else {
                    pending = chunker.add(row)
                }
                continue
            }
            rows = []
            rowIndex = 0
            if exhausted {
                pending = chunker.finish()
                finished = true
                continue
            }
            try Task.checkCancellation()
            let page = try await fetch(cursor)
            rows = page.items
            cursor = page.nextCursor
            if cursor == nil || page.items.isEmpty { exhausted = true }
        }
    }
}

/// A stream of `format` chunks over the rows `fetch` pages through, oldest first, ending before `boundary`.
func pagedExportStream<Entity: StoredEntity>(
    format: ExportFormat, columns: [ExportColumn<Entity>], chunkSize: Int, boundary: Identifier<Entity>,
    fetch: @escaping @Sendable (Cursor?) async throws -> Page<Entity>
) -> AsyncThrowingStream<[UInt8], any Error> {
    switch format {
    case .csv:
        let producer = PagedExport<CSVRowEncoder<Entity>>(
            encoder: CSVRowEncoder(columns: columns), chunkSize: chunkSize, boundary: boundary, fetch: fetch)
        return AsyncThrowingStream(unfolding: { try await producer.next() })
    case .jsonLines:
        let producer = PagedExport<JSONLinesRowEncoder<Entity>>(
            encoder: JSONLinesRowEncoder(columns: columns), chunkSize: chunkSize, boundary: boundary, fetch: fetch)
        return AsyncThrowingStream(unfolding: { try await producer.next() })
    }
}

/// Pages for exports: the largest page, oldest first, after `cursor`.
func exportPageRequest(after cursor: Cursor?) throws(WAError) -> PageRequest {
    try PageRequest(limit: PageRequest.maximumLimit, cursor: cursor, order: .oldestFirst)
}
