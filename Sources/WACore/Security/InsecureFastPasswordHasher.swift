import Crypto

/// A fast, **insecure** ``PasswordHasher`` for tests only: one salted SHA-256, no work factor.
///
/// Stored hashes look like `$insecure-sha256$<32 hex salt>$<64 hex digest>` so they are recognisable and are
/// rejected by ``BcryptPasswordHasher``. A GPU tries billions of SHA-256 guesses per second: never configure this
/// hasher in production. It exists so test suites that create many users do not spend seconds in bcrypt.
/// It applies the same input rules as ``BcryptPasswordHasher`` (not empty, ≤ 72 UTF-8 bytes, no NUL) so tests
/// behave like production.
public struct InsecureFastPasswordHasher: PasswordHasher {
    /// The hash prefix.
    public static let prefix = "$insecure-sha256$"

    private let random: any RandomSource

    /// A test hasher drawing 16-byte salts from `random` (a ``SeededRandomSource`` makes hashes reproducible).
    public init(random: any RandomSource) {
        self.random = random
    }

    /// A salted SHA-256 hash of `password`.
    ///
    /// - Throws: ``WAError/Code-swift.enum/weakPassword`` for the same inputs ``BcryptPasswordHasher`` refuses.
    public func hash(_ password: String) throws(WAError) -> String {
        let utf8 = password.utf8
        guard !utf8.isEmpty, utf8.count <= BcryptPasswordHasher.maximumPasswordByteCount, !utf8.contains(0) else {
            throw WAError(.weakPassword, "Password must be 1 to 72 UTF-8 bytes without NUL", field: "password")
        }
        let salt = random.bytes(16)
        return Self.prefix + HexCoding.encode(salt) + "$" + HexCoding.encode(Self.digest(salt: salt, password))
    }

    /// Whether `password` matches `hash` (constant-time digest comparison).
    public func verify(_ password: String, against hash: String) -> Bool {
        guard hash.hasPrefix(Self.prefix) else { return false }
        let parts = hash.dropFirst(Self.prefix.count).split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 2, let salt = HexCoding.decode(String(parts[0])), salt.count == 16,
              let expected = HexCoding.decode(String(parts[1])), expected.count == 32
        else { return false }
        let utf8 = password.utf8
        guard !utf8.isEmpty, utf8.count <= BcryptPasswordHasher.maximumPasswordByteCount, !utf8.contains(0) else {
            return false
        }
        return ConstantTime.equals(Self.digest(salt: salt, password), expected)
    }

    private static func digest(salt: [UInt8], _ password: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(password.utf8))
        return Array(hasher.finalize())
    }
}
