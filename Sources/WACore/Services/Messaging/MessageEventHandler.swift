public import Foundation
import Logging

/// Turns what sessions report into stored facts: delivery and read receipts move messages forward (never
/// back), inbound messages are stored with their chat and contact (phone-number JID and LID kept together), and
/// each change publishes its webhook event in the same transaction.
///
/// An inbound opt-out keyword (``OptOutSettings``: `STOP` …) also opts its contact out in that transaction, queues
/// one confirmation and publishes `contact.opted_out`; such a message is not handed on to `onInbound` (automations)
/// and is not counted as a reply by the risk monitor.
///
/// The instance supervisor calls it for every session event, in order per instance.
public struct MessageEventHandler: SessionEventHandler {
    private let env: ServiceEnvironment
    private let webhooks: (any WebhookPublisher)?
    /// Called after an inbound message is stored (automations, risk signals); errors are the callee's to handle.
    /// Not called for opt-out keywords, nor for opt-in keywords that opted a contact back in: the gateway has
    /// answered those itself.
    private let onInbound: (@Sendable (Message, Contact) async -> Void)?
    /// Receives inbound messages (replies calm the monitor) and transient disconnects (flapping); the supervisor
    /// handles terminal disconnects itself.
    private let risk: RiskService?
    /// Which outbound message an inbound one answers: marked replied when the inbound message is stored.
    private let replyAttribution: ReplyAttribution
    /// Receipts for messages not found yet (see ``EarlyReceipts``).
    private let early = EarlyReceipts()
    /// When a receipt whose message is not found yet is tried again (then it is given up).
    static let earlyReceiptRetries: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30)]

    /// A service over `environment`, of which it uses the store, clock, identifier generator, media store and logger.
    /// An inbound message marks the outbound message it answers under `replyAttribution` (72 hours by default) as
    /// replied (``Message/StatusTimestamps/repliedAt``), which analytics count.
    public init(
        environment: ServiceEnvironment, webhooks: (any WebhookPublisher)? = nil, risk: RiskService? = nil,
        replyAttribution: ReplyAttribution = ReplyAttribution(),
        onInbound: (@Sendable (Message, Contact) async -> Void)? = nil
    ) {
        self.env = environment
        self.replyAttribution = replyAttribution
        self.webhooks = webhooks
        self.risk = risk
        self.onInbound = onInbound
    }

    public func handle(_ event: SessionEvent, from instance: Instance) async {
        do {
            switch event {
            case .messageStatus(let whatsappID, _, let status, let at):
                try await statusChanged(whatsappID, status, at, instance)
            case .messageReceived(let incoming):
                do {
                    try await receiveAndAct(incoming, instance)
                } catch {
                    env.logFailure(
                        "storing a received message (tried again)", error,
                        .instance(instance.id, in: instance.organizationID), level: .warning)
                    retryInbound(incoming, instance)
                }
            case .messageRevoked(let whatsappID, _):
                try await revoked(whatsappID, instance)
            case .messageEdited(let whatsappID, _, let body):
                try await edited(whatsappID, body: body, instance)
            case .reaction(let reaction):
                try await reacted(reaction, instance)
            case .disconnected(let reason) where reason.kind == .transient:
                try await risk?.record(.disconnected(reason), instance: instance.id, in: instance.organizationID)
            default:
                break  // lifecycle events belong to the supervisor; presence (typing) is not stored
            }
        } catch {
            // A failed write leaves the store unchanged. WhatsApp repeats receipts on reconnect; revokes and edits of
            // an unknown message are nothing to keep. (A received message is not repeated by WhatsApp Web: its
            // failures are retried above.)
            env.logFailure(
                "handling a session event (\(event.name))", error, .instance(instance.id, in: instance.organizationID),
                level: .error)
        }
    }

    /// Stores a received message and does what follows it (risk signal, automations).
    private func receiveAndAct(_ incoming: IncomingMessage, _ instance: Instance) async throws {
        if let received = try await receive(incoming, instance), !incoming.fromMe, let contact = received.contact {
            let message = received.message
            // "STOP" is not the kind of reply that shows people want the messages, and a group's chatter is no reply
            // to what the account sent people directly.
            let optingOut = received.optOut.map { $0.kind != .optedIn } ?? false
            if !optingOut, !message.chatJID.isGroup {
                // A failed risk write must not cost the automations their turn.
                await env.bestEffort("recording an inbound message for the risk monitor", .instance(instance.id, in: instance.organizationID)) {
                    _ = try await risk?.record(
                        .messageReceived(from: message.chatJID.description), instance: instance.id,
                        in: instance.organizationID)
                }
            }
            // A keyword the gateway answered is not also answered by automations.
            if received.optOut == nil { await onInbound?(message, contact) }
        }
    }

    /// When a received message whose write failed is tried again (then it is given up, logged as an error).
    static let inboundRetries: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30)]

    /// Tries to store a received message again after each of ``inboundRetries``: WhatsApp Web does not send a
    /// message again, so a write that failed (the database restarting, a conflict) must not drop it. A duplicate
    /// (stored meanwhile, or reported again by a session catching up) is recognised by its WhatsApp id.
    private func retryInbound(_ incoming: IncomingMessage, _ instance: Instance) {
        let clock = env.clock
        let metadata = Logger.Metadata.instance(instance.id, in: instance.organizationID)
        Task {
            for delay in Self.inboundRetries {
                do { try await clock.sleep(for: delay) } catch { return }
                do {
                    try await receiveAndAct(incoming, instance)
                    return
                } catch {
                    env.logFailure("storing a received message (tried again)", error, metadata, level: .warning)
                }
            }
            var lost = metadata
            lost["whatsapp_id"] = "\(incoming.whatsappID)"
            env.logger.error(
                "a received message could not be stored and was given up; a session that catches up from its chats' history reports it again at its next start",
                metadata: lost)
        }
    }

    /// Applies a receipt. Returns the updated message, or `nil` when the receipt is late or its message is not
    /// found yet.
    ///
    /// A receipt can arrive before its message is found (the dispatcher stores the WhatsApp id only after the send
    /// returns). Such receipts are kept and applied, in order, before the next receipt for the message, or by a
    /// retry moments later (1, 3, 7, 15, 31 and 61 s after the first one), so `delivered` is not lost to that race.
    @discardableResult
    public func statusChanged(_ whatsappID: String, _ status: MessageStatus, _ at: Date, _ instance: Instance)
        async throws -> Message?
    {
        let waiting = early.take(whatsappID: whatsappID, instance: instance.id)
        return try await apply(waiting + [EarlyReceipts.Receipt(status: status, at: at)], whatsappID, instance)
    }

    /// Applies `receipts` in order; when the message is not found (or a write fails), keeps the rest for a retry,
    /// scheduling one unless `retrying` (the retry task itself calls this).
    private func apply(
        _ receipts: [EarlyReceipts.Receipt], _ whatsappID: String, _ instance: Instance, retrying: Bool = false
    ) async throws -> Message? {
        var latest: Message?
        for (index, receipt) in receipts.enumerated() {
            let outcome: ReceiptOutcome
            do {
                outcome = try await applyOne(whatsappID, receipt.status, receipt.at, instance)
            } catch {
                // Keep what was not applied (in order) for the retry, then report the failure.
                keep(Array(receipts[index...]), whatsappID, instance, retrying: retrying)
                throw error
            }
            switch outcome {
            case .applied(let message): latest = message
            case .late: continue
            case .unknown:
                keep(Array(receipts[index...]), whatsappID, instance, retrying: retrying)
                return latest
            }
        }
        return latest
    }

    private enum ReceiptOutcome {
        case applied(Message)
        case late
        case unknown
    }

    private func applyOne(_ whatsappID: String, _ status: MessageStatus, _ at: Date, _ instance: Instance)
        async throws -> ReceiptOutcome
    {
        let org = instance.organizationID
        let outcome = try await env.store.transaction(.organization(org)) { tx -> ReceiptOutcome in
            guard var message = try await tx.messages.find(whatsappID: whatsappID, instance: instance.id, in: org)
            else { return .unknown }
            guard message.advance(to: status, at: at) else { return .late }
            let stored = try await tx.messages.update(message)
            if let webhooks {
                try await webhooks.publish(
                    WebhookEvent(
                        type: status == .failed ? .messageFailed : .messageStatusChanged, organizationID: org,
                        instanceID: instance.id, data: MessageEventData.json(stored), ids: env.ids),
                    in: tx)
            }
            return .applied(stored)
        }
        if case .applied(let message) = outcome, status == .failed, message.direction == .outbound {
            // WhatsApp refused a message after accepting it: a send failure for the risk monitor.
            await env.bestEffort("recording a refused message for the risk monitor", .instance(instance.id, in: org)) {
                _ = try await risk?.record(
                    .sendFailed(recipient: message.chatJID.description), instance: instance.id, in: org)
            }
        }
        return outcome
    }

    private func keep(_ receipts: [EarlyReceipts.Receipt], _ whatsappID: String, _ instance: Instance, retrying: Bool) {
        if early.keep(receipts, whatsappID: whatsappID, instance: instance.id), !retrying {
            retryLater(whatsappID, instance)
        }
    }

    /// Tries the kept receipts of one message again after each of ``earlyReceiptRetries``, then gives them up.
    private func retryLater(_ whatsappID: String, _ instance: Instance) {
        let clock = env.clock
        Task {
            for delay in Self.earlyReceiptRetries {
                do { try await clock.sleep(for: delay) } catch { return }
                let waiting = early.take(whatsappID: whatsappID, instance: instance.id)
                if waiting.isEmpty { return }  // applied by a later receipt meanwhile
                // What is still not applied goes back into `early` for the next round.
                await env.bestEffort("applying early receipts (kept for the next retry)", .instance(instance.id, in: instance.organizationID)) {
                    _ = try await apply(waiting, whatsappID, instance, retrying: true)
                }
                if !early.isWaiting(whatsappID: whatsappID, instance: instance.id) { return }
            }
            _ = early.take(whatsappID: whatsappID, instance: instance.id)  // given up
        }
    }

    /// Marks a message deleted for everyone (its text is kept) and publishes `message.revoked`. Returns the
    /// message, or `nil` when it is unknown or was revoked before.
    @discardableResult
    public func revoked(_ whatsappID: String, _ instance: Instance) async throws -> Message? {
        try await change(whatsappID, instance, publishing: .messageRevoked) { message, now in
            guard message.revokedAt == nil else { return false }
            message.revokedAt = now
            return true
        }
    }

    /// Replaces a message's text with its edited version and publishes `message.edited`. Returns the message, or
    /// `nil` when it is unknown, revoked, or already has that text.
    @discardableResult
    public func edited(_ whatsappID: String, body: String, _ instance: Instance) async throws -> Message? {
        try await change(whatsappID, instance, publishing: .messageEdited) { message, now in
            guard message.revokedAt == nil, message.body != body else { return false }
            message.body = body
            message.editedAt = now
            return true
        }
    }

    /// Puts a reaction on a stored message (or takes one off) and publishes `message.reaction`. Returns the message,
    /// or `nil` when it is unknown or the reaction changes nothing (the gateway's own reaction echoed back).
    @discardableResult
    public func reacted(_ reaction: MessageReaction, _ instance: Instance) async throws -> Message? {
        let kept = Message.Reaction(
            sender: reaction.sender, fromMe: reaction.fromMe, emoji: reaction.emoji, reactedAt: reaction.timestamp)
        return try await change(
            reaction.whatsappID, instance, publishing: .messageReaction, data: { MessageEventData.json($0, reaction: kept) }
        ) { message, _ in message.applyReaction(kept) }
    }

    private func change(
        _ whatsappID: String, _ instance: Instance, publishing type: WebhookEventType,
        data: @Sendable (Message) -> JSONValue = MessageEventData.json, _ apply: (inout Message, Date) -> Bool
    ) async throws -> Message? {
        let org = instance.organizationID
        let now = env.clock.now()
        return try await env.store.transaction(.organization(org)) { tx in
            let found = try await tx.messages.find(whatsappID: whatsappID, instance: instance.id, in: org)
            return try await MessageChange.record(
                found, publishing: type, data: data, in: tx, webhooks: webhooks, ids: env.ids, now: now, apply)
        }
    }

    /// Stores an inbound (or phone-sent) message with its chat and contact, and acts on an opt-out or opt-in keyword
    /// (``OptOutSettings``) in the same transaction. Returns `nil` for a duplicate; the contact returned is the other
    /// party (in a group, the message's author) as the message left it (opted out after `STOP`), `nil` for the
    /// account's own messages in a group.
    @discardableResult
    public func received(_ incoming: IncomingMessage, _ instance: Instance) async throws -> (Message, Contact?)? {
        try await receive(incoming, instance).map { ($0.message, $0.contact) }
    }

    /// A stored inbound message, and what its keyword did, if it was one.
    struct Received: Sendable {
        var message: Message
        var contact: Contact?
        var optOut: InboundOptOutOutcome?
    }

    func receive(_ incoming: IncomingMessage, _ instance: Instance) async throws -> Received? {
        let now = env.clock.now()
        return try await env.store.transaction(.organization(instance.organizationID), retryingConflicts: 3) {
            tx -> Received? in
            try await record(incoming, instance, tx, now)
        }
    }

    /// Stores the downloaded bytes of a received message's media and sets its ``Message/media``
    /// (`message.media_stored`): what a `message.media` job does after downloading them through the session. Returns
    /// the message, or `nil` when it is gone, or its media was stored or given up before.
    @discardableResult
    public func mediaDownloaded(_ bytes: [UInt8], for message: MessageID, _ instance: Instance) async throws -> Message? {
        try await InboundMedia(env: env, webhooks: webhooks).store(bytes, for: message, in: instance.organizationID)
    }

    private func record(
        _ incoming: IncomingMessage, _ instance: Instance, _ tx: any StoreTransaction, _ now: Date
    ) async throws -> Received? {
        let org = instance.organizationID
        if try await tx.messages.find(whatsappID: incoming.whatsappID, instance: instance.id, in: org) != nil {
            return nil
        }
        let inGroup = incoming.chat.isGroup
        // The account's own message in a group has no other party.
        let contact = inGroup && incoming.fromMe ? nil : try await upsertContact(for: incoming, in: tx, org, now)
        var chat = try await tx.chats.find(jid: incoming.chat, instance: instance.id, in: org)
        if chat == nil {
            // A group's name is its subject, not the name of whoever wrote first (GroupService fills it in).
            chat = try await tx.chats.insertMissing(
                Chat(
                    id: env.ids.make(), organizationID: org, instanceID: instance.id, jid: incoming.chat,
                    name: inGroup ? nil : incoming.pushName, contactID: incoming.chat.isUser ? contact?.id : nil,
                    createdAt: now))
        }
        if var current = chat {
            current.lastMessageAt = incoming.timestamp
            if !incoming.fromMe { current.unreadCount += 1 }
            current.updatedAt = now
            _ = try await tx.chats.update(current)
        }
        var message = Message(
            id: env.ids.make(), organizationID: org, instanceID: instance.id, chatJID: incoming.chat,
            contactID: contact?.id, direction: incoming.fromMe ? .outbound : .inbound, kind: incoming.kind,
            body: incoming.body, location: incoming.location,
            status: incoming.fromMe ? .sent : .delivered, whatsappID: incoming.whatsappID, createdAt: now)
        message.mediaDownload = incoming.media.map { Message.MediaDownload(media: $0) }
        if inGroup, !incoming.fromMe { message.author = incoming.sender.withoutDevice }
        message.timestamps.record(message.status, at: incoming.timestamp)
        // Racing a concurrent delivery of the same message: the run again finds it above and records nothing.
        let stored = try await tx.messages.insertMissing(message)
        if stored.mediaDownload != nil { try await InboundMedia.enqueueDownload(of: stored, in: tx, env, now: now) }
        if stored.direction == .inbound,
            var answered = try await tx.messages.replyCandidate(
                chat: stored.chatJID, instance: instance.id, arrival: stored.createdAt,
                window: replyAttribution.window, in: org)
        {
            answered.timestamps.repliedAt = stored.createdAt
            _ = try await tx.messages.update(answered)
        }
        if let webhooks {
            try await webhooks.publish(
                WebhookEvent(
                    type: incoming.fromMe ? .messageSent : .messageReceived, organizationID: org,
                    instanceID: instance.id, data: MessageEventData.json(stored), ids: env.ids),
                in: tx)
        }
        guard let contact else { return Received(message: stored, contact: nil, optOut: nil) }
        let optOut = try await InboundOptOut.apply(
            to: stored, from: contact, on: instance, in: tx, env, webhooks: webhooks, now: now)
        return Received(message: stored, contact: optOut?.contact ?? contact, optOut: optOut)
    }

    /// Finds the sender's contact by either JID (phone-number or LID) and fills in what this message reveals;
    /// creates the contact on first contact.
    private func upsertContact(
        for incoming: IncomingMessage, in tx: any StoreTransaction, _ org: OrganizationID, _ now: Date
    ) async throws -> Contact {
        let party = incoming.fromMe ? incoming.chat : incoming.sender
        let phoneJID = party.isLID ? incoming.senderPhoneJID : party.withoutDevice.webForm
        let lid = party.isLID ? party.withoutDevice : nil
        var found: Contact?
        for jid in [phoneJID, lid].compactMap({ $0 }) where found == nil {
            found = try await tx.contacts.find(jid: jid, in: org)
        }
        if found == nil, let phone = phoneJID?.phoneNumber {
            found = try await tx.contacts.find(phone: phone, in: org)
        }
        if var contact = found {
            var changed = false
            if contact.jid == nil, let phoneJID { contact.jid = phoneJID; changed = true }
            if contact.lid == nil, let lid, contact.jid != lid { contact.lid = lid; changed = true }
            if contact.phone == nil, let phone = phoneJID?.phoneNumber { contact.phone = phone; changed = true }
            if contact.name == nil, let name = incoming.pushName, !incoming.fromMe { contact.name = name; changed = true }
            if !incoming.fromMe { contact.lastInboundAt = incoming.timestamp; changed = true }
            guard changed else { return contact }
            contact.updatedAt = now
            return try await tx.contacts.update(contact)
        }
        return try await tx.contacts.insertMissing(
            Contact(
                id: env.ids.make(), organizationID: org, jid: phoneJID, lid: lid, phone: phoneJID?.phoneNumber,
                name: incoming.fromMe ? nil : incoming.pushName,
                lastInboundAt: incoming.fromMe ? nil : incoming.timestamp, createdAt: now))
    }
}
