/// Which URLs may receive webhooks: the server-side request forgery (SSRF) rules.
///
/// ``validate(_:field:)`` runs when an endpoint is created or its URL changes, and returns the URL in
/// normalized form (``WebhookURL``). It refuses:
/// - anything but `https://` (and `http://` with ``allowInsecureHTTP``); the `://` is required;
/// - more than ``maximumLength`` bytes, characters outside printable ASCII (surrounding whitespace is trimmed
///   first), a backslash, a fragment (`#`);
/// - credentials (`user:pass@`), an empty host, a port outside 1–65535, percent-encoding in the host;
/// - unless ``allowPrivateTargets``: IP literals that are not global unicast and not in ``allowedNetworks``
///   (``IPAddress/SpecialUse``: loopback `127/8` and `::1`, private `10/8`, `172.16/12`, `192.168/16`,
///   `fc00::/7`, link-local `169.254/16` (cloud metadata `169.254.169.254`) and `fe80::/10`, unspecified
///   `0.0.0.0` and `::`, CGNAT `100.64/10`, multicast, broadcast, documentation and reserved ranges, and IPv6
///   forms embedding any of those, such as `::ffff:127.0.0.1`), in every numeric spelling a URL parser accepts
///   (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`); and internal host names: `localhost` and `*.localhost`,
///   single-label names (`intranet`, `metadata`), and the suffixes in ``internalNameSuffixes`` (`.internal`
///   covers `metadata.google.internal`).
///
/// A host *name* can still resolve to a private address (or be rebound to one later), so the HTTP adapter must
/// check every **resolved** address with ``isForbidden(address:)`` right before connecting, and connect to the
/// address it checked.
///
/// Non-public receivers can be allowed in two ways: ``allowedNetworks`` names the blocks an administrator
/// explicitly allows (`10.20.0.0/16`, a test's `127.0.0.1`), and everything else stays refused; or
/// ``allowPrivateTargets`` turns the address and host-name rules off altogether.
///
/// ```swift
/// // A test's receiver on loopback, and nothing else that is not public:
/// let policy = WebhookURLPolicy(allowInsecureHTTP: true, allowedNetworks: [IPNetwork("127.0.0.1")!])
/// policy.accepts("http://127.0.0.1:8081/hooks")    // true
/// policy.accepts("http://[::1]:8081/hooks")        // false
/// policy.isForbidden(address: "10.0.0.1")           // true
/// ```
public struct WebhookURLPolicy: Sendable, Hashable {
    /// Accept `http://` URLs (local development, receivers behind a TLS-terminating proxy on the same host).
    public var allowInsecureHTTP: Bool
    /// Accept private, loopback and other non-public targets. An explicit opt-in for tests and on-premises
    /// installations whose receivers live on the internal network.
    public var allowPrivateTargets: Bool
    /// The longest URL accepted, in bytes.
    public var maximumLength: Int
    /// Non-public address blocks that are allowed as targets anyway: IP-literal URLs in them pass
    /// ``validate(_:field:)`` and resolved addresses in them pass ``isForbidden(address:)``. Internal host *names*
    /// (`localhost`, `*.internal`, single labels) stay refused: point such URLs at the address, or at a public
    /// name that resolves into the block. Empty by default.
    public var allowedNetworks: [IPNetwork]

    /// Host name suffixes that name internal hosts and are refused unless ``allowPrivateTargets`` is set.
    public static let internalNameSuffixes = [
        ".localhost", ".local", ".localdomain", ".internal", ".intranet", ".lan", ".home", ".corp", ".private",
        ".arpa",
    ]

    /// A policy. The defaults refuse `http` and private targets.
    public init(
        allowInsecureHTTP: Bool = false, allowPrivateTargets: Bool = false, maximumLength: Int = 2048,
        allowedNetworks: [IPNetwork] = []
    ) {
        self.allowInsecureHTTP = allowInsecureHTTP
        self.allowPrivateTargets = allowPrivateTargets
        self.maximumLength = maximumLength
        self.allowedNetworks = allowedNetworks
    }

    /// The production default: public `https` targets only.
    public static let standard = WebhookURLPolicy()

    /// Anything well-formed, `http` and private targets included: tests, the simulator, on-premises setups.
    public static let permissive = WebhookURLPolicy(allowInsecureHTTP: true, allowPrivateTargets: true)

    // MARK: Validation

