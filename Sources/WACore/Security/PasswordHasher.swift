/// Turns a user's password into a storable hash and checks passwords against stored hashes.
///
/// Implementations are synchronous and may be slow on purpose (bcrypt at cost 12 takes a few hundred
/// milliseconds): callers in async contexts should run them off the cooperative pool, e.g. on
/// `NIOThreadPool.singleton`. Production uses ``BcryptPasswordHasher``; tests may use
/// ``InsecureFastPasswordHasher``.
public protocol PasswordHasher: Sendable {
    /// A new salted hash of `password`, in the implementation's self-describing string format.
    ///
    /// - Throws: ``WAError/Code-swift.enum/weakPassword`` when the password cannot be hashed faithfully
    ///   (for bcrypt: empty, longer than 72 UTF-8 bytes, or containing NUL). Strength rules belong to
    ///   ``PasswordPolicy``, which should run first.
    func hash(_ password: String) throws(WAError) -> String

    /// Whether `password` matches `hash`. Returns `false` (never throws) for a malformed or foreign hash and for
    /// a password the hasher would have refused to hash.
    func verify(_ password: String, against hash: String) -> Bool

    /// Whether `hash` was made with weaker parameters than this hasher uses now, so it should be replaced by
    /// `hash(password)` after the next successful ``verify(_:against:)``. The default is `false`.
    func needsRehash(_ hash: String) -> Bool
}

extension PasswordHasher {
    /// Default: hashes never need upgrading.
    public func needsRehash(_ hash: String) -> Bool { false }
}
