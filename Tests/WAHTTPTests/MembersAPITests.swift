import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WACoreTesting
import WAHTTP

@Suite struct MembersAPITests {
    /// Inviting answers with the member; the invitation token goes to the notifier and appears in no response.
    @Test func inviteReadAndListMembers() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let invited = try await client.call(
                .post, "/v1/members", key: key,
                json: #"{"email":" Ana@Acme.example ","display_name":"Ana","role":"agent"}"#)
            #expect(invited.status == .created)
            let member = try invited.object
            let id = try #require(member["id"] as? String)
            #expect(member["email"] as? String == "ana@acme.example")
            #expect(member["display_name"] as? String == "Ana")
            #expect(member["role"] as? String == "agent")
            #expect(member["active"] as? Bool == true)
            #expect(member["invitation_pending"] as? Bool == true)
            #expect(member["invitation_expires_at"] is String)
            #expect(member["assigned_instance_ids"] as? [String] == [])
            #expect(
                Set(member.keys) == [
                    "id", "email", "display_name", "role", "active", "assigned_instance_ids", "invitation_pending",
                    "invitation_expires_at", "created_at", "updated_at", "version",
                ])

            let notification = try #require(harness.notifier.last(for: "ana@acme.example"))
            #expect(notification.kind == .invitation)
            #expect(notification.member.id.description == id)
            let token = notification.token.reveal()
            let read = try await client.call(.get, "/v1/members/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["email"] as? String == "ana@acme.example")
            let list = try await client.call(.get, "/v1/members", key: key)
            for response in [invited, read, list] {
                #expect(!String(buffer: response.body).contains(token))
            }

            let duplicate = try await client.call(
                .post, "/v1/members", key: key, json: #"{"email":"ana@acme.example","display_name":"Ana","role":"agent"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.problemCode == "already_exists")
            let badEmail = try await client.call(
                .post, "/v1/members", key: key, json: #"{"email":"not-an-address","display_name":"X","role":"agent"}"#)
            #expect(badEmail.status == .unprocessableContent)
            #expect(badEmail.problemCode == "invalid_argument")
            #expect(try badEmail.object["field"] as? String == "email")
            let badRole = try await client.call(
                .post, "/v1/members", key: key, json: #"{"email":"x@acme.example","display_name":"X","role":"owner"}"#)
            #expect(badRole.status == .badRequest)

            let accepted = try await client.call(
                .post, "/v1/auth/invitations/accept",
                json: #"{"token":"\#(token)","password":"\#(AuthAPITests.password)"}"#)
            #expect(accepted.status == .ok)
            let joined = try await client.call(.get, "/v1/members/\(id)", key: key)
            #expect(try joined.object["invitation_pending"] as? Bool == false)

            let agents = try await client.call(.get, "/v1/members?role=agent", key: key)
            #expect((try agents.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
            let inactive = try await client.call(.get, "/v1/members?active=false", key: key)
            #expect((try inactive.object["items"] as? [Any])?.isEmpty == true)
            let first = try await client.call(.get, "/v1/members?limit=1&order=asc", key: key)
            let firstItems = try #require(try first.object["items"] as? [[String: Any]])
            #expect(firstItems.compactMap { $0["id"] as? String } == [harness.acme.admin.id.description])
            let cursor = try #require(try first.object["next_cursor"] as? String)
            let second = try await client.call(.get, "/v1/members?limit=1&order=asc&cursor=\(cursor)", key: key)
            #expect((try second.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
        }
    }

    @Test func changeRoleDeactivateReactivateAndRemove() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let bob = try await harness.member(in: harness.acme, role: .agent, email: "bob@acme.example")
        try await Application(router: server).test(.live) { client in
            let bobToken = try await client.token("acme", "bob@acme.example", AuthAPITests.password)
            let promoted = try await client.call(.patch, "/v1/members/\(bob.id)", key: key, json: #"{"role":"manager"}"#)
            #expect(promoted.status == .ok)
            #expect(try promoted.object["role"] as? String == "manager")
            // A role change ends the member's sessions.
            #expect(try await client.call(.get, "/v1/me", key: bobToken).status == .unauthorized)

            let lastAdmin = try await client.call(
                .patch, "/v1/members/\(harness.acme.admin.id)", key: key, json: #"{"role":"manager"}"#)
            #expect(lastAdmin.status == .conflict)
            #expect(lastAdmin.problemCode == "last_admin")

            let deactivated = try await client.call(.post, "/v1/members/\(bob.id)/deactivate", key: key)
            #expect(deactivated.status == .ok)
            #expect(try deactivated.object["active"] as? Bool == false)
            #expect(try await client.signIn("acme", "bob@acme.example", AuthAPITests.password).status == .unauthorized)
            let reactivated = try await client.call(.post, "/v1/members/\(bob.id)/reactivate", key: key)
            #expect(reactivated.status == .ok)
            #expect(try reactivated.object["active"] as? Bool == true)
            #expect(try await client.signIn("acme", "bob@acme.example", AuthAPITests.password).status == .ok)

            let removed = try await client.call(.delete, "/v1/members/\(bob.id)", key: key)
            #expect(removed.status == .noContent)
            let gone = try await client.call(.get, "/v1/members/\(bob.id)", key: key)
            #expect(gone.status == .notFound)
            #expect(gone.problemCode == "not_found")
            let malformed = try await client.call(.get, "/v1/members/not-an-id", key: key)
            #expect(malformed.status == .unprocessableContent)
            #expect(try malformed.object["field"] as? String == "member_id")
        }
    }

    @Test func assignInstancesAndEndSessions() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let agent = try await harness.member(in: harness.acme, role: .agent, email: "ada@acme.example")
        try await Application(router: server).test(.live) { client in
            let instance = try #require(
                try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"desk"}"#).object["id"] as? String)
            let assigned = try await client.call(
                .put, "/v1/members/\(agent.id)/instances", key: key, json: #"{"instance_ids":["\#(instance)"]}"#)
            #expect(assigned.status == .ok)
            #expect(try assigned.object["assigned_instance_ids"] as? [String] == [instance])
            let token = try await client.token("acme", "ada@acme.example", AuthAPITests.password)
            let visible = try await client.call(.get, "/v1/instances", key: token)
            #expect((try visible.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [instance])

            let unknown = try await client.call(
                .put, "/v1/members/\(agent.id)/instances", key: key,
                json: #"{"instance_ids":["\#(UUID().uuidString.lowercased())"]}"#)
            #expect(unknown.status == .notFound)
            #expect(try unknown.object["field"] as? String == "instance_ids")
            let malformed = try await client.call(
                .put, "/v1/members/\(agent.id)/instances", key: key, json: #"{"instance_ids":["nope"]}"#)
            #expect(malformed.status == .unprocessableContent)
            #expect(try malformed.object["field"] as? String == "instance_ids")

            let ended = try await client.call(.post, "/v1/members/\(agent.id)/sessions/end", key: key)
            #expect(ended.status == .ok)
            #expect(try ended.object["id"] as? String == agent.id.description)
            #expect(try await client.call(.get, "/v1/me", key: token).status == .unauthorized)
            let cleared = try await client.call(
                .put, "/v1/members/\(agent.id)/instances", key: key, json: #"{"instance_ids":[]}"#)
            #expect(try cleared.object["assigned_instance_ids"] as? [String] == [])
        }
    }

    /// Members are read by everyone; managed by admins only.
    @Test func onlyAdminsManageMembers() async throws {
        let (harness, server) = try await APIHarness.make()
        let manager = try await harness.key(in: harness.acme, role: .manager)
        let agent = try await harness.key(in: harness.acme, role: .agent)
        let target = try await harness.member(in: harness.acme, role: .agent, email: "tom@acme.example")
        _ = try await harness.member(in: harness.acme, role: .viewer, email: "vic@acme.example")
        try await Application(router: server).test(.live) { client in
            let viewer = try await client.token("acme", "vic@acme.example", AuthAPITests.password)
            let writes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/members", #"{"email":"new@acme.example","display_name":"New","role":"viewer"}"#),
                (.patch, "/v1/members/\(target.id)", #"{"role":"viewer"}"#),
                (.post, "/v1/members/\(target.id)/deactivate", nil),
                (.post, "/v1/members/\(target.id)/reactivate", nil),
                (.put, "/v1/members/\(target.id)/instances", #"{"instance_ids":[]}"#),
                (.post, "/v1/members/\(target.id)/sessions/end", nil),
                (.delete, "/v1/members/\(target.id)", nil),
            ]
            for credential in [manager, agent, viewer] {
                let list = try await client.call(.get, "/v1/members", key: credential)
                #expect(list.status == .ok)
                #expect(try await client.call(.get, "/v1/members/\(target.id)", key: credential).status == .ok)
                for (method, path, body) in writes {
                    // Managers assign instances; nobody below admin does anything else here.
                    if credential == manager, path.hasSuffix("/instances") { continue }
                    let response = try await client.call(method, path, key: credential, json: body)
                    #expect(response.status == .forbidden, "\(method) \(path)")
                    #expect(response.problemCode == "permission_denied", "\(method) \(path)")
                }
            }
            let after = try await client.call(.get, "/v1/members/\(target.id)", key: harness.acme.adminKey)
            #expect(try after.object["role"] as? String == "agent")
            #expect(try after.object["active"] as? Bool == true)
            #expect(harness.notifier.last(for: "new@acme.example") == nil)
        }
    }

    /// Another organization's key gets 404 on every member route and changes nothing.
    @Test func anotherOrganizationSeesNoMember() async throws {
        let (harness, server) = try await APIHarness.make()
        let target = try await harness.member(in: harness.acme, role: .agent, email: "zoe@acme.example")
        let stranger = harness.globex.adminKey
        try await Application(router: server).test(.live) { client in
            let before = try await client.call(.get, "/v1/members/\(target.id)", key: harness.acme.adminKey)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/members/\(target.id)", nil),
                (.patch, "/v1/members/\(target.id)", #"{"role":"viewer"}"#),
                (.post, "/v1/members/\(target.id)/deactivate", nil),
                (.post, "/v1/members/\(target.id)/reactivate", nil),
                (.put, "/v1/members/\(target.id)/instances", #"{"instance_ids":[]}"#),
                (.post, "/v1/members/\(target.id)/sessions/end", nil),
                (.delete, "/v1/members/\(target.id)", nil),
            ]
            try await client.expectRefused(attempts, key: stranger)
            let list = try await client.call(.get, "/v1/members", key: stranger)
            #expect(
                (try list.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                    == [harness.globex.admin.id.description])
            let after = try await client.call(.get, "/v1/members/\(target.id)", key: harness.acme.adminKey)
            #expect(String(buffer: after.body) == String(buffer: before.body))
        }
    }
}
