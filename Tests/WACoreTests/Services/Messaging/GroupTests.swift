import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Groups: listing them, receiving with the author, sending to them")
struct GroupTests {
    private func groups(_ h: MessagingHarness) -> GroupService {
        GroupService(environment: h.env, sessions: h.directory)
    }

    private func chats(_ h: MessagingHarness) async throws -> [Chat] {
        let org = h.organization.id
        return try await h.env.store.transaction(.organization(org)) {
            try await $0.chats.list(in: org, where: .init(), page: .all).items
        }
    }

    private func contacts(_ h: MessagingHarness) async throws -> [Contact] {
        let org = h.organization.id
        return try await h.env.store.transaction(.organization(org)) {
            try await $0.contacts.list(in: org, where: .init(), page: .all).items
        }
    }

    @Test func theAccountsGroupsAreListedWithTheirMembersAndRoles() async throws {
        let h = try await MessagingHarness()
        let service = groups(h)
        let admin = Principal.acting(as: h.admin)
        let ada = try h.phone("1234567", name: "Ada")
        let bob = try h.phone("7654321", name: "Bob")
        let team = try h.network.createGroup(
            "Team", owner: ada.number, members: [h.shop.number, bob.number], admins: [bob.number],
            description: "Weekly planning")
        let other = try h.network.createGroup("Not ours", owner: ada.number, members: [bob.number])

        let listed = try await service.list(on: h.instance.id, by: admin)
        #expect(listed.map(\.jid) == [team], "only groups the account is in (\(other) is not)")
        let group = try #require(listed.first)
        #expect(group.subject == "Team" && group.description == "Weekly planning" && group.owner == ada.jid)
        #expect(group.participants.map(\.jid) == [ada.jid, h.shop.jid, bob.jid])
        #expect(group.participants.map(\.role) == [.superAdmin, .member, .admin])
        #expect(try await service.get(team, on: h.instance.id, by: admin) == group)

        let missing = await expectWAError(.notFound) { try await service.get(other, on: h.instance.id, by: admin) }
        #expect(missing?.field == "group")
        let notGroup = await expectWAError(.invalidJID) { try await service.get(ada.jid, on: h.instance.id, by: admin) }
        #expect(notGroup?.field == "group")

        try h.network.removeFromGroup(team, h.shop.number)
        #expect(try await service.list(on: h.instance.id, by: admin).isEmpty, "the account left the group")
    }

    @Test func readingGroupsNeedsMessagesReadAndARunningSession() async throws {
        let h = try await MessagingHarness()
        let service = groups(h)
        let org = h.organization.id
        let outsider = try await TeamService(environment: h.env).createOrganization(
            name: "Other", slug: "other", plan: .pro, adminEmail: "zoe@example.com", adminName: "Zoe",
            adminPassword: "correct horse battery staple")
        await expectWAError(.notFound) {
            try await service.list(on: h.instance.id, by: .acting(as: outsider.1))
        }
        let invited = try await TeamService(environment: h.env).invite(
            email: "bo@example.com", displayName: "Bo", role: .agent, by: .acting(as: h.admin))
        await expectWAError(.permissionDenied) {
            try await service.list(on: h.instance.id, by: .acting(as: invited.member))
        }
        _ = org

        h.directory.set(nil, for: h.instance.id)
        await expectWAError(.sessionNotReady) { try await service.list(on: h.instance.id, by: .acting(as: h.admin)) }
    }

    @Test func aGroupMessageIsStoredWithItsAuthorAndTheGroupsName() async throws {
        let h = try await MessagingHarness()
        let admin = Principal.acting(as: h.admin)
        let ada = try h.phone("1234567", name: "Ada")
        let bob = try h.phone("7654321", name: "Bob")
        let team = try h.network.createGroup("Team", owner: ada.number, members: [h.shop.number, bob.number])

        try ada.send(.text("Lunch at noon?"), to: team)
        let message = try await h.clock.waitFor("Ada's group message") {
            try await h.messaging.list(by: admin, where: .init(direction: .inbound)).items.first
        }
        #expect(message.chatJID == team && message.author == ada.jid && message.body == "Lunch at noon?")
        #expect(bob.inbox.map(\.body) == ["Lunch at noon?"], "every other member gets the message")
        let author = try #require(try await contacts(h).first { $0.id == message.contactID })
        #expect(author.jid == ada.jid && author.name == "Ada", "the author is the message's contact")

        let event = try #require(h.webhooks.events.first { $0.type == .messageReceived })
        #expect(event.data["author"]?.stringValue == ada.jid.description)
        #expect(event.data["chat"]?.stringValue == team.description)

        let chat = try #require(try await chats(h).first { $0.jid == team })
        #expect(chat.name == nil && chat.contactID == nil, "a group chat is not named after whoever wrote first")
        _ = try await groups(h).list(on: h.instance.id, by: admin)
        #expect(try await chats(h).first { $0.jid == team }?.name == "Team", "listing the groups names their chats")
    }

