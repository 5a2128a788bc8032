import Synchronization

/// A complete ``Store`` in memory: every repository, the same constraints, the same errors as PostgreSQL.
///
/// It is a product feature, not a mock: library users run their business logic against it in unit tests, and the
/// gateway uses it when started with `--store memory`. Transactions are serializable (they run one at a time) and
/// all-or-nothing (an undo log reverts a transaction whose body throws or is cancelled). Data lives as long as the
/// store object, rate-limit state included (``rateLimits``, a ``MemoryRateLimitStore``).
public final class MemoryStore: Store {
    /// Everything the store holds; only touched inside `state.withLock`.
    struct State: ~Copyable {
        var tables: [ObjectIdentifier: AnyObject] = [:]
        /// Each organization's event log.
        var eventLogs: [OrganizationID: MemoryEventLog] = [:]
        /// Each organization's message rollups.
        var rollups: [OrganizationID: MemoryRollups] = [:]
        /// Each organization's contact activities.
        var activities: [OrganizationID: MemoryContactActivities] = [:]
        /// Reverts the open transaction's writes, newest last.
        var undo: [() -> Void] = []

        mutating func table<Entity: StoredEntity>(_: Entity.Type) -> MemoryTable<Entity> {
            let key = ObjectIdentifier(Entity.self)
            if let table = tables[key] as? MemoryTable<Entity> { return table }
            let table = MemoryTable<Entity>()
            tables[key] = table
            return table
        }
    }

    let state = Mutex(State())
    private let gate = AsyncLock()
    private let transactionEvents = Atomic<Int>(0)

    @TaskLocal private static var openTransactions: Set<ObjectIdentifier> = []

    /// The rate-limit state, outside transactions and (read-only) through ``StoreTransaction/rateLimits``.
    public let rateLimits: any RateLimitStore
    let rateLimitReader: MemoryRateLimitStore

    /// Signalled after each commit that enqueued or handed back jobs or appended events, when given.
    public let wakeUps: (any WorkerWakeUps)?
    private let wakeUpSignal: WakeUpSignal?

    /// An empty store whose rate-limit state lives in `rateLimits`. With `wakeUps`, workers waiting on it wake as
    /// soon as a transaction commits work for them (without, they find it at their next poll).
    public init(rateLimits: MemoryRateLimitStore = MemoryRateLimitStore(), wakeUps: WakeUpSignal? = nil) {
        self.rateLimits = rateLimits
        rateLimitReader = rateLimits
        self.wakeUps = wakeUps
        wakeUpSignal = wakeUps
    }

    /// A counter that changes whenever a transaction starts or ends, so a test can tell whether anything used the
    /// store meanwhile (WACoreTesting's `TestClock` waits for it to stand still before moving time).
    public var activityCount: Int { transactionEvents.load(ordering: .relaxed) }

    public func transaction<Result>(
        _ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        let me = ObjectIdentifier(self)
        guard !Self.openTransactions.contains(me) else {
            throw WAError(.transactionMisuse, "transactions on one store do not nest")
        }
        var open = Self.openTransactions
        open.insert(me)
        return try await Self.$openTransactions.withValue(open) {
            try await gate.withLock {
                transactionEvents.add(1, ordering: .relaxed)
                defer { transactionEvents.add(1, ordering: .relaxed) }
                let transaction = MemoryTransaction(store: self, scope: scope)
                do {
                    let result = try await body(transaction)
                    transaction.close()
                    state.withLock { $0.undo.removeAll() }
                    wakeUpSignal?.signal(transaction.touchedTopics)
                    return result
                } catch {
                    transaction.close()
                    state.withLock { s in
                        while let step = s.undo.popLast() { step() }
                    }
                    throw error
                }
            }
        }
    }
}

/// The repositories of one ``MemoryStore`` transaction.
final class MemoryTransaction: StoreTransaction {
    let store: MemoryStore
    let scope: TransactionScope
    private let isOpen = Atomic<Bool>(true)

