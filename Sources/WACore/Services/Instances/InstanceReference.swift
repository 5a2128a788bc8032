/// An instance named together with its organization (the pair every storage call needs).
public struct InstanceReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var organizationID: OrganizationID
    public var instanceID: InstanceID

    public init(organizationID: OrganizationID, instanceID: InstanceID) {
        self.organizationID = organizationID
        self.instanceID = instanceID
    }

    /// `organization/instance`.
    public var description: String { "\(organizationID)/\(instanceID)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.organizationID, lhs.instanceID) < (rhs.organizationID, rhs.instanceID)
    }
}