    @Test func theAccountsOwnGroupMessagesMakeNoContact() async throws {
        let h = try await MessagingHarness()
        let admin = Principal.acting(as: h.admin)
        let ada = try h.phone("1234567", name: "Ada")
        let team = try h.network.createGroup("Team", owner: ada.number, members: [h.shop.number])

        try h.shop.send(.text("Written on the shop's phone"), to: team)
        let message = try await h.clock.waitFor("the shop phone's group message") {
            try await h.messaging.list(by: admin, where: .init(direction: .outbound)).items.first
        }
        #expect(message.chatJID == team && message.author == nil && message.contactID == nil)
        #expect(try await contacts(h).isEmpty, "the group is not a contact")
        #expect(ada.inbox.map(\.body) == ["Written on the shop's phone"])
    }

    @Test func aSendToAGroupReachesEveryMemberAndIsDeliveredOnceAllHaveIt() async throws {
        let h = try await MessagingHarness()
        let admin = Principal.acting(as: h.admin)
        let ada = try h.phone("1234567", name: "Ada")
        let bob = try h.phone("7654321", name: "Bob")
        let team = try h.network.createGroup("Team", owner: ada.number, members: [h.shop.number, bob.number])

        let queued = try await h.messaging.send(
            SendMessageRequest(instanceID: h.instance.id, recipient: .jid(team), content: .text("Opening at 9")),
            by: admin)
        #expect(queued.chatJID == team && queued.contactID == nil)
        try await h.dispatchAll()
        try await h.clock.waitUntil("the message to reach both members", advancing: true) {
            ada.inbox.count == 1 && bob.inbox.count == 1
        }
        let delivered = try await h.waitFor(queued.id, "delivered") { $0.status == .delivered }
        #expect(delivered.whatsappID?.hasPrefix("true_\(team)_") == true)
        #expect(ada.inbox.first?.chat == team && bob.inbox.first?.chat == team)
        #expect(ada.inbox.first?.recipientWhatsappID == bob.inbox.first?.recipientWhatsappID)

        // A reaction by one member reaches the shop's stored message.
        try ada.react(to: try #require(ada.inbox.first), with: "👍")
        let reacted = try await h.waitFor(queued.id, "Ada's reaction") { !$0.reactions.isEmpty }
        #expect(reacted.reactions.map(\.sender) == [ada.jid])

        let elsewhere = try h.network.createGroup("Elsewhere", owner: ada.number, members: [bob.number])
        let refused = try await h.messaging.send(
            SendMessageRequest(instanceID: h.instance.id, recipient: .jid(elsewhere), content: .text("Hello?")),
            by: admin)
        try await h.dispatchAll()
        let failed = try await h.waitFor(refused.id, "failed") { $0.status == .failed }
        #expect(failed.error?.code == WAError.Code.notFound.rawValue, "not a member of that group")
    }

    @Test func aGroupMessageShowsReadOnlyOnceEveryMemberReadIt() async throws {
        let h = try await MessagingHarness()
        let admin = Principal.acting(as: h.admin)
        let ada = try h.phone("1234567", name: "Ada")
        let bob = try h.phone("7654321", name: "Bob")
        let team = try h.network.createGroup("Team", owner: ada.number, members: [h.shop.number, bob.number])
        ada.setAutoRead(after: .seconds(1))
        bob.setAutoRead(after: .seconds(600))

        let queued = try await h.messaging.send(
            SendMessageRequest(instanceID: h.instance.id, recipient: .jid(team), content: .text("Standup in 5")),
            by: admin)
        try await h.dispatchAll()
        try await h.clock.waitUntil("Ada to read it", advancing: true) { ada.inbox.first?.readAt != nil }
        #expect(bob.inbox.first?.readAt == nil)
        #expect(try await h.message(queued.id).status == .delivered, "one member reading is not the group reading")
        try await h.clock.waitUntil("Bob to read it", advancing: true) { bob.inbox.first?.readAt != nil }
        _ = try await h.waitFor(queued.id, "read") { $0.status == .read }

        #expect(throws: WAError.self) { try h.network.createGroup("Alone", owner: ada.number, members: []) }
        // Everyone else left: there is nobody to send to.
        try h.network.removeFromGroup(team, ada.number)
        try h.network.removeFromGroup(team, bob.number)
        let alone = await expectWAError(.invalidArgument) {
            try await h.session.send(OutgoingMessage(chat: team, content: .text("Anyone?"), clientMessageID: "3EB0000000000000A10E"))
        }
        #expect(alone?.field == "chat")
        #expect(throws: WAError.self) { try h.network.createGroup(" ", owner: ada.number, members: [bob.number]) }
    }
}
