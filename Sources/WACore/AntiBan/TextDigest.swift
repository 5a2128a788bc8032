/// A 64-bit digest of message text after normalisation, used to spot the same text sent to many recipients
/// without keeping the text itself.
///
/// Normalisation trims, lower-cases and collapses every run of whitespace to one space, so `"Hello   World "`
/// and `"hello world"` have the same digest.
public struct TextDigest: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 64-bit FNV-1a digest.
    public let value: UInt64

    /// A digest from its stored value.
    public init(value: UInt64) { self.value = value }

    /// The digest of `text` after ``normalize(_:)`` (FNV-1a 64 over its UTF-8).
    public init(_ text: String) {
        value = DeterministicStream.fnv1a(TextDigest.normalize(text).utf8)
    }

    /// Trims, lower-cases and collapses whitespace runs to one space.
    public static func normalize(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The digest of an opaque identifier such as a recipient JID (not normalised).
    static func identifier(_ text: String) -> UInt64 {
        DeterministicStream.fnv1a(text.utf8)
    }

    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
