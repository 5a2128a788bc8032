/// One column of an export: a header name and how to read the cell from a row.
///
/// ```swift
/// let columns: [ExportColumn<Message>] = [
///     ExportColumn("id") { .text($0.id.description) },
///     ExportColumn("status") { .text($0.status.rawValue) },
/// ]
/// ```
/// ``ExportColumn/messageColumns`` and ``ExportColumn/contactColumns`` are ready-made sets.
public struct ExportColumn<Row>: Sendable {
    /// The header (CSV) or key (JSON Lines).
    public var name: String
    /// The cell of `row`.
    public var value: @Sendable (Row) -> ExportValue

    /// A column named `name` whose cells `value` reads.
    public init(_ name: String, value: @escaping @Sendable (Row) -> ExportValue) {
        self.name = name
        self.value = value
    }
}
