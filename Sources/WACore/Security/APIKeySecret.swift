import Crypto

/// A plaintext API key, as generated for a user or presented by a client.
///
/// ## Format
///
/// ```text
/// key         = "wa_" environment "_" lookup-id "_" secret checksum   ; exactly 68 ASCII characters
/// environment = "live" / "test"
/// lookup-id   = 10 BASE62   ; public, random; stored in plaintext and indexed
/// secret      = 43 BASE62   ; 32 random bytes (256 bits) as a big-endian Base62 number, left-padded with "0"
/// checksum    = 6 BASE62    ; CRC-32 (zlib/IEEE) of the ASCII bytes of everything before it
///                           ; ("wa_" … secret, 62 bytes), big-endian Base62, left-padded with "0"
/// BASE62      = "0"-"9" / "A"-"Z" / "a"-"z"   ; digit values 0–9, 10–35, 36–61
/// ```
///
/// Example shape: `wa_live_3hZ9kQ0bX1_<43 characters><6 characters>`.
///
/// - The prefix makes leaked keys recognisable to secret scanners (``scannerPattern``); `_` separators keep the
///   key one "word" so a double click selects all of it.
/// - The lookup id (62¹⁰ ≈ 8·10¹⁷ values) is *not* secret: it is the database lookup prefix. Store it next to
///   the ``digest``, look the key up by it, then compare digests with ``matches(_:)`` (constant time).
/// - The secret carries 256 bits of CSPRNG output (62⁴³ > 2²⁵⁶, so 43 digits always suffice; the parser rejects
///   values ≥ 2²⁵⁶). With that much entropy a fast hash (SHA-256) is the right storage format; bcrypt would only
///   add latency.
/// - The checksum lets clients and scanners reject mistyped or random strings offline. A single-character change
///   is a burst error of at most 8 bits, which CRC-32 always detects, so **every** single-character substitution
///   (and every adjacent transposition) is rejected by ``init(parsing:)``.
///
/// ## Keeping the key secret
///
/// The plaintext is available only through ``reveal()`` (show it to the user once, at creation). `description`,
/// `debugDescription` and the reflection `Mirror` (so `dump`, `print`, string interpolation, debuggers and loggers)
/// show only the prefix and lookup id. The type is deliberately not `Codable`, `Equatable` or `Hashable`.
public struct APIKeySecret: Sendable {
    /// Whether a key acts on live data or on a test/sandbox environment. Live and test objects never mix.
    public enum Environment: String, Sendable, Hashable, CaseIterable {
        /// `wa_live_…`
        case live
        /// `wa_test_…`
        case test
    }

    /// Length of the public key id.
    public static let lookupIDLength = 10
    /// Length of the Base62 secret (32 random bytes).
    public static let secretLength = 43
    /// Length of the Base62 CRC-32 checksum.
    public static let checksumLength = 6
    /// Total length of a key: `"wa_"` (3) + environment (4) + `"_"` + key id (10) + `"_"` + secret (43) + checksum (6).
    public static let length = 68
    /// Number of random bytes in the secret part.
    public static let secretByteCount = 32

    /// A regular expression (ICU / Swift `Regex` / PCRE / RE2 syntax) that matches API keys in text, for secret
    /// scanners (GitHub push protection, gitleaks, log scrubbers): `wa_`, the environment, the 10-character key id,
    /// `_`, then 49 Base62 characters (secret + checksum). A match is only a candidate: confirm it with
    /// ``init(parsing:)``, which checks the checksum.
    public static let scannerPattern = #"\bwa_(?:live|test)_[0-9A-Za-z]{10}_[0-9A-Za-z]{49}\b"#

    /// The environment named in the prefix.
    public let environment: Environment
    /// The public lookup id (10 Base62 characters). Safe to log and to store in plaintext.
    public let lookupID: String
    /// The full plaintext key. Never exposed except through ``reveal()``.
    private let plaintext: String

