/// Writes rows as JSON Lines (one JSON object per line, `\n`-terminated, UTF-8), keys in column order.
///
/// Text is a JSON string (quotes, backslashes and control characters escaped), integers and finite numbers are
/// JSON numbers (non-finite numbers and `.null` are `null`), booleans are `true`/`false` and dates are ISO 8601
/// strings in UTC with milliseconds. No formula protection is applied: JSON is not opened by spreadsheets.
public struct JSONLinesRowEncoder<Row>: ExportRowEncoder, Sendable {
    /// The columns, in order (their names are the keys).
    public let columns: [ExportColumn<Row>]

    /// An encoder for `columns`.
    public init(columns: [ExportColumn<Row>]) {
        self.columns = columns
    }

    /// Appends `row` as one JSON object and a line feed.
    public mutating func append(_ row: Row, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        for (index, column) in columns.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            JSONLinesRowEncoder.appendString(column.name, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            switch column.value(row) {
            case .text(let text): JSONLinesRowEncoder.appendString(text, to: &buffer)
            case .integer(let number): buffer += String(number).utf8
            case .number(let number): buffer += (ExportValue.numberText(number) ?? "null").utf8
            case .bool(let flag): buffer += (flag ? "true" : "false").utf8
            case .date(let date): JSONLinesRowEncoder.appendString(ExportValue.iso8601(date), to: &buffer)
            case .null: buffer += "null".utf8
            }
        }
        buffer += [UInt8(ascii: "}"), 0x0A]
    }

    /// Nothing: JSON Lines has no trailer.
    public mutating func finish(to buffer: inout [UInt8]) {}

    private static var hexDigits: [UInt8] { Array("0123456789abcdef".utf8) }

    /// Appends `text` as a JSON string literal.
    public static func appendString(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: buffer += [0x5C, 0x22]
            case 0x5C: buffer += [0x5C, 0x5C]
            case 0x0A: buffer += [0x5C, UInt8(ascii: "n")]
            case 0x0D: buffer += [0x5C, UInt8(ascii: "r")]
            case 0x09: buffer += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                buffer += Array("\\u00".utf8)
                buffer.append(JSONLinesRowEncoder.hexDigits[Int(byte >> 4)])
                buffer.append(JSONLinesRowEncoder.hexDigits[Int(byte & 0xF)])
            default: buffer.append(byte)
            }
        }
        buffer.append(0x22)
    }
}
