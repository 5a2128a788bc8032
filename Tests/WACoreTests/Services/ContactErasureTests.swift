import Foundation
import Testing
import WACore
import WACoreTesting

/// Erasing a contact on request: their messages, the media they sent, their chats and the contact go; nobody
/// else's data is touched; an interrupted erasure is finished by running it again.
@Suite("Contact erasure")
struct ContactErasureTests {
    @Test func aContactsDataIsErasedAndNobodyElses() async throws {
        let h = try await MessagingHarness()
        let admin = Principal.acting(as: h.admin)
        let ada = try h.phone("1234567", name: "Ada")
        let bob = try h.phone("7654321", name: "Bob")
        let photo = try MediaServiceTests.sample("sample.jpg")
        // Ada writes (with a photo), gets two answers; Bob writes and gets one.
        func receive(_ phone: SimulatedPhone, _ id: String, photo: [UInt8]? = nil) async throws {
            let incoming = IncomingMessage(
                whatsappID: id, chat: phone.number.jid, sender: phone.number.jid, kind: photo == nil ? .text : .image,
                body: "hello", media: photo.map { _ in IncomingMedia(kind: .image, mimeType: "image/jpeg", handle: id) },
                timestamp: h.clock.now())
            let (message, _) = try #require(try await h.handler.received(incoming, h.instance))
            if let photo { _ = try #require(try await h.handler.mediaDownloaded(photo, for: message.id, h.instance)) }
        }
        try await receive(ada, "ada-1", photo: photo)
        try await receive(ada, "ada-2")
        try await receive(bob, "bob-1", photo: photo)
        _ = try await h.send("Thanks Ada", to: ada)
        _ = try await h.send("More for Ada", to: ada)
        _ = try await h.send("Thanks Bob", to: bob)
        try await h.dispatchAll()
        let contacts = ContactService(environment: h.env)
        let media = MediaService(environment: h.env)
        let adaContact = try #require(try await contacts.list(by: admin).items.first { $0.phone == ada.number })
        #expect(try await media.usage(by: admin).usedBytes == Int64(2 * photo.count))

        // Only admins may erase.
        var manager = h.admin
        manager.role = .manager
        await expectWAError(.permissionDenied) { try await contacts.erase(adaContact.id, by: .acting(as: manager)) }

        let erased = try await contacts.erase(adaContact.id, by: admin)
        #expect(erased == ContactErasure(messages: 4, media: 1, chats: 1))
        await expectWAError(.notFound) { try await contacts.get(adaContact.id, by: admin) }
        let messages = MessagingService(environment: h.env)
        let left = try await messages.list(by: admin).items
        #expect(left.count == 2 && left.allSatisfy { $0.chatJID == bob.number.jid })
        #expect(try await media.list(by: admin).items.count == 1, "Bob's photo stays")
        #expect(try await media.usage(by: admin).usedBytes == Int64(photo.count), "Ada's photo is given back to the quota")
        let org = h.organization.id
        let audit = try await h.env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, page: .all).items.last { $0.action == "contact.erased" }
        }
        #expect(audit?.metadata == ["messages": "4", "media": "1", "chats": "1"])
        // Running it again finds nothing: the contact is gone.
        await expectWAError(.notFound) { try await contacts.erase(adaContact.id, by: admin) }
    }

    @Test func aLongHistoryIsErasedInBatches() async throws {
        let h = try await MessagingHarness()
        let admin = Principal.acting(as: h.admin)
        let ada = try h.phone("1234567", name: "Ada")
        let count = 2 * ContactService.erasureBatchSize + 50
        for index in 0..<count {
            let incoming = IncomingMessage(
                whatsappID: "ada-\(index)", chat: ada.number.jid, sender: ada.number.jid, kind: .text, body: "#\(index)",
                timestamp: h.clock.now())
            _ = try await h.handler.received(incoming, h.instance)
        }
        let contacts = ContactService(environment: h.env)
        let contact = try #require(try await contacts.list(by: admin).items.first)
        #expect(try await contacts.erase(contact.id, by: admin).messages == count)
        #expect(try await MessagingService(environment: h.env).list(by: admin).items.isEmpty)
    }
}
