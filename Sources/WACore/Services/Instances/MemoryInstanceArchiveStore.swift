import Synchronization

/// An ``InstanceArchiveStore`` in memory: archives live as long as the object. Shared by every supervisor given
/// the same object, so several in-process "nodes" see the same archives (as they would with a shared database).
public final class MemoryInstanceArchiveStore: InstanceArchiveStore {
    private struct Key: Hashable {
        var organization: OrganizationID
        var instance: InstanceID
    }

    private let archives = Mutex<[Key: [UInt8]]>([:])

    public init() {}

    public func load(instance: InstanceID, in organization: OrganizationID) async throws -> [UInt8]? {
        archives.withLock { $0[Key(organization: organization, instance: instance)] }
    }

    public func save(_ sealedArchive: [UInt8], instance: InstanceID, in organization: OrganizationID) async throws {
        archives.withLock { $0[Key(organization: organization, instance: instance)] = sealedArchive }
    }

    public func delete(instance: InstanceID, in organization: OrganizationID) async throws {
        _ = archives.withLock { $0.removeValue(forKey: Key(organization: organization, instance: instance)) }
    }

    /// How many archives are stored (for tests and diagnostics).
    public var count: Int { archives.withLock { $0.count } }
}