    /// Validates `text` and returns it normalized, or throws ``WAError/Code-swift.enum/invalidWebhookURL`` (bad
    /// form) or ``WAError/Code-swift.enum/webhookTargetForbidden`` (a non-public target), naming `field`.
    public func validate(_ input: String, field: String = "url") throws(WAError) -> WebhookURL {
        func invalid(_ message: String) -> WAError { WAError(.invalidWebhookURL, message, field: field) }
        // Surrounding spaces and line breaks (a pasted URL) are dropped, as URL parsers do; inner ones are refused.
        let text = Self.trimmingASCIIWhitespace(input)
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw invalid("a webhook URL is required") }
        guard bytes.count <= maximumLength else { throw invalid("a webhook URL is at most \(maximumLength) bytes") }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else {
            throw invalid("a webhook URL may contain only printable ASCII without spaces or backslashes")
        }
        guard !text.contains("#") else { throw invalid("a webhook URL has no fragment (#…)") }

        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw invalid("a webhook URL starts with https://")
        }
        let scheme = text[..<colon].lowercased()
        switch scheme {
        case "https": break
        case "http":
            guard allowInsecureHTTP else { throw invalid("webhook URLs must use https") }
        default:
            throw invalid("webhook URLs must use https")
        }

        let rest = text[text.index(colon, offsetBy: 3)...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var pathAndQuery = String(rest[authorityEnd...])
        if pathAndQuery.isEmpty || pathAndQuery.hasPrefix("?") { pathAndQuery = "/" + pathAndQuery }
        guard !authority.contains("@") else { throw invalid("a webhook URL may not contain credentials") }

        // Split host and port.
        let hostText: Substring
        let portText: Substring?
        var bracketed = false
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("the IPv6 address is not closed") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
            bracketed = true
        } else {
            let colons = authority.filter { $0 == ":" }.count
            guard colons <= 1 else { throw invalid("an IPv6 host must be written in brackets") }
            if let colon = authority.firstIndex(of: ":") {
                hostText = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                hostText = authority
                portText = nil
            }
        }

        var port: Int?
        if let portText {
            guard (1...5).contains(portText.utf8.count), portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = Int(portText), (1...65_535).contains(value)
            else { throw WAError(.invalidWebhookURL, "the port must be a number from 1 to 65535", field: field) }
            port = value == (scheme == "https" ? 443 : 80) ? nil : value
        }

        guard !hostText.isEmpty else { throw invalid("a webhook URL needs a host") }
        guard !hostText.contains("%") else { throw invalid("the host may not be percent-encoded or carry a zone") }

        let host: String
        let address: IPAddress?
        if bracketed {
            guard let value = IPAddress.parseIPv6(hostText) else { throw invalid("the IPv6 address is not valid") }
            address = .v6(value)
            host = address?.description ?? ""
        } else {
            let lowered = hostText.lowercased()
            switch IPAddress.parseIPv4Host(Substring(lowered)) {
            case .address(let value, _):
                address = .v4(value)
                host = address?.description ?? ""
            case .invalid:
                throw invalid("the host is not a valid IPv4 address")
            case .notIPv4:
                address = nil
                host = try Self.validHostName(lowered, field: field)
            }
        }

        if !allowPrivateTargets {
            if let address, let use = address.specialUse, !isExplicitlyAllowed(address) {
                throw WAError(
                    .webhookTargetForbidden,
                    "webhook URLs must point to a public address, not a \(Self.phrase(use)) address", field: field)
            }
            if address == nil, let reason = Self.internalNameReason(host) {
                throw WAError(.webhookTargetForbidden, "webhook URLs must point to a public host, not \(reason)",
                              field: field)
            }
        }
        return WebhookURL(scheme: scheme, host: host, address: address, port: port, pathAndQuery: pathAndQuery)
    }

    /// Whether a URL is acceptable (``validate(_:field:)`` does not throw).
    public func accepts(_ text: String) -> Bool {
        do {
            _ = try validate(text)
            return true
        } catch {
            return false
        }
    }

    // MARK: Resolved addresses

    /// Whether the HTTP adapter must refuse to connect to `address`, a resolved IP address as text (`10.0.0.5`,
    /// `::ffff:127.0.0.1`, `[::1]`): one that is not global unicast and not in ``allowedNetworks``. Text that is
    /// not an IP address is forbidden (fail closed). Always `false` for a well-formed address with
    /// ``allowPrivateTargets``.
    public func isForbidden(address: String) -> Bool {
        guard let parsed = IPAddress(address) else { return true }
        return isForbidden(parsed)
    }

    /// Whether the HTTP adapter must refuse to connect to `address` (see ``isForbidden(address:)``).
    public func isForbidden(_ address: IPAddress) -> Bool {
        !allowPrivateTargets && !address.isGlobal && !isExplicitlyAllowed(address)
    }

    /// Whether `address` is in one of ``allowedNetworks``.
    private func isExplicitlyAllowed(_ address: IPAddress) -> Bool {
        allowedNetworks.contains { $0.contains(address) }
    }

    // MARK: Internals

    private static func trimmingASCIIWhitespace(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }

    /// A host name of LDH labels (underscores tolerated), 1–63 bytes each and 253 in all, a trailing dot removed.
    private static func validHostName(_ name: String, field: String) throws(WAError) -> String {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            !trimmed.isEmpty && trimmed.utf8.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.utf8.allSatisfy { byte in
                        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
                            || byte == 0x5F
                    }
            }
        guard valid else {
            throw WAError(.invalidWebhookURL, "the host is not a valid host name", field: field)
        }
        return trimmed
    }

    /// Why a (normalized) host name is internal, or `nil`.
    private static func internalNameReason(_ host: String) -> String? {
        if host == "localhost" || host.hasSuffix(".localhost") { return "a loopback host name" }
        if !host.contains(".") { return "a single-label (internal) host name" }
        if internalNameSuffixes.contains(where: { host.hasSuffix($0) }) { return "an internal host name" }
        return nil
    }

    private static func phrase(_ use: IPAddress.SpecialUse) -> String {
        switch use {
        case .unspecified: "unspecified"
        case .loopback: "loopback"
        case .privateUse: "private"
        case .linkLocal: "link-local"
        case .sharedAddressSpace: "shared (carrier-grade NAT)"
        case .multicast: "multicast"
        case .broadcast: "broadcast"
        case .documentation: "documentation"
        case .reserved: "reserved"
        }
    }
}
