/// The identity of one rate-limit counter: a scope plus up to two 128-bit ids, in a compact hashable value.
///
/// Building a key allocates nothing (no string concatenation), so a key can be made on every request. Keys of
/// different scopes never collide, and the same ids always give the same key in every process, so a shared
/// store (PostgreSQL) can use ``scope`` and the four words as its primary key.
///
/// ```swift
/// let key = RateLimitKey.instanceSends(instance.id)
/// let pair = RateLimitKey.recipient(instance: instance.id, chat: chat.id)
/// let ip = RateLimitKey.ipAddress("203.0.113.7")
/// ```
public struct RateLimitKey: Sendable, Hashable, CustomStringConvertible {
    /// What a key counts. WACore's scopes are below 256; users may define their own from 256 on.
    public struct Scope: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The stable number stored with the key.
        public let rawValue: UInt16
        /// A scope by number (use 256 and up for your own).
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// Outbound sends of one instance (the anti-ban tiers).
        public static let instanceSends = Scope(rawValue: 1)
        /// Outbound sends of one instance to one chat (the per-recipient pair limit).
        public static let recipient = Scope(rawValue: 2)
        /// An organization's outbound messages per UTC day (the plan quota).
        public static let organizationMessages = Scope(rawValue: 3)
        /// HTTP requests from one client address.
        public static let ipAddress = Scope(rawValue: 4)
        /// HTTP requests authenticated with one API key.
        public static let apiKey = Scope(rawValue: 5)
        /// "Is this number on WhatsApp?" lookups through one instance.
        public static let instanceLookups = Scope(rawValue: 6)
        /// Failed sign-ins to one account (organization slug and e-mail address), whether or not it exists.
        public static let signIn = Scope(rawValue: 7)
        /// HTTP requests of one member's sign-in sessions (session tokens).
        public static let member = Scope(rawValue: 8)

