import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct ChatsAPITests {
    static let shop = "+4915100000001"

    /// Two messages from Ada make an unread chat; marking it seen (the JID percent-encoded or not) clears it.
    @Test func chatsAreListedWithUnreadCountsAndMarkedSeen() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("support", key: key, phone: Self.shop)
            let ada = harness.whatsapp.addPhone(try PhoneNumber("+4915112345678"), name: "Ada")
            try ada.send(text: "Hello?", to: try PhoneNumber(Self.shop))
            try ada.send(text: "Anyone there?", to: try PhoneNumber(Self.shop))
            try await client.waitFor("two unread messages") {
                let items = try await client.call(.get, "/v1/chats", key: key).object["items"] as? [[String: Any]]
                return items?.first?["unread_count"] as? Int == 2
            }
            let list = try await client.call(.get, "/v1/chats?instance_id=\(instance)", key: key)
            #expect(list.status == .ok)
            let chats = try #require(try list.object["items"] as? [[String: Any]])
            #expect(chats.count == 1)
            let chat = try #require(chats.first)
            #expect(chat["jid"] as? String == "4915112345678@c.us")
            #expect(chat["instance_id"] as? String == instance)
            #expect(chat["archived"] as? Bool == false)
            #expect(chat["last_message_at"] is String)
            let chatID = try #require(chat["id"] as? String)
            let one = try await client.call(.get, "/v1/chats/\(chatID)", key: key)
            #expect(one.status == .ok)
            #expect(try one.object["unread_count"] as? Int == 2)
            let archived = try await client.call(.get, "/v1/chats?archived=true", key: key)
            #expect((try archived.object["items"] as? [Any])?.isEmpty == true)

            let seen = try await client.call(.post, "/v1/instances/\(instance)/chats/4915112345678%40c.us/seen", key: key)
            #expect(seen.status == .ok)
            #expect(try seen.object["marked"] as? Int == 2)
            let again = try await client.call(.post, "/v1/instances/\(instance)/chats/4915112345678@c.us/seen", key: key)
            #expect(again.status == .ok)
            #expect(try again.object["marked"] as? Int == 0)
            let after = try await client.call(.get, "/v1/chats/\(chatID)", key: key)
            #expect(try after.object["unread_count"] as? Int == 0)
            let inbound = try await client.call(.get, "/v1/messages?direction=inbound", key: key)
            let statuses = (try inbound.object["items"] as? [[String: Any]])?.compactMap { $0["status"] as? String }
            #expect(statuses == ["read", "read"])

            let badJID = try await client.call(.post, "/v1/instances/\(instance)/chats/nobody/seen", key: key)
            #expect(badJID.status == .unprocessableContent)
            #expect(badJID.problemCode == "invalid_jid")
            #expect(try badJID.object["field"] as? String == "chat")
            let unknownInstance = try await client.call(.get, "/v1/chats?instance_id=\(UUID().uuidString)", key: key)
            #expect(unknownInstance.status == .notFound)
        }
    }

    @Test func presenceIsShownInTheChat() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("support", key: key, phone: Self.shop)
            let ada = harness.whatsapp.addPhone(try PhoneNumber("+4915112345678"), name: "Ada")
            let typing = try await client.call(
                .post, "/v1/instances/\(instance)/chats/4915112345678%40c.us/presence", key: key,
                json: #"{"presence":"typing"}"#)
            #expect(typing.status == .noContent)
            #expect(harness.whatsapp.presence(of: try PhoneNumber(Self.shop), in: ada.number) == .typing)
            let paused = try await client.call(
                .post, "/v1/instances/\(instance)/chats/4915112345678@c.us/presence", key: key,
                json: #"{"presence":"paused"}"#)
            #expect(paused.status == .noContent)
            #expect(harness.whatsapp.presence(of: try PhoneNumber(Self.shop), in: ada.number) == .paused)

            let dancing = try await client.call(
                .post, "/v1/instances/\(instance)/chats/4915112345678%40c.us/presence", key: key,
                json: #"{"presence":"dancing"}"#)
            #expect(dancing.status == .badRequest)
            #expect(dancing.problemCode == "malformed_request")
            let broadcast = try await client.call(
                .post, "/v1/instances/\(instance)/chats/status%40broadcast/presence", key: key,
                json: #"{"presence":"typing"}"#)
            #expect(broadcast.problemCode == "invalid_jid")

            _ = try await client.call(.post, "/v1/instances/\(instance)/stop", key: key)
            try await client.waitFor("the instance to stop") {
                try await client.call(.get, "/v1/instances/\(instance)", key: key).object["status"] as? String == "stopped"
            }
            let stopped = try await client.call(
                .post, "/v1/instances/\(instance)/chats/4915112345678%40c.us/presence", key: key,
                json: #"{"presence":"typing"}"#)
            #expect(stopped.status == .conflict)
            #expect(stopped.problemCode == "invalid_instance_state")
        }
    }

    @Test func numbersAreCheckedThroughTheInstance() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("support", key: key, phone: Self.shop)
            _ = try await client.call(
                .post, "/v1/simulator/phones", key: key, json: #"{"phone":"+4915112345678","name":"Ada"}"#)
            let contact = try #require(
                try await client.call(.post, "/v1/contacts", key: key, json: #"{"phone":"+4915112345678"}"#)
                    .object["id"] as? String)

            let checked = try await client.call(
                .post, "/v1/instances/\(instance)/numbers/check", key: key,
                json: #"{"phones":["+4915112345678","+4915155550000","+4915112345678"]}"#)
            #expect(checked.status == .ok)
            let results = try #require(try checked.object["results"] as? [[String: Any]])
            #expect(results.compactMap { $0["phone"] as? String } == ["+4915112345678", "+4915155550000"])
            #expect(results.compactMap { $0["on_whatsapp"] as? Bool } == [true, false])
            #expect(results.first?["jid"] as? String == "4915112345678@c.us")
            #expect(results.last?["jid"] == nil)
            let learned = try await client.call(.get, "/v1/contacts/\(contact)", key: key)
            #expect(try learned.object["jid"] as? String == "4915112345678@c.us")

            let badPhone = try await client.call(
                .post, "/v1/instances/\(instance)/numbers/check", key: key, json: #"{"phones":["+4915112345678","12ab"]}"#)
            #expect(badPhone.status == .unprocessableContent)
            #expect(try badPhone.object["field"] as? String == "phones[1]")
            let empty = try await client.call(
                .post, "/v1/instances/\(instance)/numbers/check", key: key, json: #"{"phones":[]}"#)
            #expect(empty.problemCode == "invalid_argument")
            #expect(try empty.object["field"] as? String == "phones")

            // Thirty numbers fill the minute's allowance (or are refused already, if the first checks were recent),
            // so the next thirty are refused whatever time the checks before took.
            let many = (10..<40).map { "\"+49151555500\($0)\"" }.joined(separator: ",")
            _ = try await client.call(
                .post, "/v1/instances/\(instance)/numbers/check", key: key, json: #"{"phones":[\#(many)]}"#)
            let more = (40..<70).map { "\"+49151555500\($0)\"" }.joined(separator: ",")
            let overLimit = try await client.call(
                .post, "/v1/instances/\(instance)/numbers/check", key: key, json: #"{"phones":[\#(more)]}"#)
            #expect(overLimit.status == .tooManyRequests)
            #expect(overLimit.problemCode == "rate_limited")
            #expect(overLimit.headers[.retryAfter] != nil)
        }
    }

    /// Another organization's key gets 404 on every chat route; a viewer reads chats but acts in none.
    @Test func strangersSeeNothingAndViewersCannotAct() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let stranger = harness.globex.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("support", key: key, phone: Self.shop)
            let ada = harness.whatsapp.addPhone(try PhoneNumber("+4915112345678"), name: "Ada")
            try ada.send(text: "Hello?", to: try PhoneNumber(Self.shop))
            try await client.waitFor("the chat") {
                (try await client.call(.get, "/v1/chats", key: key).object["items"] as? [Any])?.count == 1
            }
            let chatID = try #require(
                (try await client.call(.get, "/v1/chats", key: key).object["items"] as? [[String: Any]])?.first?["id"]
                    as? String)
            let chat = "4915112345678%40c.us"
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/chats/\(chatID)", nil),
                (.get, "/v1/chats?instance_id=\(instance)", nil),
                (.post, "/v1/instances/\(instance)/chats/\(chat)/seen", nil),
                (.post, "/v1/instances/\(instance)/chats/\(chat)/presence", #"{"presence":"typing"}"#),
                (.post, "/v1/instances/\(instance)/numbers/check", #"{"phones":["+4915112345678"]}"#),
            ]
            try await client.expectRefused(attempts, key: stranger)
            #expect((try await client.call(.get, "/v1/chats", key: stranger).object["items"] as? [Any])?.isEmpty == true)
            #expect(try await client.call(.get, "/v1/chats/\(chatID)", key: key).object["unread_count"] as? Int == 1)

            let viewer = try await client.sessionToken(of: .viewer, in: harness.acme, harness)
            #expect(try await client.call(.get, "/v1/chats/\(chatID)", key: viewer).status == .ok)
            #expect(try await client.call(.get, "/v1/chats", key: viewer).status == .ok)
            try await client.expectRefused(Array(attempts.dropFirst(2)), key: viewer, status: .forbidden, code: "permission_denied")
            #expect(try await client.call(.get, "/v1/chats/\(chatID)", key: key).object["unread_count"] as? Int == 1)
        }
    }
}

