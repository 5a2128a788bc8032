import Foundation
import Testing
import WACore

@Suite("Analytics streaming export")
struct StreamingExportTests {
    struct Row: Sendable {
        var index: Int
        var note: String
    }

    static let columns: [ExportColumn<Row>] = [
        ExportColumn("index") { .integer(Int64($0.index)) },
        ExportColumn("note") { .text($0.note) },
    ]

    static func row(_ index: Int) -> Row {
        Row(index: index, note: index % 7 == 0 ? "=formula, \"quoted\"\nline \(index)" : "row \(index) 😀")
    }

    /// FNV-1a, to compare byte streams without holding them.
    struct Hasher64 {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(_ bytes: some Sequence<UInt8>) {
            for byte in bytes { state = (state ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
    }

    @Test("100k rows stream through fixed-size chunks with a bounded buffer")
    func chunkerBounded() {
        let chunkSize = 4096
        var chunker = ExportChunker(encoder: CSVRowEncoder(columns: Self.columns), chunkSize: chunkSize)
        var reference = CSVRowEncoder(columns: Self.columns)
        var streamed = Hasher64()
        var expected = Hasher64()
        var chunks = 0
        var bytes = 0
        var maxBuffered = 0
        var lineBreaks = 0
        func consume(_ newChunks: [[UInt8]], final: Bool) {
            for (i, chunk) in newChunks.enumerated() {
                if !final || i < newChunks.count - 1 { #expect(chunk.count == chunkSize) }
                #expect(chunk.count <= chunkSize && !chunk.isEmpty)
                chunks += 1
                bytes += chunk.count
                lineBreaks += chunk.count { $0 == 0x0A }
                streamed.add(chunk)
            }
        }
        for index in 0..<100_000 {
            let row = Self.row(index)
            consume(chunker.add(row), final: false)
            maxBuffered = max(maxBuffered, chunker.bufferedByteCount)
            var own: [UInt8] = []
            reference.append(row, to: &own)
            expected.add(own)
        }
        consume(chunker.finish(), final: true)
        #expect(chunker.bufferedByteCount == 0)
        #expect(maxBuffered < chunkSize)
        #expect(streamed.state == expected.state)
        #expect(bytes > 2_000_000 && chunks == (bytes + chunkSize - 1) / chunkSize)
        // Header + 100k records, and one embedded LF in every 7th note.
        #expect(lineBreaks == 100_001 + (100_000 + 6) / 7)
    }

    /// Rows produced on demand, never all in memory.
    struct Rows: AsyncSequence, Sendable {
        typealias Element = Row
        let count: Int
        struct AsyncIterator: AsyncIteratorProtocol {
            var next = 0
            let count: Int
            mutating func next() async -> Row? {
                guard next < count else { return nil }
                defer { next += 1 }
                return StreamingExportTests.row(next)
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(count: count) }
    }

    @Test("async rows map to bounded chunks (JSON Lines)")
    func asyncSequence() async throws {
        let chunkSize = 8192
        var sizes: [Int] = []
        var streamed = Hasher64()
        var expected = Hasher64()
        var lines = 0
        for try await chunk in Rows(count: 100_000).exportChunks(
            JSONLinesRowEncoder(columns: Self.columns), chunkSize: chunkSize)
        {
            sizes.append(chunk.count)
            streamed.add(chunk)
            lines += chunk.count { $0 == 0x0A }
        }
        var encoder = JSONLinesRowEncoder(columns: Self.columns)
        for index in 0..<100_000 {
            var own: [UInt8] = []
            encoder.append(Self.row(index), to: &own)
            expected.add(own)
        }
        #expect(streamed.state == expected.state)
        #expect(lines == 100_000)  // newlines inside text are escaped in JSON
        #expect(sizes.dropLast().allSatisfy { $0 == chunkSize })
        #expect((sizes.last ?? 0) <= chunkSize && (sizes.last ?? 0) > 0)
    }

    @Test("empty exports and rows larger than a chunk")
    func edgeCases() async throws {
        var empty = ExportChunker(encoder: CSVRowEncoder(columns: Self.columns), chunkSize: 4)
        #expect(empty.finish() == [Array("inde".utf8), Array("x,no".utf8), Array("te\r\n".utf8)])
        #expect(empty.finish().isEmpty)
        var chunks: [[UInt8]] = []
        for try await chunk in Rows(count: 0).exportChunks(JSONLinesRowEncoder(columns: Self.columns)) {
            chunks.append(chunk)
        }
        #expect(chunks.isEmpty)
        var big = ExportChunker(encoder: JSONLinesRowEncoder(columns: Self.columns), chunkSize: 3)
        let out = big.add(Row(index: 1, note: String(repeating: "x", count: 20)))
        #expect(out.count >= 10 && out.allSatisfy { $0.count == 3 })
        #expect(big.bufferedByteCount < 3)
    }
}
