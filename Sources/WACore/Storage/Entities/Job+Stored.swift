extension Job: StoredEntity {
    public static var entityName: String { "job" }
    /// An unfinished job's queue and ``Job/uniqueKey``; a finished job holds no key
    /// (``JobRepository/enqueue(_:)``).
    public var uniqueKeys: [UniqueKey] {
        guard let uniqueKey, !state.isFinal else { return [] }
        return [UniqueKey("unique_key", "\(queue)/\(uniqueKey)")]
    }

    /// Criteria for listing jobs.
    public struct Filter: EntityFilter {
        public var queue: String?
        public var state: Job.State?
        /// Only jobs whose ``Job/uniqueKey`` starts with this (a campaign's waves: `"<campaign id>/"`).
        public var uniqueKeyPrefix: String?
        /// Only finished jobs (`true`: completed, failed or cancelled) or unfinished ones (`false`).
        public var isFinished: Bool?

        public init() {}
        public init(queue: String? = nil, state: Job.State? = nil, uniqueKeyPrefix: String? = nil, isFinished: Bool? = nil) {
            self.queue = queue
            self.state = state
            self.uniqueKeyPrefix = uniqueKeyPrefix
            self.isFinished = isFinished
        }

        public func matches(_ job: Job) -> Bool {
            (queue.map { job.queue == $0 } ?? true) && (state.map { job.state == $0 } ?? true)
                && (uniqueKeyPrefix.map { job.uniqueKey?.hasPrefix($0) ?? false } ?? true)
                && (isFinished.map { job.state.isFinal == $0 } ?? true)
        }
    }
}

extension InstanceLease: StoredEntity {
    public typealias Filter = NoFilter<InstanceLease>
    public static var entityName: String { "instance_lease" }
}
