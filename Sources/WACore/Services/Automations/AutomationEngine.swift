import Foundation

/// Runs the organization's automations for each inbound message.
///
/// Plug it into the message pipeline; it is called after each inbound message is stored:
/// ```swift
/// let engine = AutomationEngine(environment: env, webhooks: publisher)
/// let handler = MessageEventHandler(environment: env, webhooks: publisher, onInbound: engine.handleInbound)
/// ```
///
/// For a message it evaluates the organization's enabled automations that apply to the message's instance (its
/// own and the organization-wide ones), in creation order, and for each one:
///
/// 1. the trigger (``Automation/Trigger/matches(_:)``), against the message text, whether it is the contact's
///    first inbound message (the oldest stored inbound message of the contact is this one) and its arrival time
///    (``Message/createdAt``, taken from the environment's clock when it was stored);
/// 2. whether an earlier run already handled this message (re-processing changes nothing);
/// 3. the cool-down: an automation that ran for a contact at T runs for them again only for messages arriving
///    after T + ``Automation/cooldownSeconds`` (0 means no cool-down);
/// 4. for automations with a reply action, the loop protection (``AutomationLoopGuard``);
///
/// then runs its actions in order. Replies are queued through ``MessagingService/send(_:by:)`` as the gateway
/// (``Principal/system(_:)``) into the chat the message came from, with the idempotency key
/// ``AutomationReplyKey/make(automation:inbound:action:)``; then one transaction applies the tags and the assignment
/// to the contact, publishes the custom webhook events and writes the `automation.fired` audit event
/// (``AutomationRunRecord``). If the process stops between the two steps, handling the message again queues no
/// second reply (same key) and completes the rest once.
///
/// Only inbound messages in one-to-one chats are considered: outbound and phone-sent (`fromMe`) messages, groups,
/// broadcasts and channels never trigger automations. An action that cannot run (the contact opted out, the
/// template was deleted, the member was deactivated, the contact has 50 tags) is recorded in the run
/// (`failed_actions`) and the others still run.
public struct AutomationEngine: Sendable {
    private let env: ServiceEnvironment
    private let webhooks: (any WebhookPublisher)?
    private let messaging: MessagingService
    private let onError: (@Sendable (any Error) -> Void)?
    /// The loop protection in force.
    public let loopGuard: AutomationLoopGuard

    /// - Parameters:
    ///   - environment: what it uses of it: the store, clock and identifier generator.
    ///   - webhooks: Publishes the `automation.<name>` events; without it those actions do nothing.
    ///   - loopGuard: The loop protection rules.
    ///   - onError: Told about failures of ``handleInbound(_:from:)`` (storage errors); nothing was recorded for
    ///     the automation that failed, so handling the message again retries it.
    public init(
        environment: ServiceEnvironment, webhooks: (any WebhookPublisher)? = nil,
        loopGuard: AutomationLoopGuard = AutomationLoopGuard(), onError: (@Sendable (any Error) -> Void)? = nil
    ) {
        self.env = environment
        self.webhooks = webhooks
        self.messaging = MessagingService(environment: environment, webhooks: webhooks)
        self.loopGuard = loopGuard
        self.onError = onError
    }

    /// The ``MessageEventHandler`` callback: runs ``process(_:from:)`` and reports errors to `onError`.
    public func handleInbound(_ message: Message, from contact: Contact) async {
        do {
            _ = try await process(message, from: contact)
        } catch {
            if let onError {
                onError(error)
            } else {
                env.logFailure(
                    "running the automations for an inbound message", error,
                    .instance(message.instanceID, in: message.organizationID))
            }
        }
    }

    /// Evaluates and runs the automations for `message` from `contact`; returns one outcome per applicable
    /// enabled automation, in creation order (empty for messages automations never react to).
    @discardableResult
    public func process(_ message: Message, from contact: Contact) async throws -> [AutomationOutcome] {
        guard message.direction == .inbound, message.chatJID.isUser, message.organizationID == contact.organizationID,
            message.contactID == nil || message.contactID == contact.id
        else { return [] }
        let org = message.organizationID
        let plans = try await env.store.transaction(.organization(org)) { tx in
            try await evaluate(message, contact, in: tx)
        }
        var outcomes: [AutomationOutcome] = []
        for plan in plans {
            let decision: AutomationOutcome.Decision
            switch plan.decision {
            case .fire(let templates):
                decision = try await fire(plan.automation, templates, message, contact)
            case .suppressed(let reason):
                decision = try await suppress(plan.automation, reason, message, contact)
            case .settled(let settled):
                decision = settled
            }
            outcomes.append(AutomationOutcome(automationID: plan.automation.id, decision: decision))
        }
        return outcomes
    }

