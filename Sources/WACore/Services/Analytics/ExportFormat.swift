/// The file format of a streamed export (messages, contacts, the audit log).
///
/// - ``csv``: RFC 4180, UTF-8, CRLF line ends, a header record, and formula-injection protection on text cells
///   (``CSVRowEncoder``).
/// - ``jsonLines``: one JSON object per line, keys in column order (``JSONLinesRowEncoder``).
public enum ExportFormat: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Comma-separated values for spreadsheets.
    case csv
    /// JSON Lines (newline-delimited JSON) for programs.
    case jsonLines = "jsonl"

    /// The media type to send the export with.
    public var mediaType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .jsonLines: "application/x-ndjson"
        }
    }

    /// The usual file name extension (without the dot).
    public var fileExtension: String {
        switch self {
        case .csv: "csv"
        case .jsonLines: "jsonl"
        }
    }

    /// The raw value (`csv`, `jsonl`), as used in audit metadata.
    public var description: String { rawValue }
}
