import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Messaging")
struct MessagingTests {
    @Test func aTextIsQueuedThenSentHumanShaped() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let start = h.clock.now()
        let queued = try await h.send("Hello Ada, your order shipped 📦", to: ada, key: "order-1")
        #expect(queued.status == .queued && queued.chatJID == ada.number.jid && queued.timestamps.queuedAt == start)
        #expect(try await h.jobs().map(\.queue) == [MessagingService.sendQueue])
        #expect(ada.inbox.isEmpty)

        try await h.dispatchAll()
        #expect(ada.inbox.map(\.body) == ["Hello Ada, your order shipped 📦"])
        let sent = try await h.waitFor(queued.id, "sent") { $0.status.rank! >= MessageStatus.sent.rank! }
        #expect(sent.whatsappID?.hasPrefix("true_") == true)
        #expect(sent.timestamps.pendingAt == start)
        // Typing took at least the planner's floor (1 s) in virtual time before the send.
        #expect(try #require(sent.timestamps.sentAt).timeIntervalSince(start) >= 1)
        #expect(try await h.jobs().map(\.state) == [.completed])
        #expect(try await h.auditActions().contains("message.queued"))
        #expect(h.webhooks.events.map(\.type).contains(.messageSent))
    }

    @Test func statusesOnlyMoveForwardToRead() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let queued = try await h.send("Hi", to: ada)
        try await h.dispatchAll()
        let delivered = try await h.waitFor(queued.id, "delivered") { $0.status == .delivered }
        #expect(delivered.status == .delivered)
        ada.read(chat: h.shop.number)
        let read = try await h.waitFor(queued.id, "read") { $0.status == .read }
        #expect(read.status == .read && read.timestamps.deliveredAt != nil && read.timestamps.readAt != nil)
        // A late "delivered" changes nothing.
        let late = try await h.handler.statusChanged(try #require(read.whatsappID), .delivered, h.clock.now(), h.instance)
        #expect(late == nil)
        #expect(try await h.message(queued.id).status == .read)
        let types = h.webhooks.events.map(\.type)
        #expect(types.filter { $0 == .messageStatusChanged }.count == 2)
    }

    @Test func idempotencyKeysReturnTheFirstMessage() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let first = try await h.send("Once", to: ada, key: "k-1")
        let again = try await h.send("Twice?", to: ada, key: "k-1")
        #expect(again.id == first.id && again.body == "Once")
        try await h.dispatchAll()
        #expect(ada.inbox.count == 1)
        #expect(try await h.jobs().count == 1)
    }

    /// Issue #9, item 6: idempotency keys are scoped per instance, so a key used on an instance the caller cannot
    /// see answers exactly like an unused one (and the same key on two instances means two sends).
    @Test func idempotencyKeysAreScopedPerInstance() async throws {
        let h = try await MessagingHarness()
        let org = h.organization.id
        let ada = try h.phone("1234567")
        let other = try await SimulatedShop.link(
            try PhoneNumber("+49 170 0000002"), name: "Other", instanceName: "other", in: org, env: h.env,
            network: h.network, directory: h.directory, handler: h.handler)
        defer { other.pump.cancel() }
        // The admin uses "k-1" on the other instance; an agent assigned only to the harness's instance uses it too.
        let elsewhere = try await h.messaging.send(
            .text("Elsewhere", to: ada.number, from: other.instance.id, idempotencyKey: "k-1"), by: .acting(as: h.admin))
        let agent = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.members.insert(
                Member(
                    id: h.env.ids.make(), organizationID: org, email: "agent@shop.example.com", displayName: "Agent",
                    role: .agent, assignedInstances: [h.instance.id], createdAt: h.clock.now()))
        }
        let used = try await h.send("Mine", to: ada, key: "k-1", by: .acting(as: agent))
        let unused = try await h.send("Mine too", to: ada, key: "k-2", by: .acting(as: agent))
        #expect(used.id != elsewhere.id && used.instanceID == h.instance.id && used.body == "Mine")
        #expect(unused.instanceID == h.instance.id)
        // Within one instance the key still returns the first message.
        #expect(try await h.send("Again?", to: ada, key: "k-1", by: .acting(as: agent)).id == used.id)
        #expect(
            try await h.messaging.send(
                .text("Again?", to: ada.number, from: other.instance.id, idempotencyKey: "k-1"), by: .acting(as: h.admin)
            ).id == elsewhere.id)
    }

    @Test func aCrashAfterTheSendDoesNotSendTwice() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        // The session delivers the message, then the worker "crashes" before recording it.
        h.directory.set(InterruptedAfterSend(base: h.session) { throw CancellationError() }, for: h.instance.id)
        let queued = try await h.send("Exactly once", to: ada)
        try await h.clock.run { _ = try await h.dispatcher.runOnce(worker: "w1") }
        #expect(ada.inbox.count == 1)
        #expect(try await h.message(queued.id).status == .pending)
        // A healthy worker retries after the backoff: the session recognises the client message id.
        h.directory.set(h.session, for: h.instance.id)
        h.clock.advance(by: .seconds(10))
        try await h.dispatchAll()
        #expect(ada.inbox.count == 1, "the retry did not reach the phone again")
        let sent = try await h.waitFor(queued.id, "sent") { $0.status.rank! >= MessageStatus.sent.rank! }
        #expect(sent.whatsappID != nil)
        #expect(try await h.jobs().first?.attempt == 2)
    }

    @Test func aWorkerCancelledWhileTypingHandsTheJobBack() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let queued = try await h.send("Patience", to: ada)
        let worker = Task { try await h.dispatcher.runOnce(worker: "w1") }
        try await h.clock.waitForSleepers(1)  // typing
        worker.cancel()
        _ = try? await worker.value
        #expect(ada.inbox.isEmpty)
        #expect(try await h.message(queued.id).status == .pending)
        // The job is back at once, not counted as a failed attempt, and the next worker sends it.
        let job = try #require(try await h.jobs().first)
        #expect(job.state == .available && job.scheduledAt == h.clock.now() && job.lastError == nil)
        try await h.dispatchAll()
        #expect(ada.inbox.count == 1)
        #expect(try await h.jobs().first?.state == .completed)
    }

    @Test func aWorkerCancelledAfterTheSendReachedWhatsAppDoesNotSendTwice() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        // The session hands the message to WhatsApp, then the worker's task is cancelled before it can record it.
        let clock = h.clock
        h.directory.set(InterruptedAfterSend(base: h.session) { try await clock.sleep(for: .seconds(60)) }, for: h.instance.id)
        let queued = try await h.send("Exactly once", to: ada)
        let worker = Task { try await h.dispatcher.runOnce(worker: "w1") }
        // Through typing and the pause, up to the send.
        try await h.clock.waitUntil("the message to reach Ada", advancing: true) { !ada.inbox.isEmpty }
        #expect(ada.inbox.count == 1)
        try await h.clock.waitForSleepers(1)  // inside send, after WhatsApp took the message
        worker.cancel()
        _ = try? await worker.value
        #expect(try await h.message(queued.id).status == .pending)

        h.directory.set(h.session, for: h.instance.id)
        try await h.dispatchAll()
        #expect(ada.inbox.count == 1, "the retry was recognised by its client message id")
        let sent = try await h.waitFor(queued.id, "a WhatsApp id") { $0.whatsappID != nil }
        #expect(sent.status.rank! >= MessageStatus.sent.rank!)
        #expect(try await h.jobs().first?.state == .completed)
    }

    @Test func recipientsNotOnWhatsAppFailWithAReason() async throws {
        let h = try await MessagingHarness()
        let queued = try await h.messaging.send(
            .text("Anyone?", to: try PhoneNumber("+49 170 9999999"), from: h.instance.id), by: .acting(as: h.admin))
        try await h.dispatchAll()
        let failed = try await h.message(queued.id)
        #expect(failed.status == .failed && failed.error?.code == "recipient_not_on_whatsapp")
        #expect(try await h.jobs().map(\.state) == [.failed])
        #expect(h.webhooks.events.map(\.type).contains(.messageFailed))
    }

    @Test func badInputIsRejectedBeforeAnythingIsWritten() async throws {
        let h = try await MessagingHarness(quota: 1)
        let ada = try h.phone("1234567")
        let optedOut = try await ContactService(environment: h.env).create(phone: ada.number, by: .acting(as: h.admin))
        _ = try await ContactService(environment: h.env).setOptedOut(true, optedOut.id, by: .acting(as: h.admin))
        let bob = try h.phone("7654321")
        let template = try await TemplateService(environment: h.env).create(
            name: "code", body: "Hi {{name}}, your code is {{code}}", by: .acting(as: h.admin))
        // Numbers are parsed before a request can name them.
        for garbage in ["12", "+49 170", "call me", "+999 1234567"] {
            expectWAError(.invalidPhoneNumber, "\(garbage)") { try PhoneNumber(garbage) }
        }
        // A photo uploaded as a document, sent as an image under a deployment whose image cap is lower.
        let photo = try await MediaService(environment: h.env).upload(
            try MediaServiceTests.sample("sample.jpg"), declaredMIMEType: "image/jpeg", kind: .document,
            fileName: "photo.jpg", by: .acting(as: h.admin))
        var strict = h.env
        strict.mediaPolicy = MediaPolicy(
            sizeCaps: MediaSizeCaps(
                image: photo.byteCount - 1, video: 1 << 20, audio: 1 << 20, document: 1 << 20, staticSticker: 1 << 10,
                animatedSticker: 1 << 10))
        await expectWAError(.mediaTooLarge) {
            try await MessagingService(environment: strict).send(
                .init(instanceID: h.instance.id, recipient: .phone(bob.number),
                      content: .media(photo.id, kind: .image, caption: nil)),
                by: .acting(as: h.admin))
        }
        let cases: [(SendMessageRequest, WAError.Code)] = [
            (.text("x", to: ada.number, from: h.instance.id), .recipientOptedOut),
            (.init(instanceID: h.instance.id, recipient: .phone(bob.number), content: .text("   ")), .invalidArgument),
            (.init(instanceID: h.instance.id, recipient: .phone(bob.number), content: .location(.init(latitude: 91, longitude: 0))), .invalidArgument),
            (.init(instanceID: h.instance.id, recipient: .phone(bob.number), content: .media(h.env.ids.make(), kind: .image, caption: nil)), .notFound),
            (.init(instanceID: h.instance.id, recipient: .jid(.statusBroadcast), content: .text("x")), .invalidJID),
            (.init(instanceID: h.env.ids.make(), recipient: .phone(bob.number), content: .text("x")), .notFound),
            (.init(instanceID: h.instance.id, recipient: .phone(bob.number), content: .template(template.id)),
             .templateVariableMissing),
            (.init(instanceID: h.instance.id, recipient: .phone(bob.number),
                   content: .template(template.id, variables: ["code": "1", "colour": "red"])),
             .templateVariableUnknown),
            (.init(instanceID: h.instance.id, recipient: .phone(bob.number), content: .template(h.env.ids.make())),
             .notFound),
        ]
        for (request, code) in cases {
            await expectWAError(code, "\(request.content)") { try await h.messaging.send(request, by: .acting(as: h.admin)) }
        }
        #expect(try await h.jobs().isEmpty)
        #expect(try await h.messaging.list(by: .acting(as: h.admin)).items.isEmpty)
        #expect(try await h.auditActions().filter { $0.hasPrefix("message.") }.isEmpty)
        // The quota of 1 is counted at dispatch: the first send passes, the next is refused up front.
        _ = try await h.send("first", to: bob)
        try await h.dispatchAll()
        let overQuota = await expectWAError(.quotaExceeded) { try await h.send("second", to: bob) }
        // The quota resets at the next 00:00 UTC: the error says when.
        let wait = try #require(overQuota?.retryAfter)
        #expect(wait > .zero && wait <= .seconds(86_400))
    }

    @Test(arguments: [InstanceStatus.loggedOut, .stopped, .failed, .created])
    func unavailableInstancesCannotSend(status: InstanceStatus) async throws {
        let h = try await MessagingHarness()
        let org = h.organization.id
        _ = try await h.env.store.transaction(.organization(org)) { tx in
            let instance = try await tx.instances.get(h.instance.id, in: org)
            return try await tx.instances.update(instance.restored(status: status))
        }
        let error = await expectWAError(.instanceUnavailable) { try await h.send("x", to: try h.phone("1234567")) }
        #expect(error?.field == "instance_id")
        #expect(try await h.jobs().isEmpty)
    }

    @Test func templatesAreRenderedForTheRecipient() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let stranger = try h.phone("7654321")
        _ = try await ContactService(environment: h.env).create(
            phone: ada.number, name: "Ada Lovelace", by: .acting(as: h.admin))
        let template = try await TemplateService(environment: h.env).create(
            name: "code", body: "Hi {{first_name}}, your code is {{code}} ({{phone}})", by: .acting(as: h.admin))
        let toAda = try await h.messaging.send(
            .init(instanceID: h.instance.id, recipient: .phone(ada.number),
                  content: .template(template.id, variables: ["code": "A1"])),
            by: .acting(as: h.admin))
        // A supplied value wins over a built-in one; a stranger has a number but no name.
        let toStranger = try await h.messaging.send(
            .init(instanceID: h.instance.id, recipient: .phone(stranger.number),
                  content: .template(template.id, variables: ["code": "B2", "first_name": "friend"])),
            by: .acting(as: h.admin))
        #expect(toAda.kind == .text && toAda.body == "Hi Ada, your code is A1 (\(ada.number.e164))")
        #expect(toStranger.body == "Hi friend, your code is B2 (\(stranger.number.e164))")
        try await h.dispatchAll()
        #expect(ada.inbox.map(\.body) == ["Hi Ada, your code is A1 (\(ada.number.e164))"])
        #expect(stranger.inbox.count == 1)
    }

    @Test func agentsSendOnlyFromTheirInstances() async throws {
        let h = try await MessagingHarness()
        let team = TeamService(environment: h.env)
        let (agent, invitation) = try await team.invite(email: "bo@example.com", displayName: "Bo", role: .agent, by: .acting(as: h.admin))
        _ = try await team.acceptInvitation(token: invitation.reveal(), password: "a different passphrase 99")
        let ada = try h.phone("1234567")
        await expectWAError(.permissionDenied) { try await h.send("x", to: ada, by: .acting(as: agent)) }
        let assigned = try await team.assign(instances: [h.instance.id], to: agent.id, by: .acting(as: h.admin))
        _ = try await h.send("x", to: ada, by: .acting(as: assigned))
        #expect(try await h.messaging.list(by: .acting(as: assigned)).items.count == 1)
        let unassigned = try await team.assign(instances: [], to: agent.id, by: .acting(as: h.admin))
        #expect(try await h.messaging.list(by: .acting(as: unassigned)).items.isEmpty)
    }

    @Test func theMinuteTierSpacesSends() async throws {
        let h = try await MessagingHarness()
        var ids: [MessageID] = []
        for i in 0..<25 { ids.append(try await h.send("Offer \(i)", to: try h.phone(String(2_000_000 + i))).id) }
        try await h.dispatchAll()
        var sentAt: [Date] = []
        for id in ids { sentAt.append(try #require(try await h.message(id).timestamps.sentAt)) }
        sentAt.sort()
        #expect(sentAt.count == 25)
        for (a, b) in zip(sentAt, sentAt.dropFirst()) { #expect(b.timeIntervalSince(a) >= 3 - 1e-6) }
        for (index, start) in sentAt.enumerated() {
            #expect(sentAt[index...].prefix { $0 < start.addingTimeInterval(60) }.count <= 20)
        }
    }

    @Test func inboundMessagesCreateContactsAndKeepJIDAndLIDTogether() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        _ = try ada.send(text: "Hi shop!", to: h.shop.number)
        let contacts = ContactService(environment: h.env)
        let contact = try await h.clock.waitFor("the new contact") { try await contacts.list(by: .acting(as: h.admin)).items.first }
        #expect(contact.jid == ada.number.jid && contact.phone == ada.number && contact.name == "Ada")
        #expect(h.webhooks.events.map(\.type).contains(.messageReceived))

        // The same person writing from a LID, with the phone JID revealed, is the same contact, now with its LID.
        let lid = try JID(parsing: "123456789012345@lid")
        let incoming = IncomingMessage(
            whatsappID: "false_123456789012345@lid_ABC", chat: lid, sender: lid, senderPhoneJID: ada.number.jid,
            kind: .text, body: "It's me again", timestamp: h.clock.now())
        let (_, updated) = try #require(try await h.handler.receivedFromContact(incoming, h.instance))
        #expect(updated.id == contact.id && updated.lid == lid && updated.jid == ada.number.jid)
        // And a message from the LID alone finds them too; a repeated delivery is ignored.
        let fromLID = IncomingMessage(
            whatsappID: "false_123456789012345@lid_DEF", chat: lid, sender: lid, kind: .text, body: "LID only",
            timestamp: h.clock.now())
        #expect(try await h.handler.receivedFromContact(fromLID, h.instance)?.1.id == contact.id)
        #expect(try await h.handler.receivedFromContact(fromLID, h.instance) == nil)
        #expect(try await contacts.list(by: .acting(as: h.admin)).items.count == 1)
    }

    @Test func anInboundMessageMarksTheOutboundMessageItAnswers() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let first = try await h.send("Your order shipped", to: ada)
        let second = try await h.send("Tracking: 42", to: ada)
        try await h.dispatchAll()
        _ = try await h.waitFor(second.id, "sent") { $0.timestamps.sentAt != nil }
        let sent = try await h.message(second.id).timestamps.sentAt!

        // The reply answers the latest message sent; the next reply the one before it; a third finds none left.
        _ = try ada.send(text: "Thanks!", to: h.shop.number)
        let answeredSecond = try await h.waitFor(second.id, "replied") { $0.timestamps.repliedAt != nil }
        #expect(answeredSecond.timestamps.repliedAt! >= sent)
        #expect(try await h.message(first.id).timestamps.repliedAt == nil)
        _ = try ada.send(text: "When will it arrive?", to: h.shop.number)
        _ = try await h.waitFor(first.id, "replied") { $0.timestamps.repliedAt != nil }
        _ = try ada.send(text: "Hello?", to: h.shop.number)
        let org = h.organization.id
        try await h.clock.waitUntil("three inbound messages") {
            try await h.env.store.transaction(.organization(org)) {
                try await $0.messages.count(in: org, where: Message.Filter(direction: .inbound))
            } == 3
        }
        #expect(try await h.message(second.id).timestamps.repliedAt == answeredSecond.timestamps.repliedAt)

        // Analytics count each reply once, on the day the message was sent.
        let today = DayKey(h.clock.now())
        let metrics = try await AnalyticsService(environment: h.env).dailyMetrics(
            from: today, to: today, by: .acting(as: h.admin))
        #expect(metrics.first?.counts.replied == 2 && metrics.first?.counts.sent == 2)
        #expect(metrics.first?.counts.received == 3)
    }

    @Test func markingAChatSeenReadsItsMessagesAndSendsTheReceipts() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        _ = try ada.send(text: "Is my order on its way?", to: h.shop.number)
        _ = try ada.send(text: "Order nº 42", to: h.shop.number)
        let org = h.organization.id
        func chat() async throws -> Chat? {
            try await h.env.store.transaction(.organization(org)) {
                try await $0.chats.find(jid: ada.number.jid, instance: h.instance.id, in: org)
            }
        }
        try await h.clock.waitUntil("two unread") { try await chat()?.unreadCount == 2 }
        #expect(h.network.messages.filter { $0.from == ada.number }.allSatisfy { $0.status == .delivered })
        // Search finds a message by its text, in any case.
        let found = try await h.messaging.list(by: .acting(as: h.admin), where: .init(search: "ORDER Nº"))
        #expect(found.items.map(\.body) == ["Order nº 42"])

        #expect(try await h.messaging.markSeen(ada.number.jid, on: h.instance.id, by: .acting(as: h.admin)) == 2)
        #expect(try await chat()?.unreadCount == 0)
        let inbound = try await h.messaging.list(by: .acting(as: h.admin), where: .init(direction: .inbound)).items
        #expect(inbound.count == 2 && inbound.allSatisfy { $0.status == .read && $0.timestamps.readAt == h.clock.now() })
        #expect(try await h.messaging.markSeen(ada.number.jid, on: h.instance.id, by: .acting(as: h.admin)) == 0)
        let seenJobs = try await h.jobs().filter { $0.queue == MessagingService.seenQueue }
        #expect(seenJobs.count == 1, "nothing new to mark, no second job")

        try await h.dispatchAll()
        #expect(try await h.jobs().filter { $0.queue == MessagingService.seenQueue }.map(\.state) == [.completed])
        #expect(h.network.messages.filter { $0.from == ada.number }.allSatisfy { $0.status == .read })

        await expectWAError(.invalidJID) {
            try await h.messaging.markSeen(.statusBroadcast, on: h.instance.id, by: .acting(as: h.admin))
        }
    }

    @Test func receiptsThatArriveBeforeTheirMessageIsRecordedAreAppliedInOrder() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let org = h.organization.id
        // Two messages the dispatcher has sent but not recorded yet.
        func pendingMessage() async throws -> Message {
            let queued = try await h.send("Hi", to: ada)
            return try await h.env.store.transaction(.organization(org)) { tx in
                var message = try await tx.messages.get(queued.id, in: org)
                _ = message.advance(to: .pending, at: h.clock.now())
                return try await tx.messages.update(message)
            }
        }
        func record(_ message: Message, as whatsappID: String) async throws {
            _ = try await h.env.store.transaction(.organization(org)) { tx in
                var current = try await tx.messages.get(message.id, in: org)
                current.whatsappID = whatsappID
                _ = current.advance(to: .sent, at: h.clock.now())
                return try await tx.messages.update(current)
            }
        }
        func statusEvents(_ message: Message) -> [String] {
            h.webhooks.events.filter { $0.type == .messageStatusChanged && $0.data["id"]?.stringValue == message.id.description }
                .compactMap { $0.data["status"]?.stringValue }
        }
        let first = try await pendingMessage()
        let second = try await pendingMessage()

        // `delivered` comes first; then the send is recorded; then `read`: both apply, in order.
        #expect(try await h.handler.statusChanged("W1", .delivered, h.clock.now(), h.instance) == nil)
        try await record(first, as: "W1")
        let read = try await h.handler.statusChanged("W1", .read, h.clock.now(), h.instance)
        #expect(read?.status == .read)
        #expect(statusEvents(first) == ["delivered", "read"])

        // `delivered` comes first and nothing follows: a retry a second later applies it.
        #expect(try await h.handler.statusChanged("W2", .delivered, h.clock.now(), h.instance) == nil)
        try await record(second, as: "W2")
        try await h.clock.waitForSleepers(2)  // W2's retry, and W1's (which finds nothing left to do)
        h.clock.advance(by: .seconds(1))
        try await h.clock.waitUntil("the kept receipt applied") { try await h.message(second.id).status == .delivered }
        #expect(statusEvents(second) == ["delivered"])

        // A receipt whose message appears only after the last retry is given up: it is not applied later.
        let third = try await pendingMessage()
        #expect(try await h.handler.statusChanged("W3", .delivered, h.clock.now(), h.instance) == nil)
        for _ in 0..<6 {  // retries 1, 3, 7, 15, 31 and 61 s after the receipt
            try await h.clock.waitForSleepers(1)
            h.clock.advanceToNextDeadline()
        }
        // The last retry runs, misses, and gives up: nothing sleeps on the clock any more.
        try await h.clock.waitUntil("the last retry gave up") { h.clock.sleeperCount == 0 }
        try await record(third, as: "W3")
        // With no retry left, nothing can apply the receipt, however much time passes.
        h.clock.advance(by: .seconds(120))
        #expect(h.clock.sleeperCount == 0)
        let late = try await h.message(third.id)
        #expect(late.status == .sent && statusEvents(third).isEmpty, "\(late.status) \(statusEvents(third))")
    }

    @Test func editsAndRevocationsAreStoredAndPublished() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let incoming = IncomingMessage(
            whatsappID: "false_491701234567@c.us_EDIT", chat: ada.number.jid, sender: ada.number.jid, kind: .text,
            body: "See you at 5", timestamp: h.clock.now())
        let (message, _) = try #require(try await h.handler.receivedFromContact(incoming, h.instance))
        h.clock.advance(by: .seconds(30))
        await h.handler.handle(
            .messageEdited(whatsappID: incoming.whatsappID, chat: ada.number.jid, body: "See you at 6"), from: h.instance)
        var stored = try await h.message(message.id)
        #expect(stored.body == "See you at 6" && stored.editedAt == h.clock.now())
        // The same text again is no change.
        #expect(try await h.handler.edited(incoming.whatsappID, body: "See you at 6", h.instance) == nil)
        h.clock.advance(by: .seconds(30))
        await h.handler.handle(.messageRevoked(whatsappID: incoming.whatsappID, chat: ada.number.jid), from: h.instance)
        stored = try await h.message(message.id)
        #expect(stored.revokedAt == h.clock.now() && stored.body == "See you at 6")
        #expect(try await h.handler.revoked(incoming.whatsappID, h.instance) == nil, "once")
        #expect(try await h.handler.edited(incoming.whatsappID, body: "too late", h.instance) == nil)
        #expect(try await h.handler.revoked("false_unknown", h.instance) == nil)
        let events = h.webhooks.events.filter { $0.type == .messageEdited || $0.type == .messageRevoked }
        #expect(events.map(\.type) == [.messageEdited, .messageRevoked])
        #expect(events.first?.data["body"]?.stringValue == "See you at 6")
        #expect(events.last?.data["revoked_at"] != nil)
    }

    @Test func aMessageWhoseMediaWasDeletedFailsForGood() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let media = MediaService(environment: h.env)
        let photo = try await media.upload(
            try MediaServiceTests.sample("sample.jpg"), declaredMIMEType: "image/jpeg", by: .acting(as: h.admin))
        let queued = try await h.messaging.send(
            .init(instanceID: h.instance.id, recipient: .phone(ada.number), content: .media(photo.id, kind: .image, caption: nil)),
            by: .acting(as: h.admin))
        try await media.delete(photo.id, by: .acting(as: h.admin))
        try await h.dispatchAll()
        let failed = try await h.message(queued.id)
        #expect(failed.status == .failed && failed.error?.code == "media_not_found" && failed.error?.isRetryable == false)
        #expect(ada.inbox.isEmpty)
        #expect(try await h.jobs().map(\.state) == [.failed])
    }

    @Test func receivedMediaIsDownloadedThenStoredWithItsDigestAndCountsTowardsTheQuota() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let photo = try MediaServiceTests.sample("sample.jpg")
        try ada.send(
            .media(MediaPayload(kind: .image, mimeType: "application/octet-stream", fileName: "../box.jpg", caption: "look", bytes: photo)),
            to: h.shop.jid)
        let admin = Principal.acting(as: h.admin)
        // Stored at once without its bytes: the event carried a handle, and a job downloads them.
        let received = try await h.clock.waitFor("the photo message") {
            try await h.messaging.list(by: admin, where: .init(direction: .inbound)).items.first
        }
        #expect(received.media == nil && received.body == "look" && received.kind == .image)
        #expect(received.mediaDownload?.media.byteCount == Int64(photo.count))
        #expect(try await h.jobs().map(\.queue) == [MessagingService.mediaQueue])
        let announced = try #require(h.webhooks.events.first { $0.type == .messageReceived })
        #expect(announced.data["media_download"]?["mime_type"]?.stringValue == "application/octet-stream")

        try await h.dispatchAll()
        let message = try await h.message(received.id)
        let reference = try #require(message.media)
        #expect(message.mediaDownload == nil)
        #expect(reference.mimeType == "image/jpeg" && reference.byteCount == Int64(photo.count))
        #expect(reference.fileName == "box.jpg")
        let stored = try #require(h.webhooks.events.first { $0.type == .messageMediaStored })
        #expect(stored.data["media"]?["id"]?.stringValue == reference.mediaID.description)
        let media = MediaService(environment: h.env)
        let (object, bytes) = try await media.bytes(of: reference.mediaID, by: admin)
        #expect(bytes == photo && object.sha256 == MediaServiceTests.sha256Hex(photo))
        #expect(try await media.usage(by: admin).usedBytes == Int64(photo.count))
        #expect(try await h.jobs().map(\.state) == [.completed])
        // The same bytes handed over again (a second download) are not stored twice.
        #expect(try await h.handler.mediaDownloaded(photo, for: received.id, h.instance) == nil)
        #expect(try await media.usage(by: admin).usedBytes == Int64(photo.count))
        #expect(try await media.list(by: admin).items.count == 1)
    }

    @Test func mediaWhatsAppNoLongerHasIsGivenUpWithTheReason() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let incoming = IncomingMessage(
            whatsappID: "false_491701234567@c.us_GONE", chat: ada.number.jid, sender: ada.number.jid, kind: .video,
            media: IncomingMedia(kind: .video, mimeType: "video/mp4", handle: "false_491701234567@c.us_GONE"),
            timestamp: h.clock.now())
        let (message, _) = try #require(try await h.handler.receivedFromContact(incoming, h.instance))
        try await h.dispatchAll()
        let failed = try await h.message(message.id)
        #expect(failed.media == nil && failed.mediaDownload?.failure == "WhatsApp no longer has the media")
        #expect(failed.mediaDownload?.failedAt == h.clock.now())
        let event = try #require(h.webhooks.events.first { $0.type == .messageMediaFailed })
        #expect(event.data["media_download"]?["failure"]?.stringValue == "WhatsApp no longer has the media")
        #expect(try await h.jobs().map(\.state) == [.failed])
        // Bytes that arrive after all are not attached to a download given up.
        #expect(try await h.handler.mediaDownloaded([1, 2, 3], for: message.id, h.instance) == nil)
    }

    @Test func mediaWaitsForAReadySession() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        try ada.send(.media(MediaPayload(kind: .document, mimeType: "application/pdf", bytes: Array("%PDF-1.4".utf8))), to: h.shop.jid)
        let admin = Principal.acting(as: h.admin)
        let received = try await h.clock.waitFor("the document") {
            try await h.messaging.list(by: admin, where: .init(direction: .inbound)).items.first
        }
        let session = h.session
        h.directory.set(nil, for: h.instance.id)
        #expect(try await h.dispatcher.runOnce(worker: "test") == 1)
        #expect(try await h.jobs().map(\.state) == [.available], "snoozed, not failed")
        #expect(try await h.message(received.id).mediaDownload?.failure == nil)
        h.directory.set(session, for: h.instance.id)
        try await h.dispatchAll()
        #expect(try await h.message(received.id).media?.byteCount == 8)
    }
}

