/// Where the sealed session archive of each instance is kept (the bytes that restore a link without a new QR
/// scan).
///
/// The supervisor stores only ``SecretBox`` envelopes here (context: the organization and purpose
/// ``InstanceSupervisor/archivePurpose``); implementations never see plaintext. Every node that may run an
/// instance must see the same store, so that a node taking an instance over restores the link.
///
/// This is a stand-in until the archive becomes part of the stored ``Instance`` (then it is written in the same
/// transaction as the status change and fenced by the lease like every other write).
/// ``MemoryInstanceArchiveStore`` is the in-memory implementation.
public protocol InstanceArchiveStore: Sendable {
    /// The sealed archive of the instance, or `nil` when it has none.
    func load(instance: InstanceID, in organization: OrganizationID) async throws -> [UInt8]?

    /// Replaces the instance's sealed archive.
    func save(_ sealedArchive: [UInt8], instance: InstanceID, in organization: OrganizationID) async throws

    /// Forgets the instance's archive (nothing happens when it has none).
    func delete(instance: InstanceID, in organization: OrganizationID) async throws
}
