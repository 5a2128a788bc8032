import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct GroupsAPITests {
    static let shop = "+4915100000001"

    /// The instance's groups with their members; a message written in one names its author; a send to one by JID
    /// reaches every member.
    @Test func groupsAreListedAndMessagesInThemNameTheirAuthor() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("support", key: key, phone: Self.shop)
            let ada = harness.whatsapp.addPhone(try PhoneNumber("+4915112345678"), name: "Ada")
            let bob = harness.whatsapp.addPhone(try PhoneNumber("+4915187654321"), name: "Bob")
            let team = try harness.whatsapp.createGroup(
                "Team", owner: ada.number, members: [try PhoneNumber(Self.shop), bob.number], admins: [bob.number])

            let list = try await client.call(.get, "/v1/instances/\(instance)/groups", key: key)
            #expect(list.status == .ok)
            let groups = try #require(try list.object["items"] as? [[String: Any]])
            #expect(groups.compactMap { $0["jid"] as? String } == [team.description])
            let group = try #require(groups.first)
            #expect(group["subject"] as? String == "Team" && group["announcement_only"] as? Bool == false)
            #expect(group["owner"] as? String == "4915112345678@c.us" && group["created_at"] is String)
            let participants = try #require(group["participants"] as? [[String: Any]])
            #expect(participants.compactMap { $0["role"] as? String } == ["super_admin", "member", "admin"])
            #expect(participants.first?["jid"] as? String == "4915112345678@c.us")

            let one = try await client.call(.get, "/v1/instances/\(instance)/groups/\(team.user)%40g.us", key: key)
            #expect(one.status == .ok)
            #expect(try one.object["subject"] as? String == "Team")
            let notGroup = try await client.call(.get, "/v1/instances/\(instance)/groups/4915112345678@c.us", key: key)
            #expect(notGroup.status == .unprocessableContent && notGroup.problemCode == "invalid_jid")
            let notMember = try await client.call(.get, "/v1/instances/\(instance)/groups/120363000000000001@g.us", key: key)
            #expect(notMember.status == .notFound)

            try ada.send(.text("Lunch?"), to: team)
            var received: [String: Any] = [:]
            try await client.waitFor("Ada's group message") {
                let items = try await client.call(.get, "/v1/messages?direction=inbound", key: key).object["items"]
                received = (items as? [[String: Any]])?.first ?? [:]
                return !received.isEmpty
            }
            #expect(received["chat"] as? String == team.description)
            #expect(received["author"] as? String == "4915112345678@c.us")

            let sent = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"\#(team)","content":{"type":"text","text":"Noon works"}}"#)
            #expect(sent.status == .accepted)
            try await client.waitFor("both members to get the reply") {
                ada.inbox.contains { $0.body == "Noon works" } && bob.inbox.contains { $0.body == "Noon works" }
            }
        }
    }
}
