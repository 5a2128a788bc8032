/// A block of IP addresses in CIDR notation: `10.20.0.0/16`, `fd00:1::/64`, or one address (`127.0.0.1` is
/// `127.0.0.1/32`, `::1` is `::1/128`).
///
/// ``WebhookURLPolicy/allowedNetworks`` lists such blocks: the non-public receivers an administrator explicitly
/// allows (an on-premises installation's internal hosts, a test's loopback receiver).
///
/// ```swift
/// let network = IPNetwork("10.20.0.0/16")!
/// network.contains(IPAddress("10.20.3.4")!)          // true
/// network.contains(IPAddress("::ffff:10.20.3.4")!)   // true: judged by the embedded IPv4 address
/// IPNetwork("10.20.3.4/16")                          // nil: host bits are set (a typo, most likely)
/// ```
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the block (its host bits are zero).
    public let address: IPAddress
    /// How many leading bits are fixed: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int

    /// The block starting at `address` with `prefixLength` fixed bits; `nil` when the length is out of range for
    /// the address's family or `address` has host bits set.
    public init?(address: IPAddress, prefixLength: Int) {
        switch address {
        case .v4(let value):
            guard (0...32).contains(prefixLength), value & ~Self.mask32(prefixLength) == 0 else { return nil }
        case .v6(let value):
            guard (0...128).contains(prefixLength), value & ~Self.mask128(prefixLength) == 0 else { return nil }
        }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `address/length` or a single address (any form ``IPAddress/init(_:)`` accepts, such as `[::1]`);
    /// the length is decimal without leading zeros. `nil` for anything else, including an address with host bits
    /// set (`10.0.0.1/8`).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let address = IPAddress(String(first)) else { return nil }
        let length: Int
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...3).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                digits == "0" || !digits.hasPrefix("0"), let value = Int(digits)
            else { return nil }
            length = value
        } else {
            if case .v4 = address { length = 32 } else { length = 128 }
        }
        self.init(address: address, prefixLength: length)
    }

    /// Whether `candidate` is in the block. An IPv6 address that embeds an IPv4 address
    /// (``IPAddress/embeddedIPv4``: IPv4-mapped, NAT64, 6to4) is also in an IPv4 block that holds the embedded
    /// address, as ``IPAddress/specialUse`` judges it by that address.
    public func contains(_ candidate: IPAddress) -> Bool {
        switch (address, candidate) {
        case (.v4(let base), .v4(let value)):
            return value & Self.mask32(prefixLength) == base
        case (.v6(let base), .v6(let value)):
            return value & Self.mask128(prefixLength) == base
        case (.v4, .v6):
            guard let embedded = candidate.embeddedIPv4 else { return false }
            return contains(embedded)
        case (.v6, .v4):
            return false
        }
    }

    /// `address/length`, the address in canonical form (``IPAddress/description``).
    public var description: String { "\(address)/\(prefixLength)" }

    private static func mask32(_ length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << (32 - length)
    }

    private static func mask128(_ length: Int) -> UInt128 {
        length == 0 ? 0 : UInt128.max << (128 - length)
    }
}