        public var description: String {
            switch self {
            case .instanceSends: "instance_sends"
            case .recipient: "recipient"
            case .organizationMessages: "organization_messages"
            case .ipAddress: "ip_address"
            case .apiKey: "api_key"
            case .instanceLookups: "instance_lookups"
            case .signIn: "sign_in"
            case .member: "member"
            default: "scope_\(rawValue)"
            }
        }
    }

    /// What the key counts.
    public let scope: Scope
    /// The primary id (e.g. the instance), high 64 bits.
    public let primaryHigh: UInt64
    /// The primary id, low 64 bits.
    public let primaryLow: UInt64
    /// The secondary id (e.g. the chat), or 0, high 64 bits.
    public let secondaryHigh: UInt64
    /// The secondary id, low 64 bits.
    public let secondaryLow: UInt64

    /// A key from its raw parts (as read back from a database).
    public init(scope: Scope, primaryHigh: UInt64, primaryLow: UInt64, secondaryHigh: UInt64 = 0, secondaryLow: UInt64 = 0)
    {
        self.scope = scope
        self.primaryHigh = primaryHigh
        self.primaryLow = primaryLow
        self.secondaryHigh = secondaryHigh
        self.secondaryLow = secondaryLow
    }

    /// A key of `scope` for an entity id (and optionally a second one).
    public init<A, B>(scope: Scope, _ primary: Identifier<A>, _ secondary: Identifier<B>) {
        self.init(
            scope: scope, primaryHigh: primary.high, primaryLow: primary.low, secondaryHigh: secondary.high,
            secondaryLow: secondary.low)
    }

    /// A key of `scope` for one entity id.
    public init<A>(scope: Scope, _ primary: Identifier<A>) {
        self.init(scope: scope, primaryHigh: primary.high, primaryLow: primary.low)
    }

    /// A key of `scope` for a text (hashed to 128 bits with FNV-1a; the same text gives the same key everywhere).
    public init(scope: Scope, text: String) {
        let digest = Self.digest(text)
        self.init(scope: scope, primaryHigh: digest.high, primaryLow: digest.low)
    }

    /// The anti-ban tiers of one instance.
    public static func instanceSends(_ instance: InstanceID) -> RateLimitKey {
        RateLimitKey(scope: .instanceSends, instance)
    }

    /// The number lookups of one instance.
    public static func instanceLookups(_ instance: InstanceID) -> RateLimitKey {
        RateLimitKey(scope: .instanceLookups, instance)
    }

    /// The pair limit of one instance and one chat.
    public static func recipient(instance: InstanceID, chat: ChatID) -> RateLimitKey {
        RateLimitKey(scope: .recipient, instance, chat)
    }

    /// The pair limit of one instance and one recipient JID (device suffixes are ignored, so all of a user's
    /// devices share the limit). Use this when the chat row may not exist yet.
    public static func recipient(instance: InstanceID, jid: JID) -> RateLimitKey {
        let digest = Self.digest(jid.withoutDevice.description)
        return RateLimitKey(
            scope: .recipient, primaryHigh: instance.high, primaryLow: instance.low, secondaryHigh: digest.high,
            secondaryLow: digest.low)
    }

    /// An organization's daily message quota.
    public static func organizationMessages(_ organization: OrganizationID) -> RateLimitKey {
        RateLimitKey(scope: .organizationMessages, organization)
    }

    /// HTTP requests from one client address, given as text. Normalise it first; for IPv6 pass the /64 prefix
    /// (one subscriber usually holds a whole /64).
    public static func ipAddress(_ address: String) -> RateLimitKey {
        RateLimitKey(scope: .ipAddress, text: address)
    }

    /// HTTP requests from one client address given as 128 bits (IPv4 as an IPv4-mapped IPv6 address).
    public static func ipAddress(high: UInt64, low: UInt64) -> RateLimitKey {
        RateLimitKey(scope: .ipAddress, primaryHigh: high, primaryLow: low, secondaryHigh: 1)
    }

    /// Sign-in attempts to one account: an organization slug and a normalised e-mail address. Keyed by the text
    /// presented, not by a member, so an account that does not exist is counted exactly like one that does.
    public static func signIn(organizationSlug: String, email: String) -> RateLimitKey {
        RateLimitKey(scope: .signIn, text: "\(organizationSlug)\u{0}\(email)")
    }

    /// HTTP requests authenticated with one API key.
    public static func apiKey(_ key: APIKeyID) -> RateLimitKey {
        RateLimitKey(scope: .apiKey, key)
    }

    /// HTTP requests authenticated with one member's session tokens.
    public static func member(_ member: MemberID) -> RateLimitKey {
        RateLimitKey(scope: .member, member)
    }

    public var description: String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return "\(scope):\(hex(primaryHigh))\(hex(primaryLow)):\(hex(secondaryHigh))\(hex(secondaryLow))"
    }

    /// A cheap, well-mixed 64-bit hash used to pick a shard (independent of the process-random `Hasher`).
    var shardHash: UInt64 {
        var x = primaryHigh ^ (primaryLow &* 0x9E37_79B9_7F4A_7C15)
        x ^= (secondaryHigh &* 0xC2B2_AE3D_27D4_EB4F) ^ (secondaryLow &* 0x1656_67B1_9E37_79F9)
        x ^= UInt64(scope.rawValue) &* 0x27D4_EB2F_1656_67C5
        // splitmix64 finaliser
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// FNV-1a, 128-bit, over the UTF-8 bytes of `text`.
    static func digest(_ text: String) -> (high: UInt64, low: UInt64) {
        // offset basis 0x6c62272e07bb014262b821756295c58d, prime 2^88 + 2^8 + 0x3b
        var high: UInt64 = 0x6C62_272E_07BB_0142
        var low: UInt64 = 0x62B8_2175_6295_C58D
        for byte in text.utf8 {
            low ^= UInt64(byte)
            // (high·2^64 + low) × (2^88 + 0x13b) mod 2^128
            let (carry, product) = low.multipliedFullWidth(by: 0x13B)
            let newHigh = high &* 0x13B &+ carry &+ (low << 24)
            high = newHigh
            low = product
        }
        return (high, low)
    }
}
