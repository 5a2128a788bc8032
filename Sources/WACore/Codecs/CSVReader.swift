/// Reads RFC 4180 CSV text into records of fields.
///
/// Accepts CRLF, LF or CR line endings, quoted fields with doubled quotes and embedded separators or newlines, a
/// UTF-8 byte-order mark, and a configurable separator (`,` or `;` as spreadsheets in many locales write).
/// Malformed input (text after a closing quote, an unterminated quote, a record over ``maximumFieldCount``
/// fields) is a ``WAError`` naming the line.
public struct CSVReader: Sendable {
    /// The field separator.
    public var separator: Character
    /// Records with more fields are rejected.
    public var maximumFieldCount: Int

    public init(separator: Character = ",", maximumFieldCount: Int = 1_000) {
        self.separator = separator
        self.maximumFieldCount = maximumFieldCount
    }

    /// One record and the (1-based) line it started on.
    public struct Record: Sendable, Hashable {
        public var line: Int
        public var fields: [String]
    }

    /// Every record of `text`. Blank lines are skipped.
    public func records(_ text: String) throws(WAError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var afterQuote = false
        var fieldStarted = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        if text.first == "\u{FEFF}" { _ = iterator.next() }

        func endField() throws(WAError) {
            fields.append(field)
            field = ""
            afterQuote = false
            fieldStarted = false
            if fields.count > maximumFieldCount {
                throw WAError(.invalidCSV, "line \(recordLine) has more than \(maximumFieldCount) fields", field: "csv")
            }
        }
        func endRecord() throws(WAError) {
            try endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
        }

        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            field.append("\"")
                        } else {
                            inQuotes = false
                            afterQuote = true
                            pending = next
                        }
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" || c == "\r" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case separator:
                try endField()
            case "\r\n", "\n", "\r":
                try endRecord()
                line += 1
                recordLine = line
            case "\"" where !fieldStarted && !afterQuote:
                inQuotes = true
                fieldStarted = true
            default:
                if afterQuote {
                    throw WAError(.invalidCSV, "line \(line): text after a closing quote", field: "csv")
                }
                field.append(c)
                fieldStarted = true
            }
        }
        if inQuotes { throw WAError(.invalidCSV, "line \(recordLine): a quoted field is never closed", field: "csv") }
        if fieldStarted || afterQuote || !fields.isEmpty { try endRecord() }
        return records
    }
}
