import Crypto

/// The AES-256 keys a ``SecretBox`` seals and opens with: one current key plus retired keys that are still
/// accepted for opening.
///
/// Rotation: `keyring.rotated(to: newKey)` makes `newKey` current and retires the old current key, so values
/// sealed before the rotation still open; ``SecretBox/reseal(_:context:)`` moves them to the new key (lazily on
/// read, or in a background job), after which ``removingRetiredKey(id:)`` drops the old key.
///
/// Key material never appears in `description`, `debugDescription` or the `Mirror`. Load keys from a KMS,
/// vault or environment secret in the adapter layer; WACore never reads them itself.
public struct SecretKeyring: Sendable {
    /// One 256-bit AES key and the id written into every envelope it seals.
    public struct Key: Sendable {
        /// Number of bytes in a key.
        public static let byteCount = 32

        /// The key id (stored big-endian in the envelope header and bound into the associated data).
        public let id: UInt32
        let material: SymmetricKey

        /// A key from 32 bytes of secret material (generate them with a CSPRNG, e.g. `openssl rand 32`).
        ///
        /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` unless `bytes` has exactly 32 elements.
        public init(id: UInt32, bytes: [UInt8]) throws(WAError) {
            guard bytes.count == Self.byteCount else {
                throw WAError(.invalidArgument, "an AES-256 key has exactly 32 bytes", field: "key")
            }
            self.id = id
            self.material = SymmetricKey(data: bytes)
        }

        /// A new random key with the given id. Production must pass ``SystemRandomSource``.
        public static func generate(id: UInt32, using random: any RandomSource) -> Key {
            Key(id: id, material: SymmetricKey(data: random.bytes(byteCount)))
        }

        private init(id: UInt32, material: SymmetricKey) {
            self.id = id
            self.material = material
        }

        /// Whether both keys have the same id and the same material (material compared in constant time).
        func isSame(as other: Key) -> Bool {
            id == other.id && ConstantTime.equals(
                material.withUnsafeBytes { Array($0) }, other.material.withUnsafeBytes { Array($0) })
        }
    }

    /// The key new values are sealed with.
    public let current: Key
    /// Older keys, accepted only for opening, in the order given.
    public let retired: [Key]

    /// A keyring.
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` when two keys share an id.
    public init(current: Key, retired: [Key] = []) throws(WAError) {
        var ids: Set<UInt32> = [current.id]
        for key in retired where !ids.insert(key.id).inserted {
            throw WAError(.invalidArgument, "key id \(key.id) appears twice in the keyring", field: "keyring")
        }
        self.current = current
        self.retired = retired
    }

    /// The ids of all keys, current first.
    public var keyIDs: [UInt32] { [current.id] + retired.map(\.id) }

    /// The key with `id`, current or retired.
    public func key(id: UInt32) -> Key? {
        if current.id == id { return current }
        return retired.first { $0.id == id }
    }

    /// A keyring whose current key is `newCurrent` and whose retired keys are the old current key followed by the
    /// old retired keys.
    ///
    /// Promoting a retired key back to current (a rollback) is allowed when its material is identical; it is then
    /// removed from the retired list.
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` when `newCurrent.id` is already in use by different
    ///   material, or is the current key's id.
    public func rotated(to newCurrent: Key) throws(WAError) -> SecretKeyring {
        guard newCurrent.id != current.id else {
            throw WAError(.invalidArgument, "key \(newCurrent.id) is already the current key", field: "key")
        }
        var remaining = retired
        if let index = remaining.firstIndex(where: { $0.id == newCurrent.id }) {
            guard remaining[index].isSame(as: newCurrent) else {
                throw WAError(.invalidArgument, "key id \(newCurrent.id) is already used by another key", field: "key")
            }
            remaining.remove(at: index)
        }
        return try SecretKeyring(current: newCurrent, retired: [current] + remaining)
    }

    /// The keyring without the retired key `id` (unchanged when there is no such retired key). The current key
    /// cannot be removed this way.
    public func removingRetiredKey(id: UInt32) -> SecretKeyring {
        SecretKeyring(unchecked: current, retired: retired.filter { $0.id != id })
    }

    private init(unchecked current: Key, retired: [Key]) {
        self.current = current
        self.retired = retired
    }
}

extension SecretKeyring: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Key ids only: `SecretKeyring(current: 2, retired: [1])`.
    public var description: String { "SecretKeyring(current: \(current.id), retired: \(retired.map(\.id)))" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// Key ids only.
    public var customMirror: Mirror {
        Mirror(self, children: ["current": current.id, "retired": retired.map(\.id)], displayStyle: .struct)
    }
}

extension SecretKeyring.Key: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The id only: `SecretKeyring.Key(id: 7, <redacted>)`.
    public var description: String { "SecretKeyring.Key(id: \(id), <redacted>)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// The id only.
    public var customMirror: Mirror { Mirror(self, children: ["id": id], displayStyle: .struct) }
}
