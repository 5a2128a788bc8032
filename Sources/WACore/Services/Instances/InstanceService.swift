import Foundation

/// Instances (linked WhatsApp accounts): create, read, change and delete them, and control their sessions.
///
/// Lifecycle control (start, stop, logout, pairing codes) is delegated to the node's ``InstanceSupervisor``;
/// this service checks permissions and validates input first. Permissions: `instances:create`, `instances:read`,
/// `instances:update`, `instances:delete`, `instances:control` (start/stop) and `instances:link` (QR and pairing
/// codes, logout). All but `instances:create` are instance-scoped: agents act only on the instances assigned to
/// them, and lists show them only those. Every change writes an audit event in the transaction of the change.
public struct InstanceService: Sendable {
    private let env: ServiceEnvironment
    private let supervisor: InstanceSupervisor

    /// A service over `environment`, of which it uses the store, clock, identifier generator, access policy and rate-limit store.
    public init(environment: ServiceEnvironment, supervisor: InstanceSupervisor) {
        self.env = environment
        self.supervisor = supervisor
    }

    // MARK: Records

    /// Creates an instance (status `created`, not started), within the plan's instance limit.
    ///
    /// The fingerprint is generated for pairing generation 0 from the supervisor's
    /// ``InstanceSupervisor/Configuration/provisioning``; the proxy follows `proxyPolicy` (a fixed proxy must exist
    /// in the organization; a pool proxy is chosen now when one is usable, otherwise at the first start).
    ///
    /// - Parameter name: 1–63 characters `a-z`, `0-9`, `-`, `_`, starting with a letter or digit (upper case is
    ///   folded); unique within the organization (`already_exists`, field `name`).
    public func create(
        name: String, proxyPolicy: ProxyPolicy = .none, rateLimits: InstanceRateLimits? = nil,
        warmUp: WarmUpCurve? = nil, by principal: Principal
    ) async throws -> Instance {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesCreate, on: .organization(org))
        let name = try Self.validName(name)
        if let rateLimits { try Self.validate(rateLimits) }
        try warmUp?.validate()
        let now = env.clock.now()
        var instance = Instance(
            id: env.ids.make(), organizationID: org, name: name, proxyPolicy: proxyPolicy, rateLimits: rateLimits,
            createdAt: now)
        instance.warmUp = warmUp
        instance.fingerprint = try supervisor.configuration.provisioning.fingerprint(for: instance)
        return try await env.transaction(by: principal) { tx in
            // Locked: two creations cannot both count below the limit, then both insert.
            let organization = try await tx.organizations.getForUpdate(org, in: org)
            let count = try await tx.instances.count(in: org, where: .init())
            guard count < organization.limits.instances else {
                throw WAError(
                    .planLimitReached,
                    "the \(organization.plan.rawValue) plan allows \(organization.limits.instances) instances")
            }
            if case .fixed(let id) = proxyPolicy { _ = try await requireProxy(id, tx, org) }
            _ = try await supervisor.assignProxy(&instance, tx, trigger: .sessionStart, required: false, now: now)
            let stored = try await tx.instances.insert(instance)
            _ = try await tx.auditEvents.insert(
                audit("instance.created", stored.id, principal, ["name": name, "proxy_policy": Self.describe(proxyPolicy)]))
            return stored
        }
    }

    public func get(_ id: InstanceID, by principal: Principal) async throws -> Instance {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesRead, on: .instance(id, in: org))
        return try await env.transaction(by: principal) { try await $0.instances.get(id, in: org) }
    }

    /// The organization's instances; agents see only those assigned to them.
    public func list(by principal: Principal, where filter: Instance.Filter = .init(), page: PageRequest = .first)
        async throws -> Page<Instance>
    {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesRead, on: .organization(org))
        var filter = filter
        if let allowed = env.policy.instanceRestriction(for: principal) {
            filter.ids = filter.ids.map { $0.intersection(allowed) } ?? allowed
        }
        return try await env.transaction(by: principal) { [filter] tx in
            try await tx.instances.list(in: org, where: filter, page: page)
        }
    }

    /// Renames the instance and changes its settings (nil leaves a setting as it is; `rateLimits: .some(nil)`
    /// and `warmUp: .some(nil)` return to the plan's defaults). A new proxy policy takes effect when the next session is made (the next
    /// start or reconnect); a running session keeps its connection. A new `callPolicy` applies to the next call.
    public func update(
        _ id: InstanceID, name: String? = nil, proxyPolicy: ProxyPolicy? = nil,
        rateLimits: InstanceRateLimits?? = nil, warmUp: WarmUpCurve?? = nil, callPolicy: CallPolicy? = nil,
        by principal: Principal
    ) async throws -> Instance {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesUpdate, on: .instance(id, in: org))
        let newName = try name.map(Self.validName)
        if case .some(.some(let limits)) = rateLimits { try Self.validate(limits) }
        if case .some(.some(let curve)) = warmUp { try curve.validate() }
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var instance = try await tx.instances.get(id, in: org)
            var changed: [String: String] = [:]
            if let newName, newName != instance.name {
                changed["name"] = newName
                instance.name = newName
            }
            if let proxyPolicy, proxyPolicy != instance.proxyPolicy {
                if case .fixed(let proxy) = proxyPolicy { _ = try await requireProxy(proxy, tx, org) }
                instance.proxyPolicy = proxyPolicy
                _ = try await supervisor.assignProxy(&instance, tx, trigger: .sessionStart, required: false, now: now)
                changed["proxy_policy"] = Self.describe(proxyPolicy)
            }
            if let rateLimits, rateLimits != instance.rateLimits {
                instance.rateLimits = rateLimits
                changed["rate_limits"] = rateLimits.map { "\($0.perMinute)/\($0.perHour)/\($0.perDay)" } ?? "plan"
            }
            if let warmUp, warmUp != instance.warmUp {
                instance.warmUp = warmUp
                changed["warm_up"] = warmUp.map { "\(Int(($0.initialFraction * 100).rounded())) % for \($0.rampDays) days, \($0.shape.rawValue)" } ?? "plan"
            }
            if let callPolicy, callPolicy != (instance.callPolicy ?? .ignore) {
                instance.callPolicy = callPolicy
                changed["call_policy"] = callPolicy.rawValue
            }
            guard !changed.isEmpty else { return instance }
            instance.updatedAt = now
            let stored = try await tx.instances.update(instance)
            _ = try await tx.auditEvents.insert(audit("instance.updated", id, principal, changed))
            return stored
        }
    }

    /// Gives the instance opt-out settings of its own (``OptOutSettings``, replacing the organization's as a whole:
    /// another language's keywords and confirmation, or `isEnabled: false` for this number only), or, with `nil`,
    /// returns it to the organization's. Needs `instances:update` on the instance; invalid settings are
    /// `invalid_argument`. Audited as `instance.updated` (`opt_out`: `organization`, `custom` or `disabled`).
    public func setOptOutSettings(_ settings: OptOutSettings?, for id: InstanceID, by principal: Principal)
        async throws -> Instance
    {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesUpdate, on: .instance(id, in: org))
        let settings = try settings?.validated()
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var instance = try await tx.instances.get(id, in: org)
            guard instance.optOut != settings else { return instance }
            instance.optOut = settings
            instance.updatedAt = now
            let stored = try await tx.instances.update(instance)
            let summary = settings.map { $0.isEnabled ? "custom" : "disabled" } ?? "organization"
            _ = try await tx.auditEvents.insert(audit("instance.updated", id, principal, ["opt_out": summary]))
            return stored
        }
    }

    /// Deletes the instance: stops it first if it runs on this node, then removes it (with its sealed archive and
    /// desired state) and its lease in one transaction. (A node running it elsewhere finds it gone at its next
    /// lease renewal and drops the session.)
    public func delete(_ id: InstanceID, by principal: Principal) async throws {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesDelete, on: .instance(id, in: org))
        _ = try await env.transaction(by: principal) { try await $0.instances.get(id, in: org) }
        try await supervisor.stopForDeletion(id, in: org)
        try await env.transaction(by: principal) { tx in
            let instance = try await tx.instances.get(id, in: org)
            try await tx.instances.delete(id, in: org)
            try await tx.sessionArchives.remove(of: id, in: org)
            try await tx.riskMonitors.deleteIfPresent(id.retyped(), in: org)
            try await tx.leases.deleteIfPresent(id.retyped(), in: org)
            _ = try await tx.auditEvents.insert(audit("instance.deleted", id, principal, ["name": instance.name]))
        }
    }

    // MARK: Status and linking

    /// The instance with where it runs and, for principals allowed to link it, the code it shows right now.
    public func status(_ id: InstanceID, by principal: Principal) async throws -> InstanceStatusReport {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesRead, on: .instance(id, in: org))
        let now = env.clock.now()
        let (instance, owner, organization) = try await env.transaction(by: principal) {
            tx -> (Instance, String?, Organization) in
            let instance = try await tx.instances.get(id, in: org)
            let lease = try await tx.leases.find(id.retyped(), in: org)
            return (
                instance, lease.flatMap { $0.expiresAt > now ? $0.owner : nil },
                try await tx.organizations.get(org, in: org)
            )
        }
        let mayLink = env.policy.decide(principal, .instancesLink, on: .instance(id, in: org)).isAllowed
        return InstanceStatusReport(
            instance: instance, runningOn: owner, isRunningHere: supervisor.isRunning(id),
            linkCode: mayLink ? supervisor.linkCode(for: id) ?? instance.currentLinkCode(at: now) : nil,
            sendLimits: SendLimits(instance: instance, organization: organization, at: now))
    }

    /// The QR or pairing code the instance shows right now, while it is linking: from this node's supervisor when
    /// it runs the instance, otherwise as the running node stored it (``Instance/currentLinkCode(at:)``); `nil`
    /// when the instance is not waiting for a code.
    public func linkCode(_ id: InstanceID, by principal: Principal) async throws -> LinkCode? {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesLink, on: .instance(id, in: org))
        let instance = try await env.transaction(by: principal) { try await $0.instances.get(id, in: org) }
        return supervisor.linkCode(for: id) ?? instance.currentLinkCode(at: env.clock.now())
    }

    // MARK: Control

    /// Starts the instance on this node (see ``InstanceSupervisor/start(_:in:linkMethod:by:)``): a linked
    /// instance reconnects from its archive, an unlinked one starts showing QR codes.
    @discardableResult
    public func start(_ id: InstanceID, by principal: Principal) async throws -> Instance {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesControl, on: .instance(id, in: org))
        try await env.requireCurrent(principal)
        return try await supervisor.start(id, in: org, by: principal.auditActor)
    }

    /// Stops the instance, keeping its link (see ``InstanceSupervisor/stop(_:in:by:)``).
    @discardableResult
    public func stop(_ id: InstanceID, by principal: Principal) async throws -> Instance {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesControl, on: .instance(id, in: org))
        try await env.requireCurrent(principal)
        return try await supervisor.stop(id, in: org, by: principal.auditActor)
    }

    /// Stops the instance's session and starts it again on this node: ``stop(_:by:)`` then ``start(_:by:)``, with
    /// their audit events. A stopped instance just starts.
    @discardableResult
    public func restart(_ id: InstanceID, by principal: Principal) async throws -> Instance {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesControl, on: .instance(id, in: org))
        try await env.requireCurrent(principal)
        let instance = try await env.transaction(by: principal) { try await $0.instances.get(id, in: org) }
        if instance.desiredState == .running {
            _ = try await supervisor.stop(id, in: org, by: principal.auditActor)
        }
        return try await supervisor.start(id, in: org, by: principal.auditActor)
    }

    /// Unlinks the instance from WhatsApp (see ``InstanceSupervisor/logout(_:in:by:)``).
    @discardableResult
    public func logout(_ id: InstanceID, by principal: Principal) async throws -> Instance {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesLink, on: .instance(id, in: org))
        try await env.requireCurrent(principal)
        return try await supervisor.logout(id, in: org, by: principal.auditActor)
    }

    /// Starts linking with a pairing code for `phone` instead of QR codes (restarting the linking if the instance
    /// shows QR codes now). The code follows shortly: ``linkCode(_:by:)``, or the `instance.qr` webhook event
    /// with `data.pairing_code`.
    ///
    /// - Throws: `invalid_instance_state` when the instance is already linked (log it out first).
    @discardableResult
    public func requestPairingCode(_ id: InstanceID, phone: PhoneNumber, by principal: Principal) async throws
        -> Instance
    {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesLink, on: .instance(id, in: org))
        try await env.requireCurrent(principal)
        return try await supervisor.start(id, in: org, linkMethod: .pairingCode(phone), by: principal.auditActor)
    }

    // MARK: Internals

    private func requireProxy(_ id: ProxyServerID, _ tx: any StoreTransaction, _ org: OrganizationID) async throws
        -> ProxyServer
    {
        guard let proxy = try await tx.proxyServers.find(id, in: org) else {
            throw WAError(.notFound, "proxy \(id) not found", field: "proxy_policy")
        }
        return proxy
    }

    private func audit(_ action: String, _ id: InstanceID, _ principal: Principal, _ metadata: [String: String])
        -> AuditEvent
    {
        env.auditEvent(
            action, by: principal.auditActor, in: principal.organizationID, resourceType: "instance",
            resourceID: id.description, metadata: metadata)
    }

    private static func describe(_ policy: ProxyPolicy) -> String {
        switch policy {
        case .none: "none"
        case .pool: "pool"
        case .fixed(let id): "fixed:\(id)"
        }
    }

    /// Lower-cases and checks an instance name.
    static func validName(_ text: String) throws(WAError) -> String {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
        }
        guard (1...63).contains(name.count), allowed, let first = name.unicodeScalars.first,
            first != "-", first != "_"
        else {
            throw WAError.invalid(
                "name", "1–63 characters: letters, digits, '-' and '_', starting with a letter or digit")
        }
        return name
    }

    private static func validate(_ limits: InstanceRateLimits) throws(WAError) {
        guard limits.perMinute > 0, limits.perHour >= limits.perMinute, limits.perDay >= limits.perHour else {
            throw WAError.invalid("rate_limits", "limits must be positive and per_minute ≤ per_hour ≤ per_day")
        }
        guard limits.perDay <= InstanceRateLimits.maximum else {
            throw WAError.invalid("rate_limits", "limits must be at most \(InstanceRateLimits.maximum)")
        }
    }

    // MARK: Number lookups

    /// How many numbers one instance may look up: 30 a minute. Checking many numbers quickly is what spammers do
    /// and a known cause of bans.
    public static let lookupLimit = RateLimit.constant(count: 30, per: .seconds(60))

    /// The most numbers one ``checkNumbers(_:on:by:)`` takes: what ``lookupLimit`` allows in a minute.
    public static let maximumNumbersPerCheck = 30

    /// Asks WhatsApp, through the instance's ready session, whether `phone` is on WhatsApp; returns its JID (and LID
    /// when revealed), or `nil` when it is not. A stored contact with that number learns its JID and LID. Needs
    /// `messages:send` on the instance (the lookup acts through the account); limited by ``lookupLimit``, and
    /// refused while the risk monitor pauses the instance (`rate_limited` both). An instance that waits for a
    /// person (not started, stopped, not linked) is `invalid_instance_state`; one starting, reconnecting or run by
    /// another node is `session_not_ready`.
    public func lookUp(_ phone: PhoneNumber, on instance: InstanceID, by principal: Principal) async throws
        -> NumberLookup?
    {
        try await checkNumbers([phone], on: instance, by: principal)[0].lookup
    }

    /// One number of a ``checkNumbers(_:on:by:)`` and what WhatsApp said about it.
    public struct NumberCheck: Sendable, Hashable {
        public var phone: PhoneNumber
        /// The number's JID (and LID), or `nil` when it is not on WhatsApp.
        public var lookup: NumberLookup?

        public init(phone: PhoneNumber, lookup: NumberLookup?) {
            self.phone = phone
            self.lookup = lookup
        }
    }

    /// ``lookUp(_:on:by:)`` for up to ``maximumNumbersPerCheck`` numbers at once, in the order given (a number given
    /// twice is looked up once). Every number counts against ``lookupLimit``: a batch the limit cannot take whole is
    /// refused (`rate_limited`) before any number is looked up. Stored contacts with these numbers learn their JIDs
    /// and LIDs. An empty or too long list is `invalid_argument` (field `phones`).
    public func checkNumbers(_ phones: [PhoneNumber], on instance: InstanceID, by principal: Principal) async throws
        -> [NumberCheck]
    {
        let org = principal.organizationID
        try env.policy.require(principal, .messagesSend, on: .instance(instance, in: org))
        var unique: [PhoneNumber] = []
        for phone in phones where !unique.contains(phone) { unique.append(phone) }
        guard (1...Self.maximumNumbersPerCheck).contains(unique.count) else {
            throw WAError.invalid("phones", "give 1–\(Self.maximumNumbersPerCheck) numbers to check")
        }
        let stored = try await env.transaction(by: principal) { try await $0.instances.get(instance, in: org) }
        if let paused = stored.risk.pausedUntil, paused > env.clock.now() {
            throw WAError(
                .rateLimited, "the risk monitor paused the instance until \(paused); lookups wait too",
                field: "instance_id", retryAfter: .seconds(paused.timeIntervalSince(env.clock.now())))
        }
        guard let session = await supervisor.readySession(for: instance) else {
            throw stored.noReadySessionError(for: "looking up numbers")
        }
        let decision = try await env.rateLimits.throttle(
            .instanceLookups(instance), limit: Self.lookupLimit, quantity: unique.count,
            now: RateLimitInstant(env.clock.now()))
        if let limited = WAError.rateLimited(decision) { throw limited }
        var checks: [NumberCheck] = []
        for phone in unique {
            checks.append(NumberCheck(phone: phone, lookup: try await session.lookUp(phone)))
        }
        let found = checks.compactMap { check in check.lookup.map { (check.phone, $0) } }
        guard !found.isEmpty else { return checks }
        let now = env.clock.now()
        try await env.transaction(by: principal) { tx in
            for (phone, lookup) in found {
                guard var contact = try await tx.contacts.find(phone: phone, in: org) else { continue }
                guard contact.jid != lookup.jid || (lookup.lid != nil && contact.lid != lookup.lid) else { continue }
                contact.jid = lookup.jid
                if let lid = lookup.lid { contact.lid = lid }
                contact.updatedAt = now
                _ = try await tx.contacts.update(contact)
            }
        }
        return checks
    }
}
