public import Foundation

/// A proxy in an organization's pool. The password is stored sealed and never appears in descriptions.
public struct ProxyServer: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var id: ProxyServerID
    public var organizationID: OrganizationID
    public var scheme: Scheme
    public var host: String
    public var port: Int
    public var username: String?
    /// The password sealed with ``SecretBox``. ``ProxyService`` returns it empty when one is set (never the
    /// ciphertext); ``hasPassword`` says whether there is one.
    public var sealedPassword: [UInt8]?
    /// How many instances may share it.
    public var capacity: Int
    /// 0 (dead) … 1 (healthy), maintained by the rotation policy.
    public var healthScore: Double
    public var isEnabled: Bool
    /// Not assigned until this instant after a failure.
    public var coolingDownUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: ProxyServerID, organizationID: OrganizationID, scheme: Scheme, host: String, port: Int,
        username: String? = nil, sealedPassword: [UInt8]? = nil, capacity: Int = 1, healthScore: Double = 1,
        isEnabled: Bool = true, coolingDownUntil: Date? = nil, createdAt: Date, updatedAt: Date? = nil,
        version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.scheme = scheme
        self.host = host
        self.port = port
        self.username = username
        self.sealedPassword = sealedPassword
        self.capacity = capacity
        self.healthScore = healthScore
        self.isEnabled = isEnabled
        self.coolingDownUntil = coolingDownUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// Whether a password is set.
    public var hasPassword: Bool { sealedPassword != nil }

    /// The proxy protocol.
    public enum Scheme: String, Sendable, Hashable, Codable, CaseIterable {
        case http
        case https
        case socks5
    }

    public var description: String { "ProxyServer(\(id), \(scheme.rawValue)://\(host):\(port))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "organizationID": organizationID, "scheme": scheme, "host": host, "port": port,
                "username": username as Any, "sealedPassword": "<redacted>", "capacity": capacity,
                "healthScore": healthScore, "isEnabled": isEnabled, "version": version,
            ])
    }
}