    // MARK: Evaluation

    private struct Plan: Sendable {
        enum Decision: Sendable {
            case settled(AutomationOutcome.Decision)
            case suppressed(AutomationLoopGuard.Reason)
            case fire(templates: [TemplateID: Template])
        }

        var automation: Automation
        var decision: Decision
    }

    private func evaluate(_ message: Message, _ contact: Contact, in tx: any StoreTransaction) async throws -> [Plan] {
        let org = message.organizationID
        let automations = try await applicableAutomations(for: message.instanceID, in: tx, org)
        guard !automations.isEmpty else { return [] }
        var isFirst = false
        if automations.contains(where: { $0.trigger == .firstMessageFromNewContact }) {
            let oldest = try await tx.messages.list(
                in: org, where: Message.Filter(contactID: contact.id, direction: .inbound),
                page: try PageRequest(limit: 1, order: .oldestFirst))
            isFirst = oldest.items.first?.id == message.id
        }
        let context = AutomationTriggerContext(
            body: message.body, isFirstInboundFromContact: isFirst, receivedAt: message.createdAt)
        // The loop protection's verdict is the same for every automation: read once, on first need.
        var loopChecked = false
        var loopRefusal: AutomationLoopGuard.Reason?
        var plans: [Plan] = []
        for automation in automations {
            guard automation.trigger.matches(context) else {
                plans.append(Plan(automation: automation, decision: .settled(.notTriggered)))
                continue
            }
            let resource = AutomationRunRecord.resourceID(automation: automation.id, contact: contact.id)
            if try await alreadyHandled(message, resource, in: tx) {
                plans.append(Plan(automation: automation, decision: .settled(.alreadyHandled)))
                continue
            }
            if automation.cooldownSeconds > 0 {
                let cooldown = TimeInterval(automation.cooldownSeconds)
                let latest = try await tx.auditEvents.list(
                    in: org,
                    where: AuditEvent.Filter(
                        action: AutomationRunRecord.fired, resourceID: resource,
                        since: message.createdAt.addingTimeInterval(-cooldown)),
                    page: try PageRequest(limit: 1, order: .newestFirst))
                if let last = latest.items.first {
                    plans.append(
                        Plan(
                            automation: automation,
                            decision: .settled(.coolingDown(until: last.occurredAt.addingTimeInterval(cooldown)))))
                    continue
                }
            }
            let templateIDs = automation.actions.compactMap { action -> TemplateID? in
                if case .replyWithTemplate(let id) = action { return id }
                return nil
            }
            if !templateIDs.isEmpty {
                if !loopChecked {
                    loopRefusal = try await loopVerdict(message, contact, in: tx)
                    loopChecked = true
                }
                if let reason = loopRefusal {
                    plans.append(Plan(automation: automation, decision: .suppressed(reason)))
                    continue
                }
            }
            var templates: [TemplateID: Template] = [:]
            for id in templateIDs where templates[id] == nil {
                templates[id] = try await tx.templates.find(id, in: org)
            }
            plans.append(Plan(automation: automation, decision: .fire(templates: templates)))
        }
        return plans
    }

    /// Enabled automations for the instance (its own and organization-wide), oldest first, every page.
    private func applicableAutomations(for instance: InstanceID, in tx: any StoreTransaction, _ org: OrganizationID)
        async throws -> [Automation]
    {
        var result: [Automation] = []
        var page = PageRequest.all
        while true {
            let batch = try await tx.automations.list(
                in: org, where: Automation.Filter(appliesTo: instance, isEnabled: true), page: page)
            result += batch.items
            guard let next = batch.nextCursor else { return result }
            page = try PageRequest(limit: PageRequest.maximumLimit, cursor: next)
        }
    }

