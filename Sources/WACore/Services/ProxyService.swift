import Foundation

/// The organization's proxy pool (``ProxyServer``), which instances with the `pool` proxy policy are spread over
/// and fixed-proxy instances name.
///
/// Reading needs `proxies:read`, changing `proxies:manage`; every change is audited (`proxy.created`,
/// `proxy.updated`, `proxy.deleted`, with the address and never a credential). A password is sealed with the
/// environment's ``SecretBox`` (``InstanceSupervisor/proxyPasswordContext(_:)``) before it is stored, and no
/// answer carries it, not even sealed: proxies come back with ``ProxyServer/sealedPassword`` empty when a password
/// is set (``ProxyServer/hasPassword``) and `nil` when not.
///
/// A proxy that an instance uses (a fixed proxy, or the pool's current choice for it) is not deleted
/// (`proxy_in_use`): its sessions connect through it, and an instance left without its proxy would reconnect
/// without one, from the gateway's own address. Disable it first (``ProxyServerUpdate/isEnabled``), so that no
/// instance is given it any more, then move its instances (a fixed instance to another proxy; a pool instance
/// moves on its next start or re-pairing, or on a connection failure) and delete it.
public struct ProxyService: Sendable {
    private let env: ServiceEnvironment

    /// A service over `environment` (store, clock, ids, access policy and secret box).
    public init(environment: ServiceEnvironment) {
        env = environment
    }

    /// A page of the organization's proxies, oldest first unless `page` says otherwise.
    public func list(by principal: Principal, page: PageRequest = .first) async throws -> Page<ProxyServer> {
        let org = principal.organizationID
        try env.policy.require(principal, .proxiesRead, on: .organization(org))
        var result = try await env.transaction(by: principal) { tx in
            try await tx.proxyServers.list(in: org, where: .init(), page: page)
        }
        result.items = result.items.map(Self.redacted)
        return result
    }

    /// One proxy; `not_found` when the organization has none with `id`.
    public func get(_ id: ProxyServerID, by principal: Principal) async throws -> ProxyServer {
        let org = principal.organizationID
        try env.policy.require(principal, .proxiesRead, on: .organization(org))
        return Self.redacted(try await env.transaction(by: principal) { try await $0.proxyServers.get(id, in: org) })
    }

    /// Adds a proxy to the pool. An address (scheme, host, port) the pool already has is `already_exists` (field
    /// `address`); invalid values are `invalid_argument` naming the field.
    public func create(_ new: NewProxyServer, by principal: Principal) async throws -> ProxyServer {
        let org = principal.organizationID
        try env.policy.require(principal, .proxiesManage, on: .organization(org))
        let host = try Self.validHost(new.host)
        try Self.validate(port: new.port, capacity: new.capacity)
        let now = env.clock.now()
        var proxy = ProxyServer(
            id: env.ids.make(), organizationID: org, scheme: new.scheme, host: host, port: new.port,
            capacity: new.capacity, isEnabled: new.isEnabled, createdAt: now)
        if let credentials = new.credentials { try apply(credentials, to: &proxy) }
        let record = proxy
        let stored = try await env.transaction(by: principal) { tx in
            let stored = try await tx.proxyServers.insert(record)
            _ = try await tx.auditEvents.insert(audit("proxy.created", stored, by: principal, ["credentials": Self.describe(new.credentials)]))
            return stored
        }
        return Self.redacted(stored)
    }

    /// Changes a proxy; `nil` fields stay as they are. A new address that the pool already has is
    /// `already_exists` (field `address`). Changing the address or the credentials affects the sessions that
    /// connect through it from their next connection on.
    public func update(_ id: ProxyServerID, _ change: ProxyServerUpdate, by principal: Principal) async throws
        -> ProxyServer
    {
        let org = principal.organizationID
        try env.policy.require(principal, .proxiesManage, on: .organization(org))
        let host = try change.host.map { host throws(WAError) in try Self.validHost(host) }
        if let port = change.port { try Self.validate(port: port, capacity: 1) }
        if let capacity = change.capacity { try Self.validate(port: 1, capacity: capacity) }
        let now = env.clock.now()
        let stored = try await env.transaction(by: principal) { tx in
            var proxy = try await tx.proxyServers.get(id, in: org)
            let before = proxy
            if let scheme = change.scheme { proxy.scheme = scheme }
            if let host { proxy.host = host }
            if let port = change.port { proxy.port = port }
            if let capacity = change.capacity { proxy.capacity = capacity }
            if let isEnabled = change.isEnabled { proxy.isEnabled = isEnabled }
            if let credentials = change.credentials { try apply(credentials, to: &proxy) }
            guard proxy != before else { return proxy }
            proxy.updatedAt = now
            let updated = try await tx.proxyServers.update(proxy)
            var metadata = ["credentials": Self.describe(change.credentials)]
            if Self.address(before) != Self.address(updated) { metadata["previous_address"] = Self.address(before) }
            if before.capacity != updated.capacity { metadata["capacity"] = String(updated.capacity) }
            if before.isEnabled != updated.isEnabled { metadata["enabled"] = String(updated.isEnabled) }
            _ = try await tx.auditEvents.insert(audit("proxy.updated", updated, by: principal, metadata))
            return updated
        }
        return Self.redacted(stored)
    }

