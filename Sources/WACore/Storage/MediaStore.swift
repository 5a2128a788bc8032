import Synchronization

/// Where media bytes live (the metadata is a ``MediaObject`` in the ``Store``). PostgreSQL keeps them in chunks;
/// ``MemoryMediaStore`` keeps them in memory.
public protocol MediaStore: Sendable {
    /// Stores the bytes of a media object (replacing earlier bytes of the same id).
    func put(_ bytes: [UInt8], for id: MediaObjectID, in organization: OrganizationID) async throws
    /// The bytes of a media object; `not_found` if there are none.
    func bytes(of id: MediaObjectID, in organization: OrganizationID) async throws -> [UInt8]
    /// Removes the bytes (no error if there are none).
    func remove(_ id: MediaObjectID, in organization: OrganizationID) async throws
}

/// Media bytes in memory, keyed by organization and id.
public final class MemoryMediaStore: MediaStore {
    private struct Key: Hashable {
        var organization: OrganizationID
        var id: MediaObjectID
    }

    private let objects = Mutex<[Key: [UInt8]]>([:])

    public init() {}

    public func put(_ bytes: [UInt8], for id: MediaObjectID, in organization: OrganizationID) async throws {
        objects.withLock { $0[Key(organization: organization, id: id)] = bytes }
    }

    public func bytes(of id: MediaObjectID, in organization: OrganizationID) async throws -> [UInt8] {
        guard let bytes = objects.withLock({ $0[Key(organization: organization, id: id)] }) else {
            throw WAError.notFound("media")
        }
        return bytes
    }

    public func remove(_ id: MediaObjectID, in organization: OrganizationID) async throws {
        _ = objects.withLock { $0.removeValue(forKey: Key(organization: organization, id: id)) }
    }
}