    /// Whether a run (fired or suppressed) of this automation for this contact already handled `message`.
    private func alreadyHandled(_ message: Message, _ resource: String, in tx: any StoreTransaction) async throws
        -> Bool
    {
        let org = message.organizationID
        var page = try PageRequest(limit: PageRequest.maximumLimit, order: .newestFirst)
        while true {
            let runs = try await tx.auditEvents.list(
                in: org,
                where: AuditEvent.Filter(action: AutomationRunRecord.anyRun, resourceID: resource, since: message.createdAt),
                page: page)
            if runs.items.contains(where: { $0.metadata[AutomationRunRecord.messageKey] == message.id.description }) {
                return true
            }
            guard let next = runs.nextCursor else { return false }
            page = try PageRequest(limit: PageRequest.maximumLimit, cursor: next)
        }
    }

    /// The loop protection's verdict for `message`: reads the instance's latest outbound messages to the contact
    /// created before it.
    private func loopVerdict(_ message: Message, _ contact: Contact, in tx: any StoreTransaction) async throws
        -> AutomationLoopGuard.Reason?
    {
        let org = message.organizationID
        let recent = try await tx.messages.list(
            in: org,
            where: Message.Filter(
                instanceID: message.instanceID, contactID: contact.id, direction: .outbound,
                since: message.createdAt.subtracting(loopGuard.consecutiveWindow)),
            page: try PageRequest(limit: 50, order: .newestFirst))
        // Identifiers grow with creation, so "before the inbound message" is exact even within one instant.
        let earlier = recent.items.filter { $0.id < message.id }
        return loopGuard.refusal(receivedAt: message.createdAt, earlierOutbound: Array(earlier))
    }

    // MARK: Running

