import Foundation
import Testing
import WACore

@Suite("Analytics CSV export")
struct CSVExportTests {
    static let trickyFields: [String] = [
        "plain", "he said \"hi\"", "a,b", "line1\nline2", "cr\r\nlf", "lone\rcr", "=cmd|' /C calc'!A0",
        "+1 555", "-2", "@SUM(A1)", "\tleading tab", "\rleading cr", "emoji 😀👍🏽 and 中文", "", "  leading spaces",
        "trailing spaces  ", "\"", ",", "'already quoted", "naïve café", "=HYPERLINK(\"http://x\",\"y\")",
        "a\"\"b", " =not at start",
    ]

    static func columns(_ count: Int) -> [ExportColumn<[String]>] {
        (0..<count).map { index in ExportColumn("c\(index)") { .text($0[index]) } }
    }

    static func encode(_ rows: [[String]], columns: Int, options: CSVRowEncoder<[String]>.Options = .init()) -> [UInt8]
    {
        var encoder = CSVRowEncoder(columns: Self.columns(columns), options: options)
        var buffer: [UInt8] = []
        for row in rows { encoder.append(row, to: &buffer) }
        encoder.finish(to: &buffer)
        return buffer
    }

    /// What a reader should see: the field with the formula prefix rule applied.
    static func expected(_ field: String, protect: Bool = true) -> String {
        protect && CSVRowEncoder<[String]>.needsFormulaProtection(field) ? "'" + field : field
    }

    @Test("fields are quoted per RFC 4180 with CRLF records")
    func quoting() {
        let bytes = Self.encode([["a", "b,c", "say \"x\"", "l1\nl2", ""]], columns: 5)
        #expect(
            String(decoding: bytes, as: UTF8.self) == "c0,c1,c2,c3,c4\r\na,\"b,c\",\"say \"\"x\"\"\",\"l1\nl2\",\r\n")
    }

    @Test("formula-like text gets a leading quote, configurable")
    func formulaProtection() {
        let fields = ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "x=1", " =1"]
        let on = String(decoding: Self.encode([fields], columns: fields.count), as: UTF8.self)
        #expect(on.hasSuffix("'=1+1,'+1,'-1,'@x,'\tx,\"'\rx\",x=1, =1\r\n"))
        let off = String(
            decoding: Self.encode([fields], columns: fields.count, options: .init(formulaProtection: false)),
            as: UTF8.self)
        #expect(off.hasSuffix("=1+1,+1,-1,@x,\tx,\"\rx\",x=1, =1\r\n"))
        // Numbers are not formulas.
        var encoder = CSVRowEncoder<Int>(columns: [
            ExportColumn("n") { .integer(Int64($0)) }, ExportColumn("d") { .number(Double($0) / 2) },
        ])
        var buffer: [UInt8] = []
        encoder.append(-3, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "n,d\r\n-3,-1.5\r\n")
    }

    @Test("header options, BOM, empty exports and single empty fields")
    func options() {
        #expect(String(decoding: Self.encode([], columns: 2), as: UTF8.self) == "c0,c1\r\n")
        #expect(Self.encode([["x"]], columns: 1, options: .init(includeHeader: false)) == Array("x\r\n".utf8))
        #expect(Self.encode([[""]], columns: 1, options: .init(includeHeader: false)) == Array("\"\"\r\n".utf8))
        #expect(
            Array(Self.encode([], columns: 1, options: .init(byteOrderMark: true)).prefix(3)) == [0xEF, 0xBB, 0xBF])
    }

    @Test("values: dates, booleans, nulls and numbers")
    func values() {
        let date = Date(timeIntervalSince1970: 1_709_251_200.1234)
        var encoder = CSVRowEncoder<Int>(columns: [
            ExportColumn("date") { _ in .date(date) }, ExportColumn("bool") { _ in .bool(true) },
            ExportColumn("null") { _ in .null }, ExportColumn("nan") { _ in .number(.nan) },
            ExportColumn("big") { _ in .number(1e300) }, ExportColumn("int") { _ in .number(42) },
        ])
        var buffer: [UInt8] = []
        encoder.append(0, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self).hasSuffix("\r\n2024-03-01T00:00:00.123Z,true,,,1e+300,42\r\n"))
        #expect(ExportValue.iso8601(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test("CSV round-trips through Python's csv module", .enabled(if: ReferencePython.shouldRun("csv")))
    func pythonRoundTrip() throws {
        try ReferencePython.require("csv")
        let fields = Self.trickyFields
        // Every tricky field in every column position, plus a row of all of them.
        var rows: [[String]] = [fields]
        for (index, field) in fields.enumerated() {
            rows.append((0..<fields.count).map { fields[($0 + index) % fields.count] == field ? field : "x\($0)" })
        }
        rows.append(Array(repeating: "", count: fields.count))
        for protect in [true, false] {
            let bytes = Self.encode(rows, columns: fields.count, options: .init(formulaProtection: protect))
            let parsed = try Self.readWithPython(bytes)
            let header = (0..<fields.count).map { "c\($0)" }
            let expected = [header] + rows.map { $0.map { Self.expected($0, protect: protect) } }
            #expect(parsed == expected)
        }
        // Single-column exports with an empty field survive too.
        let single = Self.encode([[""], ["=x"], ["a\nb"]], columns: 1)
        #expect(try Self.readWithPython(single) == [["c0"], [""], ["'=x"], ["a\nb"]])
    }

    /// Writes `bytes` to a temporary file and reads it back with `csv.reader`, printed as JSON.
    static func readWithPython(_ bytes: [UInt8]) throws -> [[String]] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wa-analytics-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8') as f:
                rows = list(csv.reader(f))
            sys.stdout.write(json.dumps(rows))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, url.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readAllRetryingInterrupts()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode([[String]].self, from: data)
    }
}
