import HummingbirdBcrypt

/// The production ``PasswordHasher``: bcrypt (via `HummingbirdBcrypt`, the OpenBSD implementation) producing
/// `$2b$` hashes.
///
/// ## Input rules (no silent truncation)
/// bcrypt uses at most 72 bytes of its input; `$2b$` implementations silently ignore the rest. This hasher
/// instead **refuses** to hash a password longer than ``maximumPasswordByteCount`` UTF-8 bytes
/// (``WAError/Code-swift.enum/weakPassword``), and ``verify(_:against:)`` returns `false` for such input, so two
/// passwords that share their first 72 bytes are never interchangeable. NUL is refused too: the C implementation
/// reads the password as a C string and would stop at the first NUL (`"abc\0x"` would equal `"abc"`). The empty
/// password is refused.
///
/// ## Accepted hashes
/// ``verify(_:against:)`` accepts well-formed `$2a$`, `$2b$` and `$2y$` hashes with cost 04–31 (60 characters).
/// HummingbirdBcrypt itself only understands `$2a$`/`$2b$`; `$2y$` (PHP / crypt_blowfish) computes the same
/// function for inputs of at most 72 bytes, so it is verified as `$2b$`. `$2x$` (the pre-2011 sign-extension bug
/// variant) is not accepted. Passwords are Swift `String`s, so hashes of non-UTF-8 byte strings (such as the
/// OpenBSD vector `b"\xa3"`) cannot be verified through this API.
///
/// ## HummingbirdBcrypt 2.5.0 behaviour this type guards against (read from its `CBcrypt/bcrypt.c`)
/// - `Bcrypt.hash` traps (`preconditionFailure`) for a cost outside 4...31: ``init(cost:)`` validates first.
/// - `$2b$` caps the key at 72 bytes (`if (key_len > 72) key_len = 72`), i.e. silent truncation; `$2a$` uses
///   `(uint8_t)(strlen(key) + 1)`, which also wraps at 255 bytes. Only the first 72 bytes ever matter.
/// - The password is passed as a C string, so it ends at the first NUL.
/// - Only `$2a$` and `$2b$` are parsed; `$2y$` makes `verify` return `false`.
/// - The final comparison is `memcmp` (`timingsafe_bcmp` is `#define`d to it). It compares bcrypt *outputs*
///   under the stored (unknown to the attacker) salt, so the timing reveals nothing an attacker can steer.
///
/// ## Randomness
/// The 16-byte salt is drawn by HummingbirdBcrypt from the system CSPRNG (`UInt8.random(in:)`); its public API
/// takes no salt, so this is the one place WACore's randomness is not injected through ``RandomSource``.
public struct BcryptPasswordHasher: PasswordHasher {
    /// The default cost (log₂ of the number of rounds): 12, as in pyca/bcrypt's `gensalt()`.
    public static let defaultCost = 12
    /// OWASP's minimum cost for bcrypt; lower costs are for tests only.
    public static let minimumProductionCost = 10
    /// Every cost bcrypt defines.
    public static let validCosts: ClosedRange<Int> = 4...31
    /// bcrypt's input limit in UTF-8 bytes.
    public static let maximumPasswordByteCount = 72

    /// The cost new hashes are made with.
    public let cost: Int

    /// A hasher with the default cost (12).
    public init() { self.cost = Self.defaultCost }

    /// A hasher with the given cost. Use at least ``minimumProductionCost`` in production and 4 in tests.
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` when `cost` is outside 4...31 (where
    ///   HummingbirdBcrypt would trap).
    public init(cost: Int) throws(WAError) {
        guard Self.validCosts.contains(cost) else {
            throw WAError(.invalidArgument, "bcrypt cost must be between 4 and 31", field: "cost")
        }
        self.cost = cost
    }

    /// A new `$2b$` hash of `password` with a fresh random salt.
    ///
    /// - Throws: ``WAError/Code-swift.enum/weakPassword`` for an empty password, one longer than 72 UTF-8 bytes
    ///   or one containing NUL; ``WAError/Code-swift.enum/internalError`` if the library returns something
    ///   that is not a bcrypt hash.
    public func hash(_ password: String) throws(WAError) -> String {
        if let problem = Self.inputProblem(password) {
            throw WAError(.weakPassword, problem, field: "password")
        }
        let hash = Bcrypt.hash(password, cost: UInt8(cost))
        guard let parsed = BcryptHashFormat(hash), parsed.variant == "b", parsed.cost == cost else {
            throw WAError(.internalError, "password hashing failed")
        }
        return hash
    }

    /// Whether `password` matches the `$2a$`/`$2b$`/`$2y$` `hash`.
    ///
    /// `false` for a malformed hash and for a password ``hash(_:)`` would refuse (empty, over 72 bytes, NUL).
    public func verify(_ password: String, against hash: String) -> Bool {
        guard Self.inputProblem(password) == nil, let parsed = BcryptHashFormat(hash) else { return false }
        return Bcrypt.verify(password, hash: parsed.variant == "y" ? parsed.asVariantB : hash)
    }

    /// `true` when `hash` is not a well-formed bcrypt hash, is not `$2b$`, or has a cost below ``cost``.
    public func needsRehash(_ hash: String) -> Bool {
        guard let parsed = BcryptHashFormat(hash) else { return true }
        return parsed.variant != "b" || parsed.cost < cost
    }

    /// Why `password` cannot be hashed faithfully, or `nil`.
    private static func inputProblem(_ password: String) -> String? {
        let bytes = password.utf8
        if bytes.isEmpty { return "Password must not be empty" }
        if bytes.count > maximumPasswordByteCount {
            return "Password must be at most \(maximumPasswordByteCount) bytes long when UTF-8 encoded"
        }
        if bytes.contains(0) { return "Password must not contain NUL characters" }
        return nil
    }
}

/// The modular-crypt form of a bcrypt hash: `$2<a|b|y>$<cost 04-31>$<22 salt + 31 hash characters>`.
struct BcryptHashFormat {
    /// `a`, `b` or `y`.
    let variant: Character
    /// log₂ rounds.
    let cost: Int
    /// The hash text.
    let text: String

    private static let base64Alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[4]),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[5]),
              bytes[7...].allSatisfy(Self.base64Alphabet.contains)
        else { return nil }
        let cost = Int(bytes[4] - UInt8(ascii: "0")) * 10 + Int(bytes[5] - UInt8(ascii: "0"))
        guard BcryptPasswordHasher.validCosts.contains(cost) else { return nil }
        self.variant = Character(Unicode.Scalar(bytes[2]))
        self.cost = cost
        self.text = text
    }

    /// The same hash labelled `$2b$` (identical function for inputs of at most 72 bytes).
    var asVariantB: String { "$2b" + text.dropFirst(3) }
}
