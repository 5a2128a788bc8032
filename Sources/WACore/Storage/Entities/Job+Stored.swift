extension Job: StoredEntity {
    public static var entityName: String { "job" }
    public var uniqueKeys: [UniqueKey] { uniqueKey.map { [UniqueKey("unique_key", "\(queue)/\($0)")] } ?? [] }

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
