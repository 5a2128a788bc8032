import Foundation

/// Campaigns: a template sent from one instance to an audience, on a schedule, paced within the instance's limits.
///
/// **Lifecycle** (``CampaignLifecycle``): ``create(name:instance:template:audience:schedule:by:)`` makes a
/// `draft`; ``update(_:name:template:audience:schedule:by:)`` changes it (a `scheduled` campaign only its name and
/// schedule); ``start(_:by:)`` resolves the audience *now* into a fixed recipient list and moves it to `scheduled`
/// (start time ahead) or `running`; ``pause(_:by:)``, ``resume(_:by:)`` and ``cancel(_:by:)`` steer it; the
/// ``CampaignWaveWorker`` completes it when every recipient was handled and none of its messages waits any more.
///
/// **Durable recipients.** Starting writes, in one transaction with the status change and an audit event, one
/// `campaign.wave` job per batch of ``CampaignPacing/batchSize`` recipients (unique key `<campaign>/<batch>`,
/// carrying the contact ids and the template as it was at start) and one `campaign.finish` job (unique key
/// `<campaign>`). There is no recipient table: the wave payloads are the list.
///
/// **Sending** is the ``MessagingService``'s path: each recipient's message is created by
/// ``MessagingService/send(_:by:)`` as the system principal with the idempotency key
/// `campaign:<campaign id>:<contact id>`, then tagged with the campaign id; the ``MessageDispatcher`` sends it.
///
/// **Permissions**: reading needs `campaigns:read`; creating, changing and deleting `campaigns:manage`; starting,
/// pausing, resuming and cancelling `campaigns:run` (checked on the campaign's instance). Another organization's
/// campaign is `not_found`. Every change writes an audit event (`campaign.created`, `campaign.updated`,
/// `campaign.deleted`, `campaign.started`, `campaign.paused`, `campaign.resumed`, `campaign.cancelled`, and, by
/// the system, `campaign.running`, `campaign.completed`, `campaign.failed`).
///
/// **Webhooks**: `campaign.progress` whenever the counters or the status move (start, pause, resume, cancel, each
/// wave step), `campaign.completed` with the final ``CampaignReport``.
public struct CampaignService: Sendable {
    /// The queue of campaign waves (one job per batch of recipients).
    public static let waveQueue = "campaign.wave"
    /// The queue of the one job per campaign that completes it.
    public static let finishQueue = "campaign.finish"
    /// The longest campaign name.
    public static let maximumNameLength = 100
    /// The most recipients an explicit list or a bulk send may name.
    public static let maximumListedRecipients = 100_000

    let env: ServiceEnvironment
    let webhooks: (any WebhookPublisher)?
    /// How waves feed the message queue.
    public let pacing: CampaignPacing
    let resolver: CampaignAudienceResolver

    /// A service over `environment`; `webhooks` receives `campaign.*` events; `engagement` defines segment
    /// audiences. Replies in reports are those the ``MessageEventHandler`` marked (its ``ReplyAttribution``).
    ///
    /// Uses the environment's store, clock, identifier generator and access policy.
    public init(
        environment: ServiceEnvironment, webhooks: (any WebhookPublisher)? = nil, pacing: CampaignPacing = .init(),
        engagement: EngagementPolicy = .init()
    ) {
        self.env = environment
        self.webhooks = webhooks
        self.pacing = pacing
        self.resolver = CampaignAudienceResolver(engagement: engagement)
    }

    // MARK: Drafts

