import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct AuditAPITests {
    @Test func listAndFilterTheAuditLog() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let adminID = harness.acme.admin.id.description
        try await Application(router: server).test(.live) { client in
            let invited = try await client.call(
                .post, "/v1/members", key: key, json: #"{"email":"ana@acme.example","display_name":"Ana","role":"agent"}"#)
            let memberID = try #require(try invited.object["id"] as? String)
            _ = try await client.call(.post, "/v1/members/\(memberID)/deactivate", key: key)

            let invitations = try await client.call(.get, "/v1/audit-events?action=member.invited", key: key)
            #expect(invitations.status == .ok)
            let items = try #require(try invitations.object["items"] as? [[String: Any]])
            #expect(items.count == 1)
            let event = try #require(items.first)
            #expect(event["action"] as? String == "member.invited")
            #expect(event["resource_type"] as? String == "member")
            #expect(event["resource_id"] as? String == memberID)
            #expect((event["metadata"] as? [String: String])?["role"] == "agent")
            #expect(event["occurred_at"] is String)
            let actor = try #require(event["actor"] as? [String: Any])
            #expect(actor["kind"] as? String == "api_key")
            #expect(actor["member_id"] as? String == adminID)
            let actorText = try #require(actor["text"] as? String)
            #expect(actorText.hasPrefix("api_key:") && actorText.hasSuffix("/member:\(adminID)"))

            let memberEvents = try await client.call(.get, "/v1/audit-events?action=member.&order=asc", key: key)
            #expect(
                (try memberEvents.object["items"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
                    == ["member.invited", "member.deactivated"])
            let byResource = try await client.call(.get, "/v1/audit-events?resource_id=\(memberID)", key: key)
            #expect((try byResource.object["items"] as? [Any])?.count == 2)
            let byActor = try await client.call(.get, "/v1/audit-events?actor=\(actorText)&limit=500", key: key)
            let actorItems = try #require(try byActor.object["items"] as? [[String: Any]])
            #expect(actorItems.count == 2)
            #expect(actorItems.allSatisfy { ($0["actor"] as? [String: Any])?["text"] as? String == actorText })
            let bySystem = try await client.call(.get, "/v1/audit-events?actor=system", key: key)
            #expect((try bySystem.object["items"] as? [Any])?.isEmpty == true)
            let future = try await client.call(.get, "/v1/audit-events?since=2999-01-01T00:00:00Z", key: key)
            #expect((try future.object["items"] as? [Any])?.isEmpty == true)

            let page = try await client.call(.get, "/v1/audit-events?limit=1", key: key)
            let cursor = try #require(try page.object["next_cursor"] as? String)
            let first = try #require((try page.object["items"] as? [[String: Any]])?.first?["id"] as? String)
            let next = try await client.call(.get, "/v1/audit-events?limit=1&cursor=\(cursor)", key: key)
            let second = try #require((try next.object["items"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(first != second)

            let badActor = try await client.call(.get, "/v1/audit-events?actor=someone", key: key)
            #expect(badActor.status == .unprocessableContent)
            #expect(badActor.problemCode == "invalid_argument")
            #expect(try badActor.object["field"] as? String == "actor")
            let backwards = try await client.call(
                .get, "/v1/audit-events?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", key: key)
            #expect(backwards.status == .unprocessableContent)
            #expect(try backwards.object["field"] as? String == "until")
        }
    }

    /// Only admins read the audit log, and only their own organization's.
    @Test func onlyAdminsReadTheirOwnLog() async throws {
        let (harness, server) = try await APIHarness.make()
        let manager = try await harness.key(in: harness.acme, role: .manager)
        try await Application(router: server).test(.live) { client in
            _ = try await client.call(
                .post, "/v1/members", key: harness.acme.adminKey,
                json: #"{"email":"ana@acme.example","display_name":"Ana","role":"agent"}"#)
            let refused = try await client.call(.get, "/v1/audit-events", key: manager)
            #expect(refused.status == .forbidden)
            #expect(refused.problemCode == "permission_denied")
            let other = try await client.call(.get, "/v1/audit-events?action=member.invited", key: harness.globex.adminKey)
            #expect(other.status == .ok)
            #expect((try other.object["items"] as? [Any])?.isEmpty == true)
        }
    }
}