    init(store: MemoryStore, scope: TransactionScope) {
        self.store = store
        self.scope = scope
    }

    /// What this transaction gave workers to do, signalled after it commits.
    private let touched = Mutex<Set<WakeUpTopic>>([])

    func close() { isOpen.store(false, ordering: .releasing) }

    /// Notes that the transaction gave workers of `topic` something to do.
    func touch(_ topic: WakeUpTopic) { touched.withLock { _ = $0.insert(topic) } }

    var touchedTopics: Set<WakeUpTopic> { touched.withLock { $0 } }

    /// Fails unless the transaction is still open and may act for `organization` (`nil`: no organization named);
    /// `what` names the data in the error.
    private func requireUsable(for organization: OrganizationID?, _ what: String) throws(WAError) {
        guard isOpen.load(ordering: .acquiring) else {
            throw WAError(.transactionMisuse, "the transaction has ended")
        }
        if let organization, !scope.permits(organization) {
            throw WAError(.tenantMismatch, "the \(what) belongs to another organization")
        }
    }

    /// Runs `body` on `Entity`'s table after checking the transaction is open and may act for `organization`.
    func withTable<Entity: StoredEntity, Result: Sendable>(
        _: Entity.Type, for organization: OrganizationID?,
        _ body: (MemoryTable<Entity>, inout [() -> Void]) throws(WAError) -> Result
    ) throws(WAError) -> Result {
        try requireUsable(for: organization, Entity.entityName)
        return try store.state.withLock { (s: inout MemoryStore.State) throws(WAError) -> Result in
            let table = s.table(Entity.self)
            return try body(table, &s.undo)
        }
    }

    var organizations: any OrganizationRepository { MemoryRepository<Organization>(transaction: self) }
    var members: any MemberRepository { MemoryRepository<Member>(transaction: self) }
    var memberCredentials: any Repository<MemberCredential> { MemoryRepository<MemberCredential>(transaction: self) }
    var apiKeys: any APIKeyRepository { MemoryRepository<APIKey>(transaction: self) }
    var instances: any InstanceRepository { MemoryRepository<Instance>(transaction: self) }
    var sessionArchives: any Repository<SealedSessionArchive> {
        MemoryRepository<SealedSessionArchive>(transaction: self)
    }
    var riskMonitors: any Repository<RiskMonitorRecord> { MemoryRepository<RiskMonitorRecord>(transaction: self) }
    var contacts: any ContactRepository { MemoryRepository<Contact>(transaction: self) }
    var chats: any ChatRepository { MemoryRepository<Chat>(transaction: self) }
    var messages: any MessageRepository { MemoryMessageRepository(transaction: self) }
    var rollups: any MessageRollupRepository { MemoryRollupRepository(transaction: self) }
    var contactActivities: any ContactActivityRepository { MemoryContactActivityRepository(transaction: self) }
    var templates: any TemplateRepository { MemoryRepository<Template>(transaction: self) }
    var campaigns: any Repository<Campaign> { MemoryRepository<Campaign>(transaction: self) }
    var automations: any Repository<Automation> { MemoryRepository<Automation>(transaction: self) }
    var webhookEndpoints: any Repository<WebhookEndpoint> { MemoryRepository<WebhookEndpoint>(transaction: self) }
    var deliveries: any DeliveryRepository { MemoryRepository<Delivery>(transaction: self) }
    var auditEvents: any Repository<AuditEvent> { MemoryRepository<AuditEvent>(transaction: self) }
    var mediaObjects: any Repository<MediaObject> { MemoryRepository<MediaObject>(transaction: self) }
    var proxyServers: any Repository<ProxyServer> { MemoryRepository<ProxyServer>(transaction: self) }
    var riskAlerts: any Repository<RiskAlert> { MemoryRepository<RiskAlert>(transaction: self) }
    var jobs: any JobRepository { MemoryRepository<Job>(transaction: self) }
    var leases: any LeaseRepository { MemoryRepository<InstanceLease>(transaction: self) }
    var eventLog: any EventLogRepository { MemoryEventLogRepository(transaction: self) }
    var rateLimits: any RateLimitReader { MemoryRateLimitReader(transaction: self) }

