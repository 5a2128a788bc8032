import Synchronization

/// Media bytes in memory, keyed by organization and id.
public final class MemoryMediaStore: MediaStore {
    private struct Key: Hashable {
        var organization: OrganizationID
        var id: MediaObjectID
    }

    private let objects = Mutex<[Key: [UInt8]]>([:])

    public init() {}

    public func write<Chunks: AsyncSequence & Sendable>(
        _ id: MediaObjectID, in organization: OrganizationID, from chunks: Chunks
    ) async throws -> Int64 where Chunks.Element == [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in chunks { bytes += chunk }
        let stored = bytes
        objects.withLock { $0[Key(organization: organization, id: id)] = stored }
        return Int64(stored.count)
    }

    public func read(_ id: MediaObjectID, in organization: OrganizationID, range: Range<Int64>?) async throws
        -> MediaByteStream
    {
        let bytes = try stored(id, in: organization)
        let range = try Self.validate(range, byteCount: Int64(bytes.count))
        let slice = Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
        return MediaByteStream { continuation in
            var offset = 0
            while offset < slice.count {
                let end = min(slice.count, offset + MediaChunks.maximumSize)
                continuation.yield(Array(slice[offset..<end]))
                offset = end
            }
            continuation.finish()
        }
    }

    public func byteCount(of id: MediaObjectID, in organization: OrganizationID) async throws -> Int64 {
        Int64(try stored(id, in: organization).count)
    }

    public func remove(_ id: MediaObjectID, in organization: OrganizationID) async throws {
        _ = objects.withLock { $0.removeValue(forKey: Key(organization: organization, id: id)) }
    }

    public func removeAll(in organization: OrganizationID) async throws {
        objects.withLock { objects in
            for key in objects.keys where key.organization == organization { objects[key] = nil }
        }
    }

    private func stored(_ id: MediaObjectID, in organization: OrganizationID) throws(WAError) -> [UInt8] {
        guard let bytes = objects.withLock({ $0[Key(organization: organization, id: id)] }) else {
            throw WAError.notFound("media")
        }
        return bytes
    }
}
