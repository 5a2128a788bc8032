/// Where the supervisor remembers each instance's ``InstanceDesiredState``.
///
/// A stand-in until the desired state becomes a field of the stored ``Instance`` (with a cross-organization
/// query for the instances to run). ``MemoryInstanceDesiredStateStore`` is the in-memory implementation. Every
/// node must see the same store: a node stopping an instance that another node runs records `stopped` here, and
/// the owner stops it at its next lease renewal.
public protocol InstanceDesiredStateStore: Sendable {
    /// The instance's desired state; ``InstanceDesiredState/stopped`` when none was recorded.
    func desiredState(of instance: InstanceID, in organization: OrganizationID) async throws -> InstanceDesiredState

    /// Records the instance's desired state.
    func setDesiredState(_ state: InstanceDesiredState, of instance: InstanceID, in organization: OrganizationID)
        async throws

    /// Forgets the instance (after it was deleted).
    func remove(instance: InstanceID, in organization: OrganizationID) async throws

    /// Every instance, in every organization, whose desired state is ``InstanceDesiredState/running``, sorted.
    func instancesToRun() async throws -> [InstanceReference]
}
