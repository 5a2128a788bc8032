public import Foundation

/// The identifier of a webhook event: `evt_` followed by the 26-character Crockford base32 (ULID alphabet) text of
/// a UUIDv7, e.g. `evt_01KDX3Q8N0G6M4YHV2W9Z7C5RB`.
///
/// It is sent as the `webhook-id` header and the envelope's `id`, is the same for every attempt and every endpoint
/// an event goes to (receivers deduplicate on it), sorts by creation time like a ULID, and contains no `.` (the
/// Standard Webhooks signed content is `id.timestamp.payload`).
public struct WebhookEventID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    LosslessStringConvertible
{
    /// The text prefix.
    public static let prefix = "evt_"

    /// The underlying time-ordered identifier.
    public let identifier: Identifier<WebhookEvent>

    /// Wraps an identifier.
    public init(_ identifier: Identifier<WebhookEvent>) {
        self.identifier = identifier
    }

    /// A new identifier from the process's shared generator (time-ordered, strictly increasing).
    public init(using generator: IdentifierGenerator) {
        self.identifier = generator.make(WebhookEvent.self)
    }

    /// Parses `evt_` + 26 Crockford base32 characters (either case); `nil` for anything else.
    public init?(_ description: String) {
        let bytes = Array(description.utf8)
        guard bytes.count == 30, description.hasPrefix(Self.prefix) else { return nil }
        var value: UInt128 = 0
        for (index, byte) in bytes[4...].enumerated() {
            guard let digit = Self.decodeDigit(byte) else { return nil }
            // The first character carries only 3 bits (26 × 5 = 130 > 128).
            if index == 0, digit > 7 { return nil }
            value = value << 5 | UInt128(digit)
        }
        identifier = Identifier(high: UInt64(truncatingIfNeeded: value >> 64), low: UInt64(truncatingIfNeeded: value))
    }

    /// When the identifier was made (millisecond precision).
    public var timestamp: Date { identifier.timestamp }

    public var description: String {
        var value = UInt128(identifier.high) << 64 | UInt128(identifier.low)
        var digits = [UInt8](repeating: 0, count: 26)
        for index in stride(from: 25, through: 0, by: -1) {
            digits[index] = Self.alphabet[Int(value & 0x1F)]
            value >>= 5
        }
        return Self.prefix + String(decoding: digits, as: UTF8.self)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.identifier < rhs.identifier }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = WebhookEventID(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "invalid webhook event id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    private static func decodeDigit(_ byte: UInt8) -> UInt8? {
        let upper = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
        guard let index = alphabet.firstIndex(of: upper) else { return nil }
        return UInt8(index)
    }
}
