/// How a contact came to be opted out (``Contact/optOutSource``). Stored by its raw value.
public enum OptOutSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// The contact replied with an opt-out keyword (``OptOutSettings``).
    case keyword
    /// A member or an API key opted them out (``ContactService/setOptedOut(_:_:by:)``).
    case manual
    /// A contact import set `opted_out` (``ContactService/importCSV(_:defaultRegion:skipInvalidRows:maximumRows:by:)``).
    case `import`
}
