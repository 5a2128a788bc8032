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

        public init() {}
        public init(queue: String? = nil, state: Job.State? = nil) {
            self.queue = queue
            self.state = state
        }

        public func matches(_ job: Job) -> Bool {
            (queue.map { job.queue == $0 } ?? true) && (state.map { job.state == $0 } ?? true)
        }
    }
}

extension InstanceLease: StoredEntity {
    public typealias Filter = NoFilter<InstanceLease>
    public static var entityName: String { "instance_lease" }
}
