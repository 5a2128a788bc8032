/// What ``InstanceSupervisor/resumeAll()`` did with the instances whose desired state is running.
public struct InstanceResumeSummary: Sendable {
    /// Started on this node now.
    public var started: [InstanceReference] = []
    /// Already running on this node.
    public var alreadyRunning: [InstanceReference] = []
    /// Running on another node (it holds the lease).
    public var ownedElsewhere: [InstanceReference] = []
    /// Not tried because this node runs as many instances as its ``InstanceSupervisor/Configuration/capacity``
    /// allows: left for a node with room (some may run on another node already).
    public var atCapacity: [InstanceReference] = []
    /// Could not start, with the reason (no proxy available, transport failure …). Tried again next time.
    public var failed: [(instance: InstanceReference, error: WAError)] = []

    public init() {}
}