    /// Deletes a proxy that no instance uses; `proxy_in_use` (with how many) otherwise (see the type's
    /// documentation for how to move instances off it).
    public func delete(_ id: ProxyServerID, by principal: Principal) async throws {
        let org = principal.organizationID
        try env.policy.require(principal, .proxiesManage, on: .organization(org))
        try await env.transaction(by: principal) { tx in
            // Locked as proxy assignment locks it: no instance can be given this proxy between the count and the
            // deletion.
            _ = try await tx.organizations.getForUpdate(org, in: org)
            let proxy = try await tx.proxyServers.get(id, in: org)
            let users = try await tx.instances.count(in: org, where: .init(proxyID: id))
            guard users == 0 else {
                throw WAError(
                    .proxyInUse,
                    "\(users) instance\(users == 1 ? " uses" : "s use") this proxy; disable it and move them first")
            }
            try await tx.proxyServers.delete(id, in: org)
            _ = try await tx.auditEvents.insert(audit("proxy.deleted", proxy, by: principal, [:]))
        }
    }

    // MARK: Internals

    private func apply(_ credentials: ProxyCredentials, to proxy: inout ProxyServer) throws(WAError) {
        switch credentials {
        case .anonymous:
            proxy.username = nil
            proxy.sealedPassword = nil
        case .basic(let username, let password):
            guard (1...255).contains(username.utf8.count), !username.contains(where: { $0.isNewline || $0 == ":" })
            else { throw WAError.invalid("username", "must be 1–255 bytes on one line, without ':'") }
            proxy.username = username
            if let password {
                guard (1...1_024).contains(password.utf8.count), !password.contains(where: \.isNewline) else {
                    throw WAError.invalid("password", "must be 1–1024 bytes on one line")
                }
                proxy.sealedPassword = try env.secretBox.seal(
                    password, context: InstanceSupervisor.proxyPasswordContext(proxy.organizationID))
            } else {
                proxy.sealedPassword = nil
            }
        }
    }

    private func audit(_ action: String, _ proxy: ProxyServer, by principal: Principal, _ metadata: [String: String])
        -> AuditEvent
    {
        var metadata = metadata
        metadata["address"] = Self.address(proxy)
        return env.auditEvent(
            action, by: principal.auditActor, in: proxy.organizationID, resourceType: "proxy_server",
            resourceID: proxy.id.description, metadata: metadata)
    }

    private static func address(_ proxy: ProxyServer) -> String { "\(proxy.scheme.rawValue)://\(proxy.host):\(proxy.port)" }

    private static func describe(_ credentials: ProxyCredentials?) -> String {
        switch credentials {
        case nil: "unchanged"
        case .anonymous?: "none"
        case .basic(_, let password)?: password == nil ? "username" : "username_and_password"
        }
    }

    /// The proxy as services return it: a set password as an empty value, never its ciphertext.
    static func redacted(_ proxy: ProxyServer) -> ProxyServer {
        var copy = proxy
        if copy.sealedPassword != nil { copy.sealedPassword = [] }
        return copy
    }

    /// A host name or IP address, lower-cased: 1–253 characters of letters, digits, `.`, `-`, and `:` (IPv6).
    static func validHost(_ text: String) throws(WAError) -> String {
        let host = text.lowercased()
        let allowed = host.utf8.allSatisfy { byte in
            (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2E || byte == 0x2D || byte == 0x3A
        }
        guard (1...253).contains(host.utf8.count), allowed, host.first != "-", host.first != "." else {
            throw WAError.invalid("host", "must be a host name or an IP address")
        }
        return host
    }

    private static func validate(port: Int, capacity: Int) throws(WAError) {
        guard (1...65_535).contains(port) else { throw WAError.invalid("port", "must be 1–65535") }
        guard (1...10_000).contains(capacity) else { throw WAError.invalid("capacity", "must be 1–10000") }
    }
}

/// A proxy's sign-in, as given to ``ProxyService``.
public enum ProxyCredentials: Sendable, Hashable {
    /// No sign-in (an update removes any stored one).
    case anonymous
    /// A user name and, optionally, a password (sealed before it is stored; `nil` stores none).
    case basic(username: String, password: String?)
}

/// A proxy to add to the pool (``ProxyService/create(_:by:)``).
public struct NewProxyServer: Sendable, Hashable {
    public var scheme: ProxyServer.Scheme
    /// Host name or IP address.
    public var host: String
    /// 1–65535.
    public var port: Int
    public var credentials: ProxyCredentials?
    /// How many instances may share it: 1–10000.
    public var capacity: Int
    /// Whether instances may be given it.
    public var isEnabled: Bool

    public init(
        scheme: ProxyServer.Scheme, host: String, port: Int, credentials: ProxyCredentials? = nil, capacity: Int = 1,
        isEnabled: Bool = true
    ) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.credentials = credentials
        self.capacity = capacity
        self.isEnabled = isEnabled
    }
}

/// A change to a proxy (``ProxyService/update(_:_:by:)``): each `nil` field stays as it is.
public struct ProxyServerUpdate: Sendable, Hashable {
    public var scheme: ProxyServer.Scheme?
    public var host: String?
    public var port: Int?
    /// New credentials: ``ProxyCredentials/anonymous`` removes them.
    public var credentials: ProxyCredentials?
    public var capacity: Int?
    /// `false` stops the pool from giving the proxy to more instances (those that have it keep it).
    public var isEnabled: Bool?

    public init(
        scheme: ProxyServer.Scheme? = nil, host: String? = nil, port: Int? = nil, credentials: ProxyCredentials? = nil,
        capacity: Int? = nil, isEnabled: Bool? = nil
    ) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.credentials = credentials
        self.capacity = capacity
        self.isEnabled = isEnabled
    }
}
