/// Writes rows as CSV (RFC 4180) in UTF-8, one record at a time.
///
/// - Records end with CRLF; the header (column names) comes first unless ``Options/includeHeader`` is off.
/// - A field is quoted when it contains `"`, `,`, CR or LF, and quotes inside are doubled. A record with a single
///   empty field is written as `""` so it is not read as a blank line.
/// - **Formula injection** (OWASP "CSV Injection"): with ``Options/formulaProtection`` (on by default) a text cell
///   or header that begins with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so spreadsheets show it as text
///   instead of evaluating it. The prefix is applied before quoting. Numbers, booleans and dates are written as
///   they are (a negative number is not a formula).
public struct CSVRowEncoder<Row>: ExportRowEncoder, Sendable {
    /// How to write.
    public struct Options: Sendable, Hashable {
        /// Write the header record (default on).
        public var includeHeader: Bool
        /// Prefix formula-like text cells with `'` (default on).
        public var formulaProtection: Bool
        /// Start with a UTF-8 byte order mark, which some spreadsheet programs need to detect UTF-8 (default off).
        public var byteOrderMark: Bool

        /// Options; the defaults are a header, formula protection and no byte order mark.
        public init(includeHeader: Bool = true, formulaProtection: Bool = true, byteOrderMark: Bool = false) {
            self.includeHeader = includeHeader
            self.formulaProtection = formulaProtection
            self.byteOrderMark = byteOrderMark
        }
    }

    /// The columns, in order.
    public let columns: [ExportColumn<Row>]
    /// How to write.
    public let options: Options
    private var started = false

    /// An encoder for `columns`.
    public init(columns: [ExportColumn<Row>], options: Options = Options()) {
        self.columns = columns
        self.options = options
    }

    /// Appends the header (first call only) and the record of `row`.
    public mutating func append(_ row: Row, to buffer: inout [UInt8]) {
        start(&buffer)
        appendRecord(columns.map { CSVRowEncoder.text(of: $0.value(row)) }, to: &buffer)
    }

    /// Appends the header when no row was written (an empty export is a header line).
    public mutating func finish(to buffer: inout [UInt8]) {
        start(&buffer)
    }

    private mutating func start(_ buffer: inout [UInt8]) {
        guard !started else { return }
        started = true
        if options.byteOrderMark { buffer += [0xEF, 0xBB, 0xBF] }
        if options.includeHeader { appendRecord(columns.map { ($0.name, true) }, to: &buffer) }
    }

    /// Cells as (text, isText): only text cells are subject to formula protection.
    private static func text(of value: ExportValue) -> (String, Bool) {
        switch value {
        case .text(let text): (text, true)
        case .integer(let number): (String(number), false)
        case .number(let number): (ExportValue.numberText(number) ?? "", false)
        case .bool(let flag): (flag ? "true" : "false", false)
        case .date(let date): (ExportValue.iso8601(date), false)
        case .null: ("", false)
        }
    }

    private func appendRecord(_ fields: [(String, Bool)], to buffer: inout [UInt8]) {
        if fields.count == 1 && fields[0].0.isEmpty {
            buffer += [UInt8(ascii: "\""), UInt8(ascii: "\""), 0x0D, 0x0A]
            return
        }
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            CSVRowEncoder.appendField(field.0, protect: options.formulaProtection && field.1, to: &buffer)
        }
        buffer += [0x0D, 0x0A]
    }

    /// Whether `text` would be prefixed with `'` by formula protection.
    public static func needsFormulaProtection(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        return first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D
    }

    /// Appends one field: the `'` prefix when `protect` and formula-like, then quoting when needed.
    public static func appendField(_ text: String, protect: Bool, to buffer: inout [UInt8]) {
        let prefixed = protect && needsFormulaProtection(text)
        let needsQuotes = text.utf8.contains { $0 == 0x22 || $0 == 0x2C || $0 == 0x0D || $0 == 0x0A }
        if needsQuotes { buffer.append(0x22) }
        if prefixed { buffer.append(UInt8(ascii: "'")) }
        if needsQuotes {
            for byte in text.utf8 {
                buffer.append(byte)
                if byte == 0x22 { buffer.append(0x22) }
            }
            buffer.append(0x22)
        } else {
            buffer += text.utf8
        }
    }
}
