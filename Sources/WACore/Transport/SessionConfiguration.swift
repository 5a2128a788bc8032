/// What a transport needs to run one instance's session.
public struct SessionConfiguration: Sendable {
    public var organizationID: OrganizationID
    public var instanceID: InstanceID
    /// How to link when there is no archive.
    public var linkMethod: LinkMethod
    /// A previously exported archive to restore the link from.
    public var archive: SessionArchive?
    /// The browser identity to present.
    public var fingerprint: Fingerprint?
    /// The proxy to connect through, credentials already unsealed.
    public var proxy: ProxyEndpoint?

    public init(
        organizationID: OrganizationID, instanceID: InstanceID, linkMethod: LinkMethod = .qrCode,
        archive: SessionArchive? = nil, fingerprint: Fingerprint? = nil, proxy: ProxyEndpoint? = nil
    ) {
        self.organizationID = organizationID
        self.instanceID = instanceID
        self.linkMethod = linkMethod
        self.archive = archive
        self.fingerprint = fingerprint
        self.proxy = proxy
    }

    /// How a new link is made.
    public enum LinkMethod: Sendable, Hashable {
        /// Show QR codes for the phone to scan (rotating every ~20 s).
        case qrCode
        /// Request an 8-character pairing code for this phone number, typed into the phone.
        case pairingCode(PhoneNumber)
    }
}

/// A proxy to connect through. The password is never printed.
public struct ProxyEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var scheme: ProxyServer.Scheme
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init(scheme: ProxyServer.Scheme, host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    public var description: String { "\(scheme.rawValue)://\(host):\(port)" }
}

/// Opaque bytes that restore a linked session. Stored sealed; never printed.
public struct SessionArchive: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public var description: String { "SessionArchive(\(bytes.count) bytes)" }
}
