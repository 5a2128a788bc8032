/// The SHA-256 digest of an ``APIKeySecret``: what storage keeps instead of the key.
///
/// Equality (`==`) is constant time. `description`, `debugDescription` and the `Mirror` are redacted so a digest
/// cannot leak into logs (a leaked digest is not a usable key, but it enables offline confirmation of a guessed or
/// leaked key). Use ``bytes`` or ``hex`` deliberately, to write it to the database.
public struct APIKeyDigest: Sendable, Equatable {
    /// Number of bytes in a digest.
    public static let byteCount = 32

    /// The 32 digest bytes.
    public let bytes: [UInt8]

    init(validatedBytes: [UInt8]) { self.bytes = validatedBytes }

    /// A digest loaded from storage.
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` unless `bytes` has exactly 32 elements.
    public init(bytes: [UInt8]) throws(WAError) {
        guard bytes.count == Self.byteCount else {
            throw WAError(.invalidArgument, "an API key digest has \(Self.byteCount) bytes", field: "digest")
        }
        self.bytes = bytes
    }

    /// A digest loaded from storage as 64 hex characters (either case).
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` for anything else.
    public init(hex: String) throws(WAError) {
        guard let bytes = HexCoding.decode(hex), bytes.count == Self.byteCount else {
            throw WAError(.invalidArgument, "an API key digest is 64 hex characters", field: "digest")
        }
        self.bytes = bytes
    }

    /// The digest as 64 lowercase hex characters, for storage.
    public var hex: String { HexCoding.encode(bytes) }

    /// Constant-time comparison (``ConstantTime/equals(_:_:)``).
    public static func == (lhs: APIKeyDigest, rhs: APIKeyDigest) -> Bool {
        ConstantTime.equals(lhs.bytes, rhs.bytes)
    }
}

extension APIKeyDigest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Redacted: `APIKeyDigest(<redacted>)`.
    public var description: String { "APIKeyDigest(<redacted>)" }
    /// Redacted, same as ``description``.
    public var debugDescription: String { description }
    /// No children: the bytes are not reflected.
    public var customMirror: Mirror { Mirror(self, children: [:], displayStyle: .struct) }
}
