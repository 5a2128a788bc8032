/// An IPv4 or IPv6 address, with the classification the webhook SSRF rules need.
///
/// ```swift
/// IPAddress("127.0.0.1")?.specialUse          // .loopback
/// IPAddress("0x7f.1")?.specialUse             // .loopback (WHATWG numeric forms are understood)
/// IPAddress("[::ffff:10.0.0.1]")?.specialUse  // .privateUse (IPv4-mapped IPv6 is judged by its IPv4 part)
/// IPAddress("93.184.215.14")?.isGlobal        // true
/// ```
///
/// Parsing accepts what a URL host or a resolver can produce: IPv4 in every form the WHATWG URL standard accepts
/// (dotted decimal, `127.1`, `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`), and IPv6 text (optionally in
/// brackets, with an embedded dotted IPv4 tail). Zone identifiers (`fe80::1%eth0`) are refused.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// An IPv4 address, most significant byte first (`127.0.0.1` is `0x7F00_0001`).
    case v4(UInt32)
    /// An IPv6 address, most significant bit first.
    case v6(UInt128)

    /// Why an address is not a public unicast address, as far as webhook targets are concerned.
    public enum SpecialUse: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// `0.0.0.0/8`, `::`: on most systems a connection to these reaches the local host.
        case unspecified
        /// `127.0.0.0/8`, `::1`.
        case loopback
        /// `10/8`, `172.16/12`, `192.168/16`, `fc00::/7`, `fec0::/10`, `64:ff9b:1::/48`.
        case privateUse = "private"
        /// `169.254/16` (including the cloud metadata address `169.254.169.254`), `fe80::/10`.
        case linkLocal = "link_local"
        /// `100.64/10`, carrier-grade NAT (RFC 6598).
        case sharedAddressSpace = "shared_address_space"
        /// `224/4`, `ff00::/8`.
        case multicast
        /// `255.255.255.255`.
        case broadcast
        /// Documentation and benchmarking ranges (`192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `198.18/15`,
        /// `2001:db8::/32`, `3fff::/20`).
        case documentation
        /// Everything else that is not global unicast: `240/4`, `192.0.0/24`, `192.88.99/24`, IPv4-compatible
        /// IPv6 (`::/96`), `100::/64`, `2001::/23`, and IPv6 outside `2000::/3`.
        case reserved

        public var description: String { rawValue }
    }

    // MARK: Parsing

    /// Parses an IP address in any form a URL host may use (see the type's documentation); `nil` for anything
    /// else, including host names.
    public init?(_ text: String) {
        if text.hasPrefix("[") {
            guard text.hasSuffix("]"), text.count >= 2 else { return nil }
            guard let value = Self.parseIPv6(text.dropFirst().dropLast()) else { return nil }
            self = .v6(value)
        } else if text.contains(":") {
            guard let value = Self.parseIPv6(Substring(text)) else { return nil }
            self = .v6(value)
        } else {
            guard case .address(let value, _) = Self.parseIPv4Host(Substring(text)) else { return nil }
            self = .v4(value)
        }
    }

    /// An address from its network-order bytes: 4 for IPv4, 16 for IPv6; `nil` for any other count (what a
    /// resolver hands back in a `sockaddr`).
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        case 16: self = .v6(bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
        default: return nil
        }
    }

    /// The address's bytes in network order (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value): (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let value): (0..<16).map { UInt8(truncatingIfNeeded: value >> (120 - 8 * $0)) }
        }
    }

    /// The canonical text: dotted decimal for IPv4; RFC 5952 for IPv6 (lowercase hex, no leading zeros, the
    /// longest run of two or more zero groups compressed to `::`), without brackets.
    public var description: String {
        switch self {
        case .v4(let value):
            return (0..<4).map { String(UInt8(truncatingIfNeeded: value >> (24 - 8 * $0))) }.joined(separator: ".")
        case .v6(let value):
            let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> (112 - 16 * $0)) }
            var bestStart = -1
            var bestLength = 0
            var index = 0
            while index < 8 {
                guard groups[index] == 0 else {
                    index += 1
                    continue
                }
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > bestLength, end - index >= 2 {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            }
            func hex(_ range: Range<Int>) -> String {
                range.map { String(groups[$0], radix: 16) }.joined(separator: ":")
            }
            guard bestStart >= 0 else { return hex(0..<8) }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
        }
    }

    // MARK: Classification

    /// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`), NAT64 well-known prefix
    /// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`). `nil` for IPv4 addresses and other IPv6 addresses.
    public var embeddedIPv4: IPAddress? {
        guard case .v6(let value) = self else { return nil }
        if value >> 32 == 0xFFFF { return .v4(UInt32(truncatingIfNeeded: value)) }
        if value >> 32 == UInt128(0x0064_FF9B) << 64 { return .v4(UInt32(truncatingIfNeeded: value)) }
        if value >> 112 == 0x2002 { return .v4(UInt32(truncatingIfNeeded: value >> 80)) }
        return nil
    }

    /// Why the address is not global unicast, or `nil` when it is. IPv6 addresses that embed an IPv4 address
    /// (``embeddedIPv4``) are judged by that address.
    public var specialUse: SpecialUse? {
        switch self {
        case .v4(let value): Self.classify(v4: value)
        case .v6(let value):
            if let embedded = embeddedIPv4 { embedded.specialUse } else { Self.classify(v6: value) }
        }
    }

    /// Whether the address is global unicast (``specialUse`` is `nil`).
    public var isGlobal: Bool { specialUse == nil }

    private static func classify(v4 a: UInt32) -> SpecialUse? {
        func within(_ base: UInt32, _ bits: Int) -> Bool { a >> (32 - bits) == base >> (32 - bits) }
        if a == 0xFFFF_FFFF { return .broadcast }
        if within(0x0000_0000, 8) { return .unspecified }
        if within(0x7F00_0000, 8) { return .loopback }
        if within(0x0A00_0000, 8) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) { return .privateUse }
        if within(0xA9FE_0000, 16) { return .linkLocal }
        if within(0x6440_0000, 10) { return .sharedAddressSpace }
        if within(0xE000_0000, 4) { return .multicast }
        if within(0xC000_0200, 24) || within(0xC633_6400, 24) || within(0xCB00_7100, 24) || within(0xC612_0000, 15) {
            return .documentation
        }
        if within(0xF000_0000, 4) || within(0xC000_0000, 24) || within(0xC058_6300, 24) { return .reserved }
        return nil
    }

    private static func classify(v6 a: UInt128) -> SpecialUse? {
        func within(_ high: UInt64, _ bits: Int) -> Bool {
            a >> (128 - bits) == (UInt128(high) << 64) >> (128 - bits)
        }
        if a == 0 { return .unspecified }
        if a == 1 { return .loopback }
        if a >> 32 == 0 { return .reserved }  // IPv4-compatible (deprecated)
        if within(0xFF00_0000_0000_0000, 8) { return .multicast }
        if within(0xFE80_0000_0000_0000, 10) { return .linkLocal }
        if within(0xFC00_0000_0000_0000, 7) || within(0xFEC0_0000_0000_0000, 10)
            || within(0x0064_FF9B_0001_0000, 48)
        {
            return .privateUse
        }
        if within(0x2001_0DB8_0000_0000, 32) || within(0x3FFF_0000_0000_0000, 20) { return .documentation }
        if within(0x0100_0000_0000_0000, 64) || within(0x2001_0000_0000_0000, 23) { return .reserved }
        if !within(0x2000_0000_0000_0000, 3) { return .reserved }
        return nil
    }

    // MARK: WHATWG host parsing

    /// What a URL host is, numerically.
    enum IPv4HostParse: Equatable {
        /// The host does not end in a number: it is a domain name.
        case notIPv4
        /// The host ends in a number but is not a valid IPv4 address (a URL with it is invalid).
        case invalid
        /// An IPv4 address; `canonical` when the text was plain dotted decimal with four parts.
        case address(UInt32, canonical: Bool)
    }

    /// The WHATWG URL "ends in a number" check followed by its IPv4 parser: `127.1`, `2130706433`, `0177.0.0.1`,
    /// `0x7f.1` and a trailing dot (`127.0.0.1.`) are all 127.0.0.1.
    static func parseIPv4Host(_ host: Substring) -> IPv4HostParse {
        var parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }
        guard let last = parts.last, !last.isEmpty else { return .notIPv4 }
        let endsInNumber = last.utf8.allSatisfy(isDigit) || parseIPv4Number(last) != nil
        guard endsInNumber else { return .notIPv4 }
        guard parts.count <= 4 else { return .invalid }
        var numbers: [UInt64] = []
        for part in parts {
            guard let number = parseIPv4Number(part) else { return .invalid }
            numbers.append(number)
        }
        for number in numbers.dropLast() where number > 255 { return .invalid }
        let lastNumber = numbers[numbers.count - 1]
        guard lastNumber < UInt64(1) << (8 * (5 - numbers.count)) else { return .invalid }
        var value = UInt64(lastNumber)
        for (index, number) in numbers.dropLast().enumerated() { value += number << (8 * (3 - index)) }
        let address = UInt32(truncatingIfNeeded: value)
        return .address(address, canonical: host == Substring(IPAddress.v4(address).description))
    }

    /// One WHATWG IPv4 part: `0x…` hex (empty after the prefix is 0), `0…` octal, else decimal; `nil` if invalid
    /// or absurdly long.
    private static func parseIPv4Number(_ part: Substring) -> UInt64? {
        guard !part.isEmpty, part.utf8.count <= 40 else { return nil }
        var digits = part
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
        } else if digits.count > 1, digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        }
        if digits.isEmpty { return 0 }
        let valid: (UInt8) -> Bool =
            switch radix {
            case 16: isHexDigit
            case 8: { $0 >= 0x30 && $0 <= 0x37 }
            default: isDigit
            }
        guard digits.utf8.allSatisfy(valid) else { return nil }
        // Leading zeros cannot overflow; strip them so a long run of zeros is still a small number.
        let significant = digits.drop { $0 == "0" }
        if significant.isEmpty { return 0 }
        guard significant.utf8.count <= 16 else { return nil }
        return UInt64(significant, radix: radix)
    }

    /// Strict IPv6 text: 1–4 hex digits per group, at most one `::`, an optional dotted-decimal IPv4 tail (four
    /// parts, no leading zeros). No zone identifier.
    static func parseIPv6(_ text: Substring) -> UInt128? {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        var rest = text
        if rest.hasPrefix("::") {
            sawDoubleColon = true
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix(":") {
            return nil
        }
        while !rest.isEmpty {
            let end = rest.firstIndex(of: ":") ?? rest.endIndex
            let piece = rest[rest.startIndex..<end]
            if piece.contains(".") {
                // Embedded IPv4 must be the last piece.
                guard end == rest.endIndex, let v4 = parseStrictDottedIPv4(piece) else { return nil }
                let groups = [UInt16(truncatingIfNeeded: v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                if sawDoubleColon { tail += groups } else { head += groups }
                rest = rest[end...]
                break
            }
            guard (1...4).contains(piece.utf8.count), piece.utf8.allSatisfy(isHexDigit),
                let group = UInt16(piece, radix: 16)
            else { return nil }
            if sawDoubleColon { tail.append(group) } else { head.append(group) }
            rest = rest[end...]
            if rest.hasPrefix("::") {
                guard !sawDoubleColon else { return nil }
                sawDoubleColon = true
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix(":") {
                rest = rest.dropFirst()
                guard !rest.isEmpty else { return nil }
            }
        }
        let count = head.count + tail.count
        if sawDoubleColon {
            guard count <= 7 else { return nil }
        } else {
            guard count == 8 else { return nil }
        }
        let groups = head + [UInt16](repeating: 0, count: 8 - count) + tail
        return groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    private static func parseStrictDottedIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy(isDigit),
                part.count == 1 || !part.hasPrefix("0"), let byte = UInt8(part)
            else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }
}
