import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Chat service")
struct ChatServiceTests {
    private func chats(_ h: MessagingHarness) -> ChatService {
        ChatService(environment: h.env, messaging: h.messaging, sessions: h.directory)
    }

    @Test func chatsAreListedWithTheirUnreadCountsAndMarkedSeen() async throws {
        let h = try await MessagingHarness()
        let service = chats(h)
        let ada = try h.phone("1234567", name: "Ada")
        let bo = try h.phone("7654321", name: "Bo")
        _ = try ada.send(text: "Hello?", to: h.shop.number)
        _ = try ada.send(text: "Anyone there?", to: h.shop.number)
        _ = try bo.send(text: "Hi", to: h.shop.number)
        let admin = Principal.acting(as: h.admin)
        try await h.clock.waitUntil("three unread in two chats") {
            try await service.list(by: admin).items.map(\.unreadCount).reduce(0, +) == 3
        }
        let listed = try await service.list(by: admin)
        #expect(Set(listed.items.map(\.jid)) == [ada.number.jid, bo.number.jid])
        #expect(listed.items.first { $0.jid == ada.number.jid }?.unreadCount == 2)
        let one = try await service.get(try #require(listed.items.first).id, by: admin)
        #expect(one == listed.items.first)
        let paged = try await service.list(by: admin, page: try PageRequest(limit: 1))
        #expect(paged.items.count == 1 && paged.nextCursor != nil)
        let ofInstance = try await service.list(by: admin, where: .init(instanceID: h.instance.id))
        #expect(ofInstance.items.count == 2)

        #expect(try await service.markSeen(ada.number.jid, on: h.instance.id, by: admin) == 2)
        let after = try await service.list(by: admin).items
        #expect(after.first { $0.jid == ada.number.jid }?.unreadCount == 0)
        #expect(after.first { $0.jid == bo.number.jid }?.unreadCount == 1)

        let missing = await expectWAError(.notFound) {
            try await service.list(by: admin, where: .init(instanceID: h.env.ids.make()))
        }
        #expect(missing?.field == "instance_id")
    }

    @Test func anAgentSeesOnlyTheChatsOfAssignedInstances() async throws {
        let h = try await MessagingHarness()
        let service = chats(h)
        let team = TeamService(environment: h.env)
        let org = h.organization.id
        let other: Instance = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.instances.insert(Instance(id: h.env.ids.make(), organizationID: org, name: "sales", createdAt: h.clock.now()))
        }
        let ada = try h.phone("1234567", name: "Ada")
        try await h.env.store.transaction(.organization(org)) { tx in
            _ = try await tx.chats.insert(
                Chat(id: h.env.ids.make(), organizationID: org, instanceID: h.instance.id, jid: ada.number.jid, createdAt: h.clock.now()))
            _ = try await tx.chats.insert(
                Chat(id: h.env.ids.make(), organizationID: org, instanceID: other.id, jid: ada.number.jid, createdAt: h.clock.now()))
        }
        let invited = try await team.invite(email: "bo@example.com", displayName: "Bo", role: .agent, by: .acting(as: h.admin))
        let unassigned = Principal.acting(as: invited.member)
        #expect(try await service.list(by: unassigned).items.isEmpty)
        await expectWAError(.permissionDenied) { try await service.list(by: unassigned, where: .init(instanceID: h.instance.id)) }

        let agent = try await team.assign(instances: [h.instance.id], to: invited.member.id, by: .acting(as: h.admin))
        let seen = try await service.list(by: .acting(as: agent)).items
        #expect(seen.map(\.instanceID) == [h.instance.id])
        // Asking for both instances still yields only the assigned one's.
        let narrowed = try await service.list(by: .acting(as: agent), where: .init(instanceIDs: [h.instance.id, other.id])).items
        #expect(narrowed.map(\.instanceID) == [h.instance.id])
        let otherChat = try #require(try await service.list(by: .acting(as: h.admin), where: .init(instanceID: other.id)).items.first)
        await expectWAError(.permissionDenied) { try await service.get(otherChat.id, by: .acting(as: agent)) }
        await expectWAError(.permissionDenied) {
            try await service.setPresence(.typing, in: ada.number.jid, on: other.id, by: .acting(as: agent))
        }
        #expect(try await service.list(by: .acting(as: h.admin)).items.count == 2)
    }

    @Test func presenceGoesThroughTheLiveSession() async throws {
        let h = try await MessagingHarness()
        let service = chats(h)
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        try await service.setPresence(.typing, in: ada.number.jid, on: h.instance.id, by: admin)
        #expect(h.network.presence(of: h.shop.number, in: ada.number) == .typing)
        try await service.setPresence(.recording, in: ada.number.jid, on: h.instance.id, by: admin)
        #expect(h.network.presence(of: h.shop.number, in: ada.number) == .recording)
        try await service.setPresence(.paused, in: ada.number.jid, on: h.instance.id, by: admin)
        #expect(h.network.presence(of: h.shop.number, in: ada.number) == .paused)

        let broadcast = await expectWAError(.invalidJID) {
            try await service.setPresence(.typing, in: .statusBroadcast, on: h.instance.id, by: admin)
        }
        #expect(broadcast?.field == "chat")
        let viewer = try await TeamService(environment: h.env).invite(
            email: "vi@example.com", displayName: "Vi", role: .viewer, by: admin)
        await expectWAError(.permissionDenied) {
            try await service.setPresence(.typing, in: ada.number.jid, on: h.instance.id, by: .acting(as: viewer.member))
        }
    }

    @Test func presenceNeedsARunningUnpausedInstance() async throws {
        let h = try await MessagingHarness()
        let service = chats(h)
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        let org = h.organization.id
        let until = h.clock.now().addingTimeInterval(600)
        _ = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.instances.modify(h.instance.id, in: org) { $0.risk.pausedUntil = until }
        }
        let paused = await expectWAError(.rateLimited) {
            try await service.setPresence(.typing, in: ada.number.jid, on: h.instance.id, by: admin)
        }
        #expect(paused?.retryAfter == .seconds(600))
        #expect(h.network.presence(of: h.shop.number, in: ada.number) == nil)

        _ = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.instances.modify(h.instance.id, in: org) { $0.risk.pausedUntil = nil }
        }
        h.directory.set(nil, for: h.instance.id)
        // Marked running but without a session here (another node runs it, or it is reconnecting): worth a retry.
        let elsewhere = await expectWAError(.sessionNotReady) {
            try await service.setPresence(.typing, in: ada.number.jid, on: h.instance.id, by: admin)
        }
        #expect(elsewhere?.isRetryable == true && elsewhere?.retryAfter == .seconds(5))
        // Waiting for a person (not started, stopped, not linked): nothing to wait for.
        for status in [InstanceStatus.created, .stopped, .loggedOut, .failed, .awaitingQR, .awaitingPairingCode] {
            let idleInstance = Instance(
                id: h.env.ids.make(), organizationID: org, name: "idle-\(status.rawValue)", status: status,
                createdAt: h.clock.now())
            _ = try await h.env.store.transaction(.organization(org)) { try await $0.instances.insert(idleInstance) }
            let idle = await expectWAError(.invalidInstanceState) {
                try await service.setPresence(.typing, in: ada.number.jid, on: idleInstance.id, by: admin)
            }
            #expect(idle?.isRetryable == false, "\(status)")
        }
        #expect(h.network.presence(of: h.shop.number, in: ada.number) == nil)
        await expectWAError(.notFound) {
            try await service.setPresence(.typing, in: ada.number.jid, on: h.env.ids.make(), by: admin)
        }
    }
}