    /// Creates a draft. The instance and the template must exist, the template may use only the built-in
    /// variables (``CampaignVariables``: otherwise `template_variable_missing`), tags are lower-cased, a segment
    /// must be a known ``EngagementSegment`` other than `opted_out`, listed contacts must exist, and the schedule
    /// must be valid (``CampaignSendWindow``).
    public func create(
        name: String, instance: InstanceID, template: TemplateID, audience: Campaign.Audience,
        schedule: Campaign.Schedule = Campaign.Schedule(), by principal: Principal
    ) async throws -> Campaign {
        let org = principal.organizationID
        try env.policy.require(principal, .campaignsManage, on: .instance(instance, in: org))
        let name = try Self.validName(name)
        let audience = try Self.validAudience(audience)
        try CampaignSendWindow.validate(schedule)
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            _ = try await Self.instance(instance, tx, org)
            let stored = try await Self.template(template, tx, org)
            try CampaignVariables.requireCovered(stored)
            try await Self.requireListedContacts(audience, tx, org)
            let campaign = try await tx.campaigns.insert(
                Campaign(
                    id: env.ids.make(), organizationID: org, instanceID: instance, name: name, templateID: template,
                    audience: audience, schedule: schedule, createdBy: principal.memberID, createdAt: now))
            _ = try await tx.auditEvents.insert(
                audit("campaign.created", campaign, by: principal, ["instance": instance.description]))
            return campaign
        }
    }

    /// Changes a draft (any field) or a scheduled campaign (name and schedule only: its recipients and template
    /// were fixed at start; other changes are `campaign_invalid_state`). `nil` leaves a field as it is. A new
    /// schedule of a scheduled campaign moves its waiting waves to the new start.
    public func update(
        _ id: CampaignID, name: String? = nil, template: TemplateID? = nil, audience: Campaign.Audience? = nil,
        schedule: Campaign.Schedule? = nil, by principal: Principal
    ) async throws -> Campaign {
        let org = principal.organizationID
        let newName = try name.map(Self.validName)
        let newAudience = try audience.map(Self.validAudience)
        if let schedule { try CampaignSendWindow.validate(schedule) }
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var campaign = try await tx.campaigns.get(id, in: org)
            try env.policy.require(principal, .campaignsManage, on: .instance(campaign.instanceID, in: org))
            switch campaign.status {
            case .draft:
                break
            case .scheduled where template == nil && newAudience == nil:
                break
            case .scheduled:
                throw WAError(
                    .campaignInvalidState, "a scheduled campaign's template and audience are fixed; cancel it and create another",
                    field: template != nil ? "template_id" : "audience")
            default:
                throw WAError(.campaignInvalidState, "a \(campaign.status.rawValue) campaign cannot be changed", field: "status")
            }
            var changed: [String] = []
            if let newName { campaign.name = newName; changed.append("name") }
            if let template {
                try CampaignVariables.requireCovered(try await Self.template(template, tx, org))
                campaign.templateID = template
                changed.append("template")
            }
            if let newAudience {
                try await Self.requireListedContacts(newAudience, tx, org)
                campaign.audience = newAudience
                changed.append("audience")
            }
            if let schedule {
                campaign.schedule = schedule
                changed.append("schedule")
                if campaign.status == .scheduled {
                    let window = try CampaignSendWindow(schedule)
                    try await rescheduleWaves(of: campaign, to: window.nextSendTime(atOrAfter: now), tx, onlyLater: false)
                }
            }
            campaign.updatedAt = now
            let stored = try await tx.campaigns.update(campaign)
            _ = try await tx.auditEvents.insert(
                audit("campaign.updated", stored, by: principal, ["fields": changed.joined(separator: ",")]))
            return stored
        }
    }

    /// Deletes a campaign that is not under way (draft, completed, cancelled or failed). Its messages stay.
    public func delete(_ id: CampaignID, by principal: Principal) async throws {
        let org = principal.organizationID
        try await env.transaction(by: principal) { tx in
            let campaign = try await tx.campaigns.get(id, in: org)
            try env.policy.require(principal, .campaignsManage, on: .instance(campaign.instanceID, in: org))
            guard !CampaignLifecycle.isActive(campaign.status) else {
                throw WAError(
                    .campaignInvalidState, "a \(campaign.status.rawValue) campaign cannot be deleted; cancel it first",
                    field: "status")
            }
            try await tx.campaigns.delete(id, in: org)
            _ = try await tx.auditEvents.insert(audit("campaign.deleted", campaign, by: principal))
        }
    }

    /// One campaign. An agent reads only campaigns that send from an instance assigned to them
    /// (`permission_denied` otherwise, as ``AnalyticsService/campaignReport(_:by:)``): a campaign carries its figures.
    public func get(_ id: CampaignID, by principal: Principal) async throws -> Campaign {
        let org = principal.organizationID
        try env.policy.require(principal, .campaignsRead, on: .organization(org))
        return try await env.transaction(by: principal) { tx in
            try await readable(id, by: principal, tx)
        }
    }

    /// Campaigns matching `filter`, newest first by default; for an agent, only those of their assigned instances.
    public func list(by principal: Principal, where filter: Campaign.Filter = .init(), page: PageRequest = .first)
        async throws -> Page<Campaign>
    {
        let org = principal.organizationID
        try env.policy.require(principal, .campaignsRead, on: .organization(org))
        var filter = filter
        filter.instanceIDs = env.policy.instanceRestriction(for: principal)
        return try await env.transaction(by: principal) { [filter] in
            try await $0.campaigns.list(in: org, where: filter, page: page)
        }
    }

    // MARK: Running

    /// Starts a draft: resolves its audience now into a fixed list (opted-out contacts and contacts without a
    /// number or JID are counted as skipped; listed contacts deleted since are skipped too), and writes the wave
    /// jobs, the finish job, the new status (`scheduled` before the start time, else `running`) and an audit
    /// event in one transaction. `campaign_audience_empty` when nobody can be messaged;
    /// `template_variable_missing` when the template changed to use a variable campaigns cannot fill.
    public func start(_ id: CampaignID, by principal: Principal) async throws -> Campaign {
        let org = principal.organizationID
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var campaign = try await tx.campaigns.get(id, in: org)
            try env.policy.require(principal, .campaignsRun, on: .instance(campaign.instanceID, in: org))
            let window = try CampaignSendWindow(campaign.schedule)
            try campaign.apply(.start(immediately: (campaign.schedule.startAt ?? now) <= now))
            let template = try await Self.template(campaign.templateID, tx, org)
            try CampaignVariables.requireCovered(template)
            _ = try await Self.instance(campaign.instanceID, tx, org)
            let (contacts, missing) = try await resolver.resolve(campaign.audience, in: org, tx, now: now)
            let recipients = contacts.filter(Self.isReachable).map { CampaignRecipient(contact: $0.id) }
            return try await launch(
                &campaign, template: template, recipients: recipients, total: contacts.count + missing,
                window: window, now: now, tx, by: principal)
        }
    }

    /// Pauses a scheduled or running campaign: waves create no new messages until it is resumed (messages already
    /// queued — at most ``CampaignPacing/maxInFlight`` — are still sent).
    public func pause(_ id: CampaignID, by principal: Principal) async throws -> Campaign {
        try await steer(id, .pause, "campaign.paused", by: principal) { _, _, _ in }
    }

    /// Resumes a paused campaign (`running`, or `scheduled` when its start time is still ahead); its waiting waves
    /// are moved up so that sending continues right away.
    public func resume(_ id: CampaignID, by principal: Principal) async throws -> Campaign {
        let now = env.clock.now()
        return try await steer(id, nil, "campaign.resumed", by: principal) { campaign, tx, _ in
            let window = try CampaignSendWindow(campaign.schedule)
            try await rescheduleWaves(of: campaign, to: window.nextSendTime(atOrAfter: now), tx, onlyLater: true)
        }
    }

    /// Cancels a campaign that has not finished. No new messages are created: waiting waves are cancelled, a wave
    /// in progress stops before its next recipient. Messages already queued are left alone and still sent
    /// (at most ``CampaignPacing/maxInFlight``); the counters are final once they are out.
    public func cancel(_ id: CampaignID, by principal: Principal) async throws -> Campaign {
        let now = env.clock.now()
        return try await steer(id, .cancel, "campaign.cancelled", by: principal) { campaign, tx, org in
            for var job in try await CampaignMetrics.all(
                tx.jobs, in: org, where: CampaignMetrics.waves(of: campaign.id, state: .available))
            {
                job.state = .cancelled
                job.finishedAt = now
                _ = try await tx.jobs.update(job)
            }
            let measurement = try await CampaignMetrics.measure(campaign, tx)
            campaign.progress = measurement.progress
            try await rescheduleFinish(of: campaign, to: now, tx)
        }
    }

    /// The campaign's counters now:
    /// - `total`: everyone the audience resolved to at start (including skipped);
    /// - `skipped`: not messaged on purpose (opted out, no number, deleted — at start or when their turn came);
    /// - `queued`: messages created and not yet sent (queued or pending);
    /// - `sent` / `delivered` / `read`: messages that reached at least that status;
    /// - `failed`: messages that failed, plus recipients whose message could not be created;
    /// - `replied`: as of the last ``report(_:by:)`` (replies are attributed when a report is made).
    ///
    /// An agent gets the progress only of a campaign that sends from an instance assigned to them.
    public func progress(_ id: CampaignID, by principal: Principal) async throws -> Campaign.Progress {
        let org = principal.organizationID
        try env.policy.require(principal, .campaignsRead, on: .organization(org))
        return try await env.transaction(by: principal) { tx in
            try await CampaignMetrics.measure(try await readable(id, by: principal, tx), tx).progress
        }
    }

    /// The campaign's report now (counters with replies, funnel, first and last send). An agent gets the report
    /// only of a campaign that sends from an instance assigned to them.
    public func report(_ id: CampaignID, by principal: Principal) async throws -> CampaignReport {
        let org = principal.organizationID
        try env.policy.require(principal, .campaignsRead, on: .organization(org))
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            try await CampaignMetrics.report(
                of: try await readable(id, by: principal, tx), in: tx, now: now)
        }
    }

    /// The campaign, if the principal may see its figures: everyone with `campaigns:read`, except that an agent
    /// sees only the campaigns of instances assigned to them (the rule of ``AnalyticsService``).
    private func readable(_ id: CampaignID, by principal: Principal, _ tx: any StoreTransaction) async throws
        -> Campaign
    {
        let campaign = try await tx.campaigns.get(id, in: principal.organizationID)
        if let restriction = env.policy.instanceRestriction(for: principal), !restriction.contains(campaign.instanceID) {
            throw WAError(.permissionDenied, "the campaign's instance is not assigned to you")
        }
        return campaign
    }

    // MARK: Bulk send

    /// Sends one message to a list of recipients as a one-shot campaign, created and started at once (named
    /// `Bulk send <timestamp>`; audience: the recipients' contacts).
    ///
    /// Phone numbers are matched to contacts, and a contact is created for a number that has none. Recipients
    /// are de-duplicated (the first occurrence wins); opted-out contacts are skipped. Each recipient's variables
    /// must cover the template's non-built-in variables (`template_variable_missing`, naming the recipient).
    /// Literal text is stored as a template first. Needs `campaigns:manage` and `campaigns:run`, plus
    /// `templates:manage` for text and `contacts:manage` for phone numbers.
    public func bulkSend(
        instance: InstanceID, content: BulkContent, to recipients: [BulkRecipient],
        schedule: Campaign.Schedule = Campaign.Schedule(), by principal: Principal
    ) async throws -> Campaign {
        let org = principal.organizationID
        try env.policy.require(principal, .campaignsManage, on: .instance(instance, in: org))
        try env.policy.require(principal, .campaignsRun, on: .instance(instance, in: org))
        if case .text = content { try env.policy.require(principal, .templatesManage, on: .organization(org)) }
        if recipients.contains(where: { if case .phone = $0.target { true } else { false } }) {
            try env.policy.require(principal, .contactsManage, on: .organization(org))
        }
        guard (1...Self.maximumListedRecipients).contains(recipients.count) else {
            throw WAError.invalid("recipients", "a bulk send has 1–\(Self.maximumListedRecipients) recipients")
        }
        let window = try CampaignSendWindow(schedule)
        let text: String?
        if case .text(let body) = content { text = try TemplateService.validBody(body) } else { text = nil }
        let now = env.clock.now()
        // Run again if a new recipient's contact is created concurrently (``Repository/insertMissing(_:)``).
        return try await env.transaction(by: principal, retryingConflicts: 3) { tx in
            _ = try await Self.instance(instance, tx, org)
            let campaignID: CampaignID = env.ids.make()
            let template: Template
            switch content {
            case .template(let id):
                template = try await Self.template(id, tx, org)
            case .text:
                template = try await tx.templates.insert(
                    Template(
                        id: env.ids.make(), organizationID: org, name: "Bulk send \(campaignID)", body: text ?? "",
                        createdAt: now))
                _ = try await tx.auditEvents.insert(
                    env.auditEvent(
                        "template.created", by: principal.auditActor, in: org, resourceType: "template",
                        resourceID: template.id.description, metadata: ["name": template.name]))
            }
            for (index, recipient) in recipients.enumerated() {
                let missing = CampaignVariables.missing(in: template, provided: Set(recipient.variables.keys))
                guard missing.isEmpty else {
                    throw WAError(
                        .templateVariableMissing, "missing template variables: \(missing.joined(separator: ", "))",
                        field: "recipients[\(index)].variables")
                }
            }
            var seen = Set<ContactID>()
            var contacts: [(Contact, [String: String])] = []
            var missing = 0
            for recipient in recipients {
                guard let contact = try await contact(for: recipient.target, tx, org, now, by: principal) else {
                    missing += 1
                    continue
                }
                if seen.insert(contact.id).inserted { contacts.append((contact, recipient.variables)) }
            }
            var campaign = try await tx.campaigns.insert(
                Campaign(
                    id: campaignID, organizationID: org, instanceID: instance,
                    name: "Bulk send \(RFC3339Timestamp.string(from: now))", templateID: template.id,
                    audience: .contacts(contacts.map(\.0.id)), schedule: schedule, createdBy: principal.memberID,
                    createdAt: now))
            _ = try await tx.auditEvents.insert(
                audit("campaign.created", campaign, by: principal, ["instance": instance.description, "bulk": "true"]))
            try campaign.apply(.start(immediately: (schedule.startAt ?? now) <= now))
            let reachable = contacts.filter { Self.isReachable($0.0) }.map {
                CampaignRecipient(contact: $0.0.id, variables: $0.1)
            }
            return try await launch(
                &campaign, template: template, recipients: reachable, total: contacts.count + missing,
                window: window, now: now, tx, by: principal)
        }
    }

    // MARK: Internals

    /// Writes the waves and the finish job of a campaign that was just started (its status already moved).
    private func launch(
        _ campaign: inout Campaign, template: Template, recipients: [CampaignRecipient],
        total: Int, window: CampaignSendWindow, now: Date, _ tx: any StoreTransaction, by principal: Principal
    ) async throws -> Campaign {
        let org = campaign.organizationID
        guard !recipients.isEmpty else {
            throw WAError(
                .campaignAudienceEmpty,
                "nobody in the audience can be messaged (\(total) resolved, all opted out, without a number or deleted)",
                field: "audience")
        }
        let firstSend = window.nextSendTime(atOrAfter: now)
        var batches = 0
        for start in stride(from: 0, to: recipients.count, by: pacing.batchSize) {
            let chunk = Array(recipients[start..<min(recipients.count, start + pacing.batchSize)])
            let payload = CampaignWavePayload(campaign: campaign.id, batch: batches, template: template, recipients: chunk)
            _ = try await tx.jobs.enqueue(
                Job(
                    id: env.ids.make(), organizationID: org, queue: Self.waveQueue, payload: Job.encodePayload(payload),
                    maxAttempts: 25, scheduledAt: firstSend, uniqueKey: "\(campaign.id)/\(batches)", createdAt: now))
            batches += 1
        }
        _ = try await tx.jobs.enqueue(
            Job(
                id: env.ids.make(), organizationID: org, queue: Self.finishQueue,
                payload: Job.encodePayload(CampaignFinishPayload(campaign: campaign.id)), maxAttempts: 25,
                priority: 1, scheduledAt: firstSend, uniqueKey: campaign.id.description, createdAt: now))
        campaign.progress = Campaign.Progress(total: total, skipped: total - recipients.count)
        campaign.recipients = Campaign.RecipientTally(listed: recipients.count)
        campaign.updatedAt = now
        let stored = try await tx.campaigns.update(campaign)
        _ = try await tx.auditEvents.insert(
            audit(
                "campaign.started", stored, by: principal,
                [
                    "recipients": String(recipients.count), "skipped": String(total - recipients.count),
                    "waves": String(batches), "status": campaign.status.rawValue,
                ]))
        try await publish(.campaignProgress, CampaignEventData.progress(stored), org, tx)
        return stored
    }

    /// A status change by a member: `event` (nil: resume, decided from the start time), `extra` work in the same
    /// transaction, an audit event and a `campaign.progress` event.
    private func steer(
        _ id: CampaignID, _ event: CampaignLifecycle.Event?, _ action: String, by principal: Principal,
        _ extra: (inout Campaign, any StoreTransaction, OrganizationID) async throws -> Void
    ) async throws -> Campaign {
        let org = principal.organizationID
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var campaign = try await tx.campaigns.get(id, in: org)
            try env.policy.require(principal, .campaignsRun, on: .instance(campaign.instanceID, in: org))
            let previous = campaign.status
            try campaign.apply(event ?? .resume(immediately: (campaign.schedule.startAt ?? now) <= now))
            try await extra(&campaign, tx, org)
            campaign.updatedAt = now
            let stored = try await tx.campaigns.update(campaign)
            _ = try await tx.auditEvents.insert(
                audit(action, stored, by: principal, ["from": previous.rawValue, "to": stored.status.rawValue]))
            try await publish(.campaignProgress, CampaignEventData.progress(stored), org, tx)
            return stored
        }
    }

    /// Moves the campaign's waiting waves to `date` (all of them, or only those waiting past it).
    private func rescheduleWaves(of campaign: Campaign, to date: Date, _ tx: any StoreTransaction, onlyLater: Bool)
        async throws
    {
        for var job in try await CampaignMetrics.all(
            tx.jobs, in: campaign.organizationID, where: CampaignMetrics.waves(of: campaign.id, state: .available))
        where !onlyLater || job.scheduledAt > date {
            job.scheduledAt = date
            _ = try await tx.jobs.update(job)
        }
        try await rescheduleFinish(of: campaign, to: date, tx)
    }

    private func rescheduleFinish(of campaign: Campaign, to date: Date, _ tx: any StoreTransaction) async throws {
        let jobs = try await CampaignMetrics.all(
            tx.jobs, in: campaign.organizationID,
            where: Job.Filter(queue: Self.finishQueue, state: .available, uniqueKeyPrefix: campaign.id.description))
        for var job in jobs where job.uniqueKey == campaign.id.description && job.scheduledAt > date {
            job.scheduledAt = date
            _ = try await tx.jobs.update(job)
        }
    }

    /// The contact of a bulk recipient (created for an unknown phone number), or nil for a missing contact id.
    private func contact(
        for target: BulkRecipient.Target, _ tx: any StoreTransaction, _ org: OrganizationID, _ now: Date,
        by principal: Principal
    ) async throws -> Contact? {
        switch target {
        case .contact(let id):
            return try await tx.contacts.find(id, in: org)
        case .phone(let phone):
            if let existing = try await tx.contacts.find(phone: phone, in: org) { return existing }
            let created = try await tx.contacts.insertMissing(
                Contact(id: env.ids.make(), organizationID: org, jid: phone.jid, phone: phone, createdAt: now))
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "contact.created", by: principal.auditActor, in: org, resourceType: "contact",
                    resourceID: created.id.description, metadata: ["source": "bulk_send"]))
            return created
        }
    }

    func publish(_ type: WebhookEventType, _ data: JSONValue, _ org: OrganizationID, _ tx: any StoreTransaction)
        async throws
    {
        guard let webhooks else { return }
        try await webhooks.publish(WebhookEvent(type: type, organizationID: org, data: data, ids: env.ids), in: tx)
    }

    func audit(
        _ action: String, _ campaign: Campaign, by principal: Principal, _ metadata: [String: String] = [:]
    ) -> AuditEvent {
        env.auditEvent(
            action, by: principal.auditActor, in: campaign.organizationID, resourceType: "campaign",
            resourceID: campaign.id.description, metadata: metadata)
    }

    /// Whether a contact can be messaged at all: not opted out, with a number or a JID.
    static func isReachable(_ contact: Contact) -> Bool {
        !contact.optedOut && (contact.jid ?? contact.phone?.jid ?? contact.lid) != nil
    }

    static func validName(_ name: String) throws(WAError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...maximumNameLength).contains(trimmed.count), !trimmed.contains(where: \.isNewline) else {
            throw WAError.invalid("name", "a campaign name is 1–\(maximumNameLength) characters on one line")
        }
        return trimmed
    }

    static func validAudience(_ audience: Campaign.Audience) throws(WAError) -> Campaign.Audience {
        switch audience {
        case .tags(let tags):
            let normalized = Set(tags.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            guard !normalized.isEmpty, !normalized.contains("") else {
                throw WAError.invalid("audience.tags", "a tag audience names at least one non-empty tag")
            }
            return .tags(normalized)
        case .segment(let name):
            return .segment(try CampaignAudienceResolver.segment(named: name).rawValue)
        case .contacts(let ids):
            guard (1...maximumListedRecipients).contains(ids.count) else {
                throw WAError.invalid("audience.contacts", "a contact list has 1–\(maximumListedRecipients) contacts")
            }
            var seen = Set<ContactID>()
            return .contacts(ids.filter { seen.insert($0).inserted })
        }
    }

    private static func requireListedContacts(_ audience: Campaign.Audience, _ tx: any StoreTransaction, _ org: OrganizationID)
        async throws
    {
        guard case .contacts(let ids) = audience else { return }
        for (index, id) in ids.enumerated() where try await tx.contacts.find(id, in: org) == nil {
            throw WAError.notFound("contact", field: "audience.contacts[\(index)]")
        }
    }

    static func instance(_ id: InstanceID, _ tx: any StoreTransaction, _ org: OrganizationID) async throws -> Instance {
        guard let instance = try await tx.instances.find(id, in: org) else {
            throw WAError.notFound("instance", field: "instance_id")
        }
        return instance
    }

    static func template(_ id: TemplateID, _ tx: any StoreTransaction, _ org: OrganizationID) async throws -> Template {
        guard let template = try await tx.templates.find(id, in: org) else {
            throw WAError.notFound("template", field: "template_id")
        }
        return template
    }
}
