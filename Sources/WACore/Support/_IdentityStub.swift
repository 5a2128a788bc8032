// TEMPORARY until Identity lands. DELETE.
public struct JID: Hashable, Sendable, Codable, CustomStringConvertible { public var description: String; public init(_ s: String) { description = s } }
public struct PhoneNumber: Hashable, Sendable, Codable { public var e164: String; public init(_ s: String) { e164 = s } }
