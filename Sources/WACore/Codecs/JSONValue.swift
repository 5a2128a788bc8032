public import Foundation

/// A JSON value whose objects keep their keys in insertion order, so that encoding it is byte-stable.
///
/// Webhook payloads are built from `JSONValue` and written by ``CanonicalJSON``: what is signed is exactly what is
/// sent, and the same value always produces the same bytes (no reliance on `JSONEncoder` or dictionary ordering).
///
/// ```swift
/// let data: JSONValue = ["message_id": "3EB0…", "status": "read", "attempt": 2, "tags": ["a", "b"], "note": nil]
/// ```
///
/// Equality is structural and order-sensitive for objects (two objects with the same members in a different order
/// encode differently, so they are different values).
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer, written in decimal without a fraction or exponent.
    case integer(Int64)
    /// A floating-point number; see ``CanonicalJSON`` for how it is written. Non-finite values are written as
    /// `null`.
    case number(Double)
    /// A string (any Unicode; see ``CanonicalJSON`` for escaping).
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, members in insertion order.
    case object(JSONObject)

    /// A timestamp as the string ``RFC3339Timestamp`` produces (`2026-01-01T00:00:00.000Z`).
    public static func timestamp(_ date: Date) -> JSONValue {
        .string(RFC3339Timestamp.string(from: date))
    }

    /// An identifier as its canonical lowercase UUID string.
    public static func identifier<Entity>(_ id: Identifier<Entity>) -> JSONValue {
        .string(id.description)
    }

    /// `value` as JSON, or `null` when it is nil.
    public static func optional(_ value: JSONValue?) -> JSONValue { value ?? .null }

    /// The canonical UTF-8 encoding (``CanonicalJSON/encode(_:)``).
    public var canonicalBytes: [UInt8] { CanonicalJSON.encode(self) }

    /// The canonical encoding as a string.
    public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// The member named `key` when this is an object, else nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object with the members in source order (a repeated key keeps its first position and its last value).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}
