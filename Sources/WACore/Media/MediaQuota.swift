/// An organization's media storage quota: whether an upload fits, with the numbers.
///
/// Pure arithmetic over the usage the caller reads from storage (the sum of the organization's stored media
/// sizes); the caller records the new usage in the same transaction as the upload.
///
/// ```swift
/// let quota = MediaQuota(limits: organization.limits)
/// switch try quota.decide(currentUsage: used, uploadBytes: size) {
/// case .allowed(let usageAfter, _): store(…, newUsage: usageAfter)
/// case .overQuota(let excess, let available): reject(excess, available)
/// }
/// ```
public struct MediaQuota: Sendable, Hashable, Codable {
    /// The most bytes of media the organization may store.
    public var limitBytes: Int64

    public init(limitBytes: Int64) {
        self.limitBytes = limitBytes
    }

    /// The quota a plan's limits grant (``PlanLimits/mediaStorageBytes``).
    public init(limits: PlanLimits) {
        self.init(limitBytes: limits.mediaStorageBytes)
    }

    /// The quota in force for an organization (its overrides, else its plan's).
    public init(organization: Organization) {
        self.init(limits: organization.limits)
    }

    /// Whether an upload fits.
    public enum Decision: Sendable, Hashable {
        /// It fits: the usage once stored, and the bytes still free then.
        case allowed(usageAfter: Int64, remainingAfter: Int64)
        /// It does not: by how many bytes it exceeds the quota, and how many bytes are free now (zero when the
        /// usage is already over a lowered limit).
        case overQuota(excessBytes: Int64, availableBytes: Int64)

        /// Whether the upload fits.
        public var isAllowed: Bool {
            if case .allowed = self { return true }
            return false
        }
    }

    /// The bytes still free at `currentUsage` (never negative).
    public func available(currentUsage: Int64) -> Int64 {
        max(0, limitBytes - max(0, currentUsage))
    }

    /// Decides whether `uploadBytes` more bytes fit on top of `currentUsage`. Throws
    /// ``WAError/Code-swift.enum/invalidArgument`` for negative numbers.
    public func decide(currentUsage: Int64, uploadBytes: Int64) throws(WAError) -> Decision {
        guard currentUsage >= 0 else { throw WAError.invalid("currentUsage", "usage must not be negative") }
        guard uploadBytes >= 0 else { throw WAError.invalid("uploadBytes", "the upload size must not be negative") }
        let (usageAfter, overflow) = currentUsage.addingReportingOverflow(uploadBytes)
        if !overflow && usageAfter <= limitBytes {
            return .allowed(usageAfter: usageAfter, remainingAfter: limitBytes - usageAfter)
        }
        let excess = overflow ? Int64.max : usageAfter - max(limitBytes, 0)
        return .overQuota(excessBytes: excess, availableBytes: available(currentUsage: currentUsage))
    }

    /// The usage after storing `uploadBytes`, or ``WAError/Code-swift.enum/mediaOverQuota`` (field `file`) when
    /// they do not fit.
    public func reserve(currentUsage: Int64, uploadBytes: Int64) throws(WAError) -> Int64 {
        switch try decide(currentUsage: currentUsage, uploadBytes: uploadBytes) {
        case .allowed(let usageAfter, _):
            return usageAfter
        case .overQuota(let excess, let available):
            throw WAError(
                .mediaOverQuota,
                "the upload of \(uploadBytes) bytes exceeds the media storage quota of \(limitBytes) bytes by "
                    + "\(excess) bytes (\(available) bytes free)",
                field: "file")
        }
    }

    /// The usage after deleting `deletedBytes` of stored media (never below zero).
    public static func usage(_ currentUsage: Int64, afterDeleting deletedBytes: Int64) -> Int64 {
        max(0, currentUsage - max(0, deletedBytes))
    }
}