    private func fire(
        _ automation: Automation, _ templates: [TemplateID: Template], _ message: Message, _ contact: Contact
    ) async throws -> AutomationOutcome.Decision {
        let org = message.organizationID
        var replies: [MessageID] = []
        var failures: [AutomationActionFailure] = []
        // Replies first, each idempotent: a second run returns the message the first one queued.
        for (index, action) in automation.actions.enumerated() {
            guard case .replyWithTemplate(let templateID) = action else { continue }
            do {
                guard let template = templates[templateID] else {
                    throw WAError.notFound("template", field: "actions[\(index)].template_id")
                }
                let text = try template.render(AutomationTemplateVariables.values(for: template, contact: contact))
                let request = SendMessageRequest(
                    instanceID: message.instanceID, recipient: .jid(message.chatJID), content: .text(text),
                    idempotencyKey: AutomationReplyKey.make(automation: automation.id, inbound: message.id, action: index))
                replies.append(try await messaging.send(request, by: .system(org)).id)
            } catch let error as WAError where Self.isPermanent(error) {
                failures.append(AutomationActionFailure(index: index, code: error.code, message: error.message))
            }
        }
        let sentReplies = replies
        let replyFailures = failures
        let resource = AutomationRunRecord.resourceID(automation: automation.id, contact: contact.id)
        return try await env.store.transaction(.organization(org)) { tx -> AutomationOutcome.Decision in
            if try await alreadyHandled(message, resource, in: tx) { return .alreadyHandled }
            var failures = replyFailures
            var current = try await tx.contacts.find(contact.id, in: org)
            let originalTags = current?.tags
            for (index, action) in automation.actions.enumerated() {
                if case .emitWebhookEvent(let name) = action {
                    // A publishing failure aborts the run (nothing recorded) so that handling the message again
                    // publishes the event; only an invalid name is an action failure.
                    // The name is judged before anything is written, so that no failed store call is caught.
                    let type: WebhookEventType
                    do throws(WAError) {
                        type = try WebhookEventType.automation(name)
                    } catch {
                        failures.append(AutomationActionFailure(index: index, code: error.code, message: error.message))
                        continue
                    }
                    try await publish(type, automation, message, contact, in: tx)
                    continue
                }
                // Store reads happen outside the action's failure handling: a store failure aborts the run (the
                // transaction cannot go on), while a missing or inactive member is the action's own failure.
                let assignee: Member? =
                    if case .assignMember(let memberID) = action { try await tx.members.find(memberID, in: org) } else { nil }
                do throws(WAError) {
                    switch action {
                    case .replyWithTemplate, .emitWebhookEvent:
                        continue
                    case .tagContact(let tag):
                        guard var updated = current else { throw WAError.notFound("contact") }
                        updated.tags = try ContactService.validTags(updated.tags.union([tag]))
                        current = updated
                    case .assignMember(let memberID):
                        guard var updated = current else { throw WAError.notFound("contact") }
                        guard let member = assignee else { throw WAError.notFound("member") }
                        guard member.isActive else { throw WAError(.memberInactive, "the member is deactivated") }
                        updated.tags = try ContactService.validTags(
                            AutomationAssignment.assigning(memberID, in: updated.tags))
                        current = updated
                    }
                } catch {
                    failures.append(AutomationActionFailure(index: index, code: error.code, message: error.message))
                }
            }
            failures.sort { $0.index < $1.index }
            if var updated = current, updated.tags != originalTags {
                updated.updatedAt = env.clock.now()
                _ = try await tx.contacts.update(updated)
            }
            var metadata = runMetadata(automation, message, contact)
            if !sentReplies.isEmpty {
                metadata[AutomationRunRecord.repliesKey] = sentReplies.map(\.description).joined(separator: ",")
            }
            if !failures.isEmpty {
                metadata[AutomationRunRecord.failedActionsKey] =
                    failures.map { "\($0.index):\($0.code.rawValue)" }.joined(separator: ",")
            }
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    AutomationRunRecord.fired, by: .system, in: org, resourceType: AutomationRunRecord.resourceType,
                    resourceID: resource, metadata: metadata))
            return .fired(replies: sentReplies, failedActions: failures)
        }
    }

    private func suppress(
        _ automation: Automation, _ reason: AutomationLoopGuard.Reason, _ message: Message, _ contact: Contact
    ) async throws -> AutomationOutcome.Decision {
        let org = message.organizationID
        let resource = AutomationRunRecord.resourceID(automation: automation.id, contact: contact.id)
        return try await env.store.transaction(.organization(org)) { tx -> AutomationOutcome.Decision in
            if try await alreadyHandled(message, resource, in: tx) { return .alreadyHandled }
            var metadata = runMetadata(automation, message, contact)
            metadata[AutomationRunRecord.reasonKey] = reason.rawValue
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    AutomationRunRecord.suppressed, by: .system, in: org,
                    resourceType: AutomationRunRecord.resourceType, resourceID: resource, metadata: metadata))
            return .suppressed(reason)
        }
    }

    private func publish(
        _ type: WebhookEventType, _ automation: Automation, _ message: Message, _ contact: Contact,
        in tx: any StoreTransaction
    ) async throws {
        guard let webhooks else { return }
        let event = WebhookEvent(
            type: type, organizationID: message.organizationID, instanceID: message.instanceID,
            data: [
                "automation_id": .identifier(automation.id),
                "automation_name": .string(automation.name),
                "contact_id": .identifier(contact.id),
                "message": MessageEventData.json(message),
            ],
            ids: env.ids)
        try await webhooks.publish(event, in: tx)
    }

    private func runMetadata(_ automation: Automation, _ message: Message, _ contact: Contact) -> [String: String] {
        [
            AutomationRunRecord.automationKey: automation.id.description,
            AutomationRunRecord.contactKey: contact.id.description,
            AutomationRunRecord.messageKey: message.id.description,
            AutomationRunRecord.instanceKey: message.instanceID.description,
        ]
    }

    /// Send errors that retrying cannot fix: recorded as a failed action. Anything else (storage trouble) aborts
    /// the run unrecorded, so handling the message again retries it.
    private static func isPermanent(_ error: WAError) -> Bool {
        let permanent: Set<WAError.Code> = [
            .recipientOptedOut, .instanceUnavailable, .quotaExceeded, .invalidArgument, .notFound, .invalidJID,
            .templateVariableMissing, .templateVariableUnknown, .permissionDenied, .alreadyExists,
        ]
        return permanent.contains(error.code)
    }
}
