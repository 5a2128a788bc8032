public import PostgresNIO
public import WACore

/// Connection settings for the PostgreSQL storage adapter, parsed from a `postgres://` URL.
///
/// Accepted forms:
/// - `postgres://user:password@host:5432/database` (or `postgresql://`)
/// - `postgres://user@/database?host=/path/to/socket/dir&port=5433` (Unix-domain socket)
///
/// Query parameters: `host` (socket directory), `port`, `sslmode` (`disable` only for now; TLS comes with the
/// storage issue). Invalid URLs are a ``WACore/WAError`` with code `invalid_argument` and field `database_url`;
/// the password is never part of ``description``.
public struct PostgresConnectionSettings: Sendable, Equatable, CustomStringConvertible {
    public var host: String?
    public var socketDirectory: String?
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String

    public init(
        host: String? = "127.0.0.1", socketDirectory: String? = nil, port: Int = 5432,
        username: String, password: String? = nil, database: String
    ) {
        self.host = host
        self.socketDirectory = socketDirectory
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `postgres://` URL.
    public init(url: String) throws(WAError) {
        func fail(_ why: String) -> WAError { WAError(.invalidArgument, "database URL: \(why)", field: "database_url") }
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else {
            throw fail("must start with postgres:// or postgresql://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var query: [String: String] = [:]
        if let q = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: q)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let key = Self.percentDecoded(parts[0]), let value = Self.percentDecoded(parts[1])
                else { throw fail("malformed query parameter") }
                query[key] = value
            }
            rest = rest[..<q]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw fail("missing database name") }
        guard let database = Self.percentDecoded(rest[rest.index(after: slash)...]), !database.isEmpty else {
            throw fail("missing database name")
        }
        var authority = rest[..<slash]
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = Self.percentDecoded(userInfo[..<colon])
                password = Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                username = Self.percentDecoded(userInfo)
            }
        }
        guard let username, !username.isEmpty else { throw fail("missing user name") }
        var host: String? = nil
        var port = 5432
        if !authority.isEmpty {
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                    throw fail("invalid port")
                }
                port = p
                authority = authority[..<colon]
            }
            host = String(authority.filter { $0 != "[" && $0 != "]" })
        }
        if let p = query["port"] {
            guard let value = Int(p), (1...65535).contains(value) else { throw fail("invalid port") }
            port = value
        }
        var socketDirectory: String? = nil
        if let h = query["host"] {
            if h.hasPrefix("/") { socketDirectory = h } else { host = h }
        }
        if let mode = query["sslmode"], mode != "disable" {
            throw fail("sslmode \(mode) is not supported yet; use sslmode=disable")
        }
        guard host != nil || socketDirectory != nil else { throw fail("missing host") }
        self.init(
            host: socketDirectory == nil ? host : nil, socketDirectory: socketDirectory, port: port,
            username: username, password: password, database: database
        )
    }

    /// The PostgresNIO client configuration for these settings.
    public var clientConfiguration: PostgresClient.Configuration {
        if let socketDirectory {
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
                username: username, password: password, database: database
            )
        }
        return PostgresClient.Configuration(
            host: host ?? "127.0.0.1", port: port, username: username, password: password, database: database,
            tls: .disable
        )
    }

    public var description: String {
        let location = socketDirectory.map { "socket \($0)" } ?? "\(host ?? "?"):\(port)"
        return "postgres://\(username)\(password == nil ? "" : ":***")@\(location)/\(database)"
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let h = iterator.next(), let l = iterator.next(),
                    let value = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
