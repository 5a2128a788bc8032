import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct MessagesAPITests {
    @Test func sendIsIdempotentAndReadable() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("sender", key: key)
            let body = #"{"instance_id":"\#(instance)","to":"+4915112345678","content":{"type":"text","text":"Hello"}}"#
            let first = try await client.call(
                .post, "/v1/messages", key: key, json: body, headers: [HTTPField.Name("Idempotency-Key")!: "order-17"])
            #expect(first.status == .accepted)
            let message = try first.object
            let id = try #require(message["id"] as? String)
            #expect(message["status"] as? String == "queued")
            #expect(message["body"] as? String == "Hello")
            #expect(message["chat"] as? String == "4915112345678@c.us")
            #expect(message["idempotency_key"] as? String == "order-17")

            let again = try await client.call(
                .post, "/v1/messages", key: key, json: body, headers: [HTTPField.Name("Idempotency-Key")!: "order-17"])
            #expect(again.status == .accepted)
            #expect(try again.object["id"] as? String == id)

            let read = try await client.call(.get, "/v1/messages/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["id"] as? String == id)

            let list = try await client.call(.get, "/v1/messages?instance_id=\(instance)&direction=outbound", key: key)
            let items = try #require(try list.object["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == [id])

            let created = try #require(message["created_at"] as? String)
            #expect(created.count == 24 && created.hasSuffix("Z"), "RFC 3339 with milliseconds: \(created)")
            let since = try await client.call(.get, "/v1/messages?since=2020-01-01T00:00:00Z", key: key)
            #expect((try since.object["items"] as? [Any])?.count == 1)
            let later = try await client.call(.get, "/v1/messages?since=2999-01-01T00:00:00.5%2B02:00", key: key)
            #expect((try later.object["items"] as? [Any])?.isEmpty == true)
            let badDate = try await client.call(.get, "/v1/messages?since=yesterday", key: key)
            #expect(badDate.status == .badRequest)
            #expect(badDate.problemCode == "malformed_request")

            let stranger = try await client.call(.get, "/v1/messages/\(id)", key: harness.globex.adminKey)
            #expect(stranger.status == .notFound)
            let strangerSend = try await client.call(.post, "/v1/messages", key: harness.globex.adminKey, json: body)
            #expect(strangerSend.status == .notFound)
        }
    }

    /// A message to a phone on the simulated network is sent and delivered; the status moves over the API.
    @Test func aMessageToASimulatedPhoneIsDelivered() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("sender", key: key)
            let added = try await client.call(
                .post, "/v1/simulator/phones", key: key, json: #"{"phone":"+4915199990000","name":"Bea"}"#)
            #expect(added.status == .created)
            let sent = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"+4915199990000","content":{"type":"text","text":"Hi Bea"}}"#)
            let id = try #require(try sent.object["id"] as? String)
            try await client.waitForDelivery(of: id, key: key)
            let phone = try PhoneNumber("+4915199990000")
            #expect(harness.whatsapp.deliveries(to: phone).map(\.content) == [.text("Hi Bea")])
        }
    }

    /// Reacting to, editing and deleting a sent message reach the recipient's phone and show on the message.
    @Test func aSentMessageIsReactedToEditedAndDeleted() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("sender", key: key)
            let bea = harness.whatsapp.addPhone(try PhoneNumber("+4915199990000"), name: "Bea")
            let sent = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"+4915199990000","content":{"type":"text","text":"See you at 5"}}"#)
            let id = try #require(try sent.object["id"] as? String)
            try await client.waitForDelivery(of: id, key: key)

            let reacted = try await client.call(.post, "/v1/messages/\(id)/reaction", key: key, json: #"{"emoji":"👍"}"#)
            #expect(reacted.status == .ok)
            let reactions = try #require(try reacted.object["reactions"] as? [[String: Any]])
            #expect(reactions.map { $0["emoji"] as? String } == ["👍"] && reactions.first?["from_me"] as? Bool == true)
            #expect(bea.inbox.first?.reactions.values.first == "👍")
            let notEmoji = try await client.call(.post, "/v1/messages/\(id)/reaction", key: key, json: #"{"emoji":"yes"}"#)
            #expect(notEmoji.status == .unprocessableContent)
            #expect(try notEmoji.object["field"] as? String == "emoji")

            let edited = try await client.call(.post, "/v1/messages/\(id)/edit", key: key, json: #"{"text":"See you at 6"}"#)
            #expect(edited.status == .ok)
            #expect(try edited.object["body"] as? String == "See you at 6")
            #expect(try edited.object["edited_at"] != nil)
            #expect(bea.inbox.first?.body == "See you at 6")
            let noText = try await client.call(.post, "/v1/messages/\(id)/edit", key: key, json: #"{"body":"x"}"#)
            #expect(noText.status == .badRequest)

            let revoked = try await client.call(.post, "/v1/messages/\(id)/revoke", key: key)
            #expect(revoked.status == .ok)
            let revokedAt = try #require(try revoked.object["revoked_at"] as? String)
            #expect(bea.inbox.first?.revokedAt != nil)
            let again = try await client.call(.post, "/v1/messages/\(id)/revoke", key: key)
            #expect(again.status == .ok)
            #expect(try again.object["revoked_at"] as? String == revokedAt)
            let afterDelete = try await client.call(.post, "/v1/messages/\(id)/edit", key: key, json: #"{"text":"At 7"}"#)
            #expect(afterDelete.status == .unprocessableContent)
            #expect(try afterDelete.object["field"] as? String == "message_id")

            let unknown = try await client.call(.post, "/v1/messages/\(UUID().uuidString)/revoke", key: key)
            #expect(unknown.status == .notFound)
        }
    }

    /// A send with `scheduled_at` is accepted and stays queued with its time; a time long past names the field.
    @Test func aScheduledSendWaitsQueued() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("sender", key: key)
            harness.whatsapp.addPhone(try PhoneNumber("+4915199990000"), name: "Bea")
            let at = "2999-01-01T09:00:00Z"
            let sent = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"+4915199990000","scheduled_at":"\#(at)","content":{"type":"text","text":"Later"}}"#)
            #expect(sent.status == .unprocessableContent, "further ahead than 90 days")
            #expect(try sent.object["field"] as? String == "scheduled_at")

            let inAnHour = Date().addingTimeInterval(3_600).formatted(.iso8601)
            let echoed = inAnHour.replacingOccurrences(of: "Z", with: ".000Z")  // the API writes milliseconds
            let scheduled = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"+4915199990000","scheduled_at":"\#(inAnHour)","content":{"type":"text","text":"Later"}}"#)
            #expect(scheduled.status == .accepted)
            let id = try #require(try scheduled.object["id"] as? String)
            #expect(try scheduled.object["scheduled_at"] as? String == echoed)
            try await Task.sleep(for: .milliseconds(300))
            let stored = try await client.call(.get, "/v1/messages/\(id)", key: key).object
            #expect(stored["status"] as? String == "queued")
            #expect(stored["scheduled_at"] as? String == echoed)
            #expect(harness.whatsapp.deliveries(to: try PhoneNumber("+4915199990000")).isEmpty)

            let past = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"+4915199990000","scheduled_at":"2020-01-01T00:00:00Z","content":{"type":"text","text":"x"}}"#)
            #expect(past.status == .unprocessableContent)
            #expect(try past.object["field"] as? String == "scheduled_at")
        }
    }

    @Test func recipientsAndContentAreValidated() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let instance = try #require(
                try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"sender"}"#).object["id"]
                    as? String)
            let both = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"+4915112345678","contact_id":"\#(instance)","content":{"type":"text","text":"x"}}"#)
            #expect(both.status == .unprocessableContent)
            let badPhone = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"12ab","content":{"type":"text","text":"x"}}"#)
            #expect(badPhone.status == .unprocessableContent)
            #expect(try badPhone.object["field"] as? String == "to")
            let unknownType = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"+4915112345678","content":{"type":"poll"}}"#)
            #expect(unknownType.status == .badRequest)
        }
    }

    @Test func aKeyWithoutTheSendScopeCannotSend() async throws {
        let (harness, server) = try await APIHarness.make()
        let reader = try await harness.key(in: harness.acme, role: .manager, scopes: [.messagesRead, .instancesRead])
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("s", key: harness.acme.adminKey)
            let send = try await client.call(
                .post, "/v1/messages", key: reader,
                json: #"{"instance_id":"\#(instance)","to":"+4915112345678","content":{"type":"text","text":"x"}}"#)
            #expect(send.status == .forbidden)
            let list = try await client.call(.get, "/v1/messages", key: reader)
            #expect(list.status == .ok)
        }
    }
}
