/// A webhook target URL that passed ``WebhookURLPolicy``, in normalized form.
///
/// Normalization makes the stored text unambiguous for every HTTP client: the scheme and host are lowercase, an
/// IPv4 host in any numeric form is written as dotted decimal, an IPv6 host in RFC 5952 form inside brackets, a
/// host name loses a trailing dot, the default port is dropped, and an empty path becomes `/`. The path and query
/// are kept byte for byte.
public struct WebhookURL: Sendable, Hashable, CustomStringConvertible {
    /// `https`, or `http` when the policy allows it.
    public let scheme: String
    /// The host: a lowercase name, dotted-decimal IPv4, or IPv6 text without brackets.
    public let host: String
    /// The host's address when the host is an IP literal.
    public let address: IPAddress?
    /// The explicit port, when it is not the scheme's default.
    public let port: Int?
    /// The path and query, starting with `/`.
    public let pathAndQuery: String

    init(scheme: String, host: String, address: IPAddress?, port: Int?, pathAndQuery: String) {
        self.scheme = scheme
        self.host = host
        self.address = address
        self.port = port
        self.pathAndQuery = pathAndQuery
    }

    /// The port the request goes to (443 for `https`, 80 for `http` unless given).
    public var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// Whether the URL uses TLS.
    public var isSecure: Bool { scheme == "https" }

    /// The normalized URL text (what is stored in ``WebhookEndpoint/url``). It keeps the query: for descriptions
    /// and logs use ``redacted(_:)``.
    public var description: String {
        var text = scheme + "://"
        if case .v6 = address { text += "[" + host + "]" } else { text += host }
        if let port { text += ":" + String(port) }
        return text + pathAndQuery
    }
}

extension WebhookURL {
    /// `url` as descriptions and logs show it: without user-info (`user:pass@`), and with any query or fragment
    /// replaced by `?…`, since either may carry a token (`?token=…`). Scheme, host, port and path stay, so the
    /// target is still recognisable. Works on any text, whether it passed ``WebhookURLPolicy`` or not.
    public static func redacted(_ url: String) -> String {
        var rest = Substring(url)
        var scheme = ""
        if let separator = rest.firstRange(of: "://") {
            scheme = String(rest[..<separator.upperBound])
            rest = rest[separator.upperBound...]
        }
        // The authority ends at the first `/`, `?` or `#`; user-info ends at its last `@`.
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var path = rest[authorityEnd...]
        var cut = false
        if let mark = path.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            path = path[..<mark]
            cut = true
        }
        return scheme + authority + path + (cut ? "?…" : "")
    }
}
