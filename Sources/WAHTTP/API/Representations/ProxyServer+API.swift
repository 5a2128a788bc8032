import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.ProxyServer {
    /// The proxy as the API shows it: whether a password is set, never the password.
    init(_ proxy: WACore.ProxyServer) {
        self.init(
            id: proxy.id.description, scheme: .init(proxy.scheme), host: proxy.host, port: proxy.port,
            username: proxy.username, hasPassword: proxy.hasPassword, capacity: proxy.capacity,
            healthScore: proxy.healthScore, enabled: proxy.isEnabled, coolingDownUntil: proxy.coolingDownUntil,
            createdAt: proxy.createdAt, updatedAt: proxy.updatedAt, version: proxy.version)
    }
}

extension Components.Schemas.ProxyScheme {
    init(_ scheme: WACore.ProxyServer.Scheme) {
        switch scheme {
        case .http: self = .http
        case .https: self = .https
        case .socks5: self = .socks5
        }
    }

    var core: WACore.ProxyServer.Scheme {
        switch self {
        case .http: .http
        case .https: .https
        case .socks5: .socks5
        }
    }
}

extension ProxyCredentials {
    /// The credentials a request's `username` and `password` give: none when both are absent (nothing to change),
    /// ``anonymous`` for an empty `username`, a sign-in otherwise. A password needs a user name.
    init?(username: String?, password: String?) throws {
        switch (username, password) {
        case (nil, nil): return nil
        case (nil, .some): throw WAError.invalid("username", "a password needs a username")
        case ("", nil): self = .anonymous
        case ("", .some): throw WAError.invalid("username", "a password needs a username")
        case (let username?, let password): self = .basic(username: username, password: password)
        }
    }
}