/// A session whose `send` reaches WhatsApp and then runs `afterSend` before it returns (throwing, to play a worker
/// that crashes before recording the send, or sleeping, so that a test can cancel the worker in between).
private struct InterruptedAfterSend: WhatsAppSession {
    let base: SimulatedSession
    let afterSend: @Sendable () async throws -> Void
    var events: AsyncStream<SessionEvent> { AsyncStream { $0.finish() } }
    func start() async throws {}
    func send(_ message: OutgoingMessage) async throws -> SendReceipt {
        let receipt = try await base.send(message)
        try await afterSend()
        return receipt
    }
    func react(to whatsappID: String, in chat: JID, with emoji: String) async throws {
        try await base.react(to: whatsappID, in: chat, with: emoji)
    }
    func revoke(_ whatsappID: String, in chat: JID) async throws { try await base.revoke(whatsappID, in: chat) }
    func edit(_ whatsappID: String, in chat: JID, text: String) async throws {
        try await base.edit(whatsappID, in: chat, text: text)
    }
    func downloadMedia(_ media: IncomingMedia) async throws -> [UInt8] { try await base.downloadMedia(media) }
    func rejectCall(_ call: IncomingCall) async throws { try await base.rejectCall(call) }
    func markSeen(_ chat: JID) async throws { try await base.markSeen(chat) }
    func setPresence(_ presence: ChatPresence, in chat: JID) async throws { try await base.setPresence(presence, in: chat) }
    func lookUp(_ phone: PhoneNumber) async throws -> NumberLookup? { try await base.lookUp(phone) }
    func groups() async throws -> [GroupInfo] { try await base.groups() }
    func logout() async throws {}
    func stop() async {}
    func exportArchive() async throws -> SessionArchive? { nil }
}