    private init(environment: Environment, lookupID: String, plaintext: String) {
        self.environment = environment
        self.lookupID = lookupID
        self.plaintext = plaintext
    }

    /// Generates a new key: a random lookup id and 32 random bytes from `random`, plus the checksum.
    ///
    /// Production must pass ``SystemRandomSource``; ``SeededRandomSource`` is for tests only.
    ///
    /// ```swift
    /// let key = APIKeySecret.generate(environment: .live, using: SystemRandomSource())
    /// // APIKey(…, lookupID: key.lookupID, digest: key.digest.bytes, hint: key.lastFour, …)
    /// show(key.reveal())   // exactly once
    /// ```
    public static func generate(environment: Environment, using random: any RandomSource) -> APIKeySecret {
        let lookupID = Base62.randomDigits(count: lookupIDLength, using: random)
        guard let secret = Base62.encode(random.bytes(secretByteCount), width: secretLength) else {
            preconditionFailure("unreachable: 62^43 > 2^256, so 32 bytes always fit in 43 Base62 digits")
        }
        var body = Array("wa_\(environment.rawValue)_".utf8)
        body += lookupID
        body.append(UInt8(ascii: "_"))
        body += secret
        body += checksumDigits(for: body)
        return APIKeySecret(
            environment: environment,
            lookupID: String(decoding: lookupID, as: UTF8.self),
            plaintext: String(decoding: body, as: UTF8.self)
        )
    }

    /// Parses and validates a key presented by a client: prefix, environment, separators, lengths, alphabet, the
    /// secret's range and the checksum.
    ///
    /// The input is not trimmed. Error messages never contain the input.
    ///
    /// - Throws: ``WAError`` with code ``WAError/Code-swift.enum/malformedAPIKey``.
    public init(parsing text: String) throws(WAError) {
        // All checks run on the UTF-8 bytes in place (no copies, no intermediate arrays); failures come back as a
        // value because the closure-taking UTF-8 accessors cannot throw a typed error.
        guard text.utf8.count == Self.length else {
            throw WAError(.malformedAPIKey, "API key must be \(Self.length) characters long")
        }
        let parsed =
            text.utf8.withContiguousStorageIfAvailable(Self.parse)
            ?? Array(text.utf8).withUnsafeBufferPointer(Self.parse)
        switch parsed {
        case .success(let (environment, lookupID)):
            self.init(environment: environment, lookupID: lookupID, plaintext: text)
        case .failure(let error):
            throw error
        }
    }

