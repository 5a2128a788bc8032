public import Foundation

/// The full state of one instance's ``RiskMonitor`` (its sliding windows and the texts it tracks), JSON-encoded and
/// kept in storage of its own, so the monitor survives restarts and moves with the instance between nodes.
///
/// It can grow to tens of kilobytes and changes with every signal, so it lives apart from ``Instance``: a send
/// rewrites this record and the instance's small ``Instance/risk`` summary, and nothing reads it but
/// ``RiskService``. One per instance: its ``id`` is the instance's; it is deleted with the instance.
public struct RiskMonitorRecord: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The instance's id, as the record's own id (one monitor per instance).
    public var id: Identifier<RiskMonitorRecord>
    public var organizationID: OrganizationID
    /// The monitor, as ``RiskService`` encoded it.
    public var state: [UInt8]
    public var updatedAt: Date
    public var version: Int

    public init(instanceID: InstanceID, organizationID: OrganizationID, state: [UInt8], updatedAt: Date, version: Int = 0)
    {
        self.id = instanceID.retyped()
        self.organizationID = organizationID
        self.state = state
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The instance the monitor belongs to.
    public var instanceID: InstanceID { id.retyped() }

    public var description: String { "RiskMonitorRecord(\(instanceID), \(state.count) bytes)" }
}
