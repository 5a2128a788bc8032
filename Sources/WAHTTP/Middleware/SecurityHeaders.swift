public import HTTPTypes

/// The security headers every response carries. ``helmet`` is helmet 8's default set, value for value (the Node.js
/// middleware most web APIs are measured against; `reference/security.md` §8); ``apiStrict`` tightens it for an API
/// that browsers never render (`default-src 'none'`, no framing at all, no caching).
///
/// Headers a handler has already set win: a download can set its own `Cache-Control`, say.
public struct SecurityHeaders: Sendable, Hashable {
    /// The headers, in the order they are added.
    public var fields: [(name: HTTPField.Name, value: String)]

    /// A set of `fields`.
    public init(_ fields: [(name: HTTPField.Name, value: String)]) {
        self.fields = fields
    }

    /// helmet 8's defaults: the twelve headers `helmet()` sets (it also removes `X-Powered-By`, which this server
    /// never sends).
    public static let helmet = SecurityHeaders([
        (
            .contentSecurityPolicy,
            "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';"
                + "frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';"
                + "script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"
        ),
        (HTTPField.Name("Cross-Origin-Opener-Policy")!, "same-origin"),
        (HTTPField.Name("Cross-Origin-Resource-Policy")!, "same-origin"),
        (HTTPField.Name("Origin-Agent-Cluster")!, "?1"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
        (.strictTransportSecurity, "max-age=31536000; includeSubDomains"),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("X-DNS-Prefetch-Control")!, "off"),
        (HTTPField.Name("X-Download-Options")!, "noopen"),
        (HTTPField.Name("X-Frame-Options")!, "SAMEORIGIN"),
        (HTTPField.Name("X-Permitted-Cross-Domain-Policies")!, "none"),
        (HTTPField.Name("X-XSS-Protection")!, "0"),
    ])

    /// helmet's set tightened for a pure JSON API (OWASP REST Security Cheat Sheet): `default-src 'none';
    /// frame-ancestors 'none'`, `X-Frame-Options: DENY` and `Cache-Control: no-store`.
    public static let apiStrict: SecurityHeaders = {
        var headers = helmet
        headers.set(.contentSecurityPolicy, "default-src 'none';frame-ancestors 'none'")
        headers.set(HTTPField.Name("X-Frame-Options")!, "DENY")
        headers.set(.cacheControl, "no-store")
        return headers
    }()

    /// Replaces the value of `name`, or adds it.
    public mutating func set(_ name: HTTPField.Name, _ value: String) {
        if let index = fields.firstIndex(where: { $0.name == name }) {
            fields[index].value = value
        } else {
            fields.append((name, value))
        }
    }

    public static func == (lhs: SecurityHeaders, rhs: SecurityHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}