    /// The checks of ``init(parsing:)`` on the 68 UTF-8 bytes of a key, in the order their errors are reported.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<(Environment, String), WAError> {
        guard bytes.count == length else {
            return .failure(WAError(.malformedAPIKey, "API key must be \(length) characters long"))
        }
        let environment: Environment
        if bytes[0] == UInt8(ascii: "w"), bytes[1] == UInt8(ascii: "a"), bytes[2] == UInt8(ascii: "_"),
            bytes[7] == UInt8(ascii: "_")
        {
            switch (bytes[3], bytes[4], bytes[5], bytes[6]) {
            case (UInt8(ascii: "l"), UInt8(ascii: "i"), UInt8(ascii: "v"), UInt8(ascii: "e")): environment = .live
            case (UInt8(ascii: "t"), UInt8(ascii: "e"), UInt8(ascii: "s"), UInt8(ascii: "t")): environment = .test
            default: return .failure(WAError(.malformedAPIKey, "API key must start with wa_live_ or wa_test_"))
            }
        } else {
            return .failure(WAError(.malformedAPIKey, "API key must start with wa_live_ or wa_test_"))
        }
        let lookupIDRange = 8..<(8 + lookupIDLength)  // 8..<18
        let secretStart = lookupIDRange.upperBound + 1  // 19
        let checksumStart = secretStart + secretLength  // 62
        guard bytes[lookupIDRange.upperBound] == UInt8(ascii: "_") else {
            return .failure(WAError(.malformedAPIKey, "API key has a malformed key id"))
        }
        let lookupID = UnsafeBufferPointer(rebasing: bytes[lookupIDRange])
        guard Base62.isValid(lookupID), Base62.isValid(UnsafeBufferPointer(rebasing: bytes[secretStart...])) else {
            return .failure(WAError(.malformedAPIKey, "API key contains characters outside 0-9, A-Z, a-z"))
        }
        // Six valid digits at a fixed width denote exactly one number, so comparing numbers is the same as
        // comparing the digits with the checksum's encoding.
        let checksum = CRC32.checksum(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[..<checksumStart])))
        let presentedChecksum = Base62.decodeValidUInt64(UnsafeBufferPointer(rebasing: bytes[checksumStart...]))
        guard presentedChecksum == UInt64(checksum) else {
            return .failure(WAError(.malformedAPIKey, "API key checksum does not match; check the key for typos"))
        }
        guard Base62.validDigitsFitIn256Bits(UnsafeBufferPointer(rebasing: bytes[secretStart..<checksumStart])) else {
            return .failure(WAError(.malformedAPIKey, "API key secret is out of range"))
        }
        return .success((environment, String(decoding: lookupID, as: UTF8.self)))
    }

    /// The six checksum digits for the first 62 bytes of a key.
    private static func checksumDigits(for body: some Collection<UInt8>) -> [UInt8] {
        let crc = CRC32.checksum(body)
        let bytes = [UInt8(truncatingIfNeeded: crc >> 24), UInt8(truncatingIfNeeded: crc >> 16),
                     UInt8(truncatingIfNeeded: crc >> 8), UInt8(truncatingIfNeeded: crc)]
        guard let digits = Base62.encode(bytes, width: checksumLength) else {
            preconditionFailure("unreachable: 62^6 > 2^32, so a CRC-32 always fits in six Base62 digits")
        }
        return digits
    }

    /// The full plaintext key. Call it once, to show a newly created key to its owner; never log it.
    public func reveal() -> String { plaintext }

    /// SHA-256 of the full key's UTF-8 bytes: what the database stores (next to ``lookupID``).
    public var digest: APIKeyDigest {
        APIKeyDigest(validatedBytes: Array(plaintextSHA256()))
    }

    /// Whether this key's digest equals `stored`, compared in constant time.
    public func matches(_ stored: APIKeyDigest) -> Bool {
        let computed = plaintextSHA256()
        return computed.withUnsafeBytes { computed in
            stored.bytes.withUnsafeBytes { stored in ConstantTime.equals(computed, stored) }
        }
    }

    /// SHA-256 of the plaintext's UTF-8 bytes, hashed in place.
    private func plaintextSHA256() -> SHA256Digest {
        func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> SHA256Digest {
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            return hasher.finalize()
        }
        return plaintext.utf8.withContiguousStorageIfAvailable(hash)
            ?? Array(plaintext.utf8).withUnsafeBufferPointer(hash)
    }

    /// The last four characters (part of the checksum), for "ends in …abcd" hints in UIs and listings.
    public var lastFour: String { String(plaintext.suffix(4)) }

    /// The key with its secret masked, for listings: `wa_live_<lookupid>_…<last four>`.
    public var maskedKey: String { "\(redactedPrefix)…\(lastFour)" }

    private var redactedPrefix: String { "wa_\(environment.rawValue)_\(lookupID)_" }
}

extension APIKeySecret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Redacted: `APIKeySecret(wa_live_<lookupid>_…)`.
    public var description: String { "APIKeySecret(\(redactedPrefix)…)" }
    /// Redacted, same as ``description``.
    public var debugDescription: String { description }
    /// Shows the environment and key id only; the secret is replaced by `"<redacted>"`.
    public var customMirror: Mirror {
        Mirror(self, children: ["environment": environment, "lookupID": lookupID, "secret": "<redacted>"],
               displayStyle: .struct)
    }
}