    /// Reads the store's rate-limit state after checking the transaction is open.
    func rateLimitState(of key: RateLimitKey, now: RateLimitInstant) async throws(WAError) -> RateLimitState? {
        try requireUsable(for: nil, "rate-limit state")
        return try await store.rateLimitReader.state(of: key, now: now)
    }

    /// Runs `body` on `organization`'s message rollups after checking the transaction is open and may act for it;
    /// `body` appends to the undo log how to revert what it changed.
    func withRollups<Result: Sendable>(
        of organization: OrganizationID, _ body: (MemoryRollups, inout [() -> Void]) throws(WAError) -> Result
    ) throws(WAError) -> Result {
        try requireUsable(for: organization, "message rollups")
        return try store.state.withLock { (s: inout MemoryStore.State) throws(WAError) -> Result in
            let rollups = s.rollups[organization] ?? MemoryRollups()
            s.rollups[organization] = rollups
            return try body(rollups, &s.undo)
        }
    }

    /// Runs `body` on `organization`'s contact activities after checking the transaction is open and may act for
    /// it; `body` appends to the undo log how to revert what it changed.
    func withActivities<Result: Sendable>(
        of organization: OrganizationID, _ body: (MemoryContactActivities, inout [() -> Void]) throws(WAError) -> Result
    ) throws(WAError) -> Result {
        try requireUsable(for: organization, "contact activities")
        return try store.state.withLock { (s: inout MemoryStore.State) throws(WAError) -> Result in
            let activities = s.activities[organization] ?? MemoryContactActivities()
            s.activities[organization] = activities
            return try body(activities, &s.undo)
        }
    }

    /// Removes every row, event, rollup and activity of `organization`, undoably.
    func purge(_ organization: OrganizationID) throws(WAError) {
        try requireUsable(for: organization, "organization")
        store.state.withLock { (s: inout MemoryStore.State) in
            for table in s.tables.values {
                (table as? any MemoryOrganizationRows)?.removeAll(of: organization, undo: &s.undo)
            }
            // Undo steps run while the store's lock is held: they restore the per-organization objects' contents.
            if let log = s.eventLogs[organization] {
                let (events, consumers) = (log.events, log.consumers)
                log.events = []
                log.consumers = [:]
                s.undo.append {
                    log.events = events
                    log.consumers = consumers
                }
            }
            if let rollups = s.rollups[organization] {
                let slots = rollups.slots
                rollups.slots = [:]
                s.undo.append { rollups.slots = slots }
            }
            if let activities = s.activities[organization] {
                let byContact = activities.byContact
                activities.byContact = [:]
                s.undo.append { activities.byContact = byContact }
            }
        }
    }

    /// The organizations that have an event log.
    func eventLogOrganizations() -> [OrganizationID] {
        store.state.withLock { Array($0.eventLogs.keys) }
    }

    /// Runs `body` on `organization`'s event log after checking the transaction is open and may act for it;
    /// `body` appends to the undo log how to revert what it changed.
    func withEventLog<Result: Sendable>(
        of organization: OrganizationID, _ body: (MemoryEventLog, inout [() -> Void]) throws(WAError) -> Result
    ) throws(WAError) -> Result {
        try requireUsable(for: organization, "event log")
        return try store.state.withLock { (s: inout MemoryStore.State) throws(WAError) -> Result in
            let log = s.eventLogs[organization] ?? MemoryEventLog()
            s.eventLogs[organization] = log
            return try body(log, &s.undo)
        }
    }
}

/// A ``MemoryTransaction``'s read-only view of its store's rate-limit state.
struct MemoryRateLimitReader: RateLimitReader {
    let transaction: MemoryTransaction

    func state(of key: RateLimitKey, now: RateLimitInstant) async throws(WAError) -> RateLimitState? {
        try await transaction.rateLimitState(of: key, now: now)
    }
}
