public import Foundation

/// Instance leases for sharing instances between gateway nodes.
public protocol LeaseRepository: Repository where Entity == InstanceLease {
    /// Takes the instance's lease for `owner` if it is free, expired, or already `owner`'s (then it is extended
    /// and keeps its token). A lease that changes hands gets a higher token. `nil` while another owner holds a
    /// valid lease.
    func acquire(
        instance: InstanceID, in organization: OrganizationID, owner: String, duration: Duration, now: Date
    ) async throws(WAError) -> InstanceLease?

    /// Extends a lease its owner still holds; `lease_lost` if the stored lease has another token or owner, or
    /// expired.
    func renew(_ lease: InstanceLease, duration: Duration, now: Date) async throws(WAError) -> InstanceLease

    /// Gives a lease up (if it is still this one); afterwards anyone may acquire it.
    func release(_ lease: InstanceLease) async throws(WAError)

    /// Whether `token` is the current, unexpired token of the instance's lease: the check a fenced write makes.
    ///
    /// When it answers `true`, the lease stays as it is until the transaction ends (PostgreSQL: the lease row is
    /// read `FOR SHARE`): an ``acquire(instance:in:owner:duration:now:)`` by another node waits until this
    /// transaction commits, so a write fenced by this check can never land after the lease changed hands.
    func isCurrent(instance: InstanceID, in organization: OrganizationID, token: Int64, now: Date)
        async throws(WAError) -> Bool
}
