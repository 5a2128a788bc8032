/// One instance's current proxy, as the rotation policy sees the world.
public struct ProxyAssignment: Sendable, Hashable, Codable {
    /// The instance.
    public var instanceID: InstanceID
    /// The instance's organization.
    public var organizationID: OrganizationID
    /// The proxy it is assigned to.
    public var proxyID: ProxyServerID

    /// An assignment of `instanceID` to `proxyID`.
    public init(instanceID: InstanceID, organizationID: OrganizationID, proxyID: ProxyServerID) {
        self.instanceID = instanceID
        self.organizationID = organizationID
        self.proxyID = proxyID
    }
}
