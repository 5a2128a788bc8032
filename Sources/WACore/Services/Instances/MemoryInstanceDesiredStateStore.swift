import Synchronization

/// An ``InstanceDesiredStateStore`` in memory, shared by every supervisor given the same object.
public final class MemoryInstanceDesiredStateStore: InstanceDesiredStateStore {
    private let states = Mutex<[InstanceReference: InstanceDesiredState]>([:])

    public init() {}

    public func desiredState(of instance: InstanceID, in organization: OrganizationID) async throws
        -> InstanceDesiredState
    {
        states.withLock { $0[InstanceReference(organizationID: organization, instanceID: instance)] } ?? .stopped
    }

    public func setDesiredState(
        _ state: InstanceDesiredState, of instance: InstanceID, in organization: OrganizationID
    ) async throws {
        states.withLock { $0[InstanceReference(organizationID: organization, instanceID: instance)] = state }
    }

    public func remove(instance: InstanceID, in organization: OrganizationID) async throws {
        _ = states.withLock {
            $0.removeValue(forKey: InstanceReference(organizationID: organization, instanceID: instance))
        }
    }

    public func instancesToRun() async throws -> [InstanceReference] {
        states.withLock { $0.filter { $0.value == .running }.map(\.key) }.sorted()
    }
}
