/// Where the services find the running session of an instance.
///
/// The instance supervisor implements it; the messaging side asks it for a ready session before it sends. Keeping
/// it a protocol lets each side be tested alone.
public protocol SessionDirectory: Sendable {
    /// The instance's session if it runs on this node and is ready; `nil` otherwise.
    func readySession(for instance: InstanceID) async -> (any WhatsAppSession)?

    /// The instances that run on this node, whose jobs this node's workers claim first (then the jobs no node
    /// runs: ``JobLaneSelection``); `nil` when the directory does not know, and workers claim every job.
    var heldInstances: Set<InstanceID>? { get }
}

extension SessionDirectory {
    /// Unknown: workers claim every job.
    public var heldInstances: Set<InstanceID>? { nil }
}
