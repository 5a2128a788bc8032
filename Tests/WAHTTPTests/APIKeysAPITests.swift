import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct APIKeysAPITests {
    /// A created key works as a bearer credential within its scopes; its secret appears once; revoked, it gets 401.
    @Test func createUseListAndRevokeAKey() async throws {
        let (harness, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let admin = try await client.token("acme", "admin@acme.example", AuthAPITests.password)
            let created = try await client.call(
                .post, "/v1/api-keys", key: admin,
                json: #"{"name":" CRM sync ","scopes":["messages:read","instances:read"]}"#)
            #expect(created.status == .created)
            let key = try created.object
            let id = try #require(key["id"] as? String)
            let secret = try #require(key["secret"] as? String)
            #expect(secret.hasPrefix("wa_"))
            #expect(key["name"] as? String == "CRM sync")
            #expect(key["scopes"] as? [String] == ["instances:read", "messages:read"])
            #expect(key["created_by"] as? String == harness.acme.admin.id.description)
            #expect(key["hint"] as? String == String(secret.suffix(4)))

            let me = try await client.call(.get, "/v1/me", key: secret)
            #expect(me.status == .ok)
            #expect(try me.object["kind"] as? String == "api_key")
            #expect(try me.object["api_key_id"] as? String == id)
            #expect(try await client.call(.get, "/v1/instances", key: secret).status == .ok)
            let beyond = try await client.call(.post, "/v1/instances", key: secret, json: #"{"name":"nope"}"#)
            #expect(beyond.status == .forbidden)

            let list = try await client.call(.get, "/v1/api-keys", key: admin)
            #expect(list.status == .ok)
            let listed = try #require(try list.object["items"] as? [[String: Any]])
            #expect(listed.contains { $0["id"] as? String == id })
            #expect(listed.allSatisfy { $0["secret"] == nil })
            #expect(!String(buffer: list.body).contains(secret))

            let revoked = try await client.call(.delete, "/v1/api-keys/\(id)", key: admin)
            #expect(revoked.status == .ok)
            #expect(try revoked.object["revoked_at"] is String)
            #expect(!String(buffer: revoked.body).contains(secret))
            let refused = try await client.call(.get, "/v1/me", key: secret)
            #expect(refused.status == .unauthorized)
            #expect(refused.problemCode == "unauthenticated")

            let active = try await client.call(.get, "/v1/api-keys", key: admin)
            #expect((try active.object["items"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == false)
            let all = try await client.call(.get, "/v1/api-keys?include_revoked=true", key: admin)
            #expect((try all.object["items"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == true)
            #expect(!String(buffer: all.body).contains(secret))
        }
    }

    @Test func refusedKeyRequests() async throws {
        let (harness, server) = try await APIHarness.make()
        _ = try await harness.member(in: harness.acme, role: .agent, email: "ada@acme.example")
        _ = try await harness.member(in: harness.acme, role: .viewer, email: "vic@acme.example")
        try await Application(router: server).test(.live) { client in
            let admin = try await client.token("acme", "admin@acme.example", AuthAPITests.password)
            let unknown = try await client.call(
                .post, "/v1/api-keys", key: admin, json: #"{"name":"x","scopes":["messages:fly"]}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.problemCode == "invalid_argument")
            #expect(try unknown.object["field"] as? String == "scopes")
            let past = try await client.call(
                .post, "/v1/api-keys", key: admin,
                json: #"{"name":"x","scopes":["messages:read"],"expires_at":"2001-01-01T00:00:00Z"}"#)
            #expect(past.status == .unprocessableContent)
            #expect(try past.object["field"] as? String == "expires_at")
            let noName = try await client.call(
                .post, "/v1/api-keys", key: admin, json: #"{"name":"  ","scopes":["messages:read"]}"#)
            #expect(try noName.object["field"] as? String == "name")

            // A key cannot mint keys.
            let byKey = try await client.call(
                .post, "/v1/api-keys", key: harness.acme.adminKey, json: #"{"name":"x","scopes":["messages:read"]}"#)
            #expect(byKey.status == .forbidden)
            #expect(byKey.problemCode == "permission_denied")
            // Nobody hands out more than their role holds; viewers hold no keys at all.
            let agent = try await client.token("acme", "ada@acme.example", AuthAPITests.password)
            let exceeds = try await client.call(
                .post, "/v1/api-keys", key: agent, json: #"{"name":"x","scopes":["members:manage"]}"#)
            #expect(exceeds.status == .forbidden)
            #expect(exceeds.problemCode == "scope_exceeds_creator")
            let viewer = try await client.token("acme", "vic@acme.example", AuthAPITests.password)
            let byViewer = try await client.call(
                .post, "/v1/api-keys", key: viewer, json: #"{"name":"x","scopes":["messages:read"]}"#)
            #expect(byViewer.status == .forbidden)
        }
    }

    @Test func aRotatedKeysNewSecretWorks() async throws {
        let (_, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let admin = try await client.token("acme", "admin@acme.example", AuthAPITests.password)
            let created = try await client.call(
                .post, "/v1/api-keys", key: admin, json: #"{"name":"ci","scopes":["instances:read"]}"#)
            let oldID = try #require(try created.object["id"] as? String)
            let oldSecret = try #require(try created.object["secret"] as? String)

            let tooLong = try await client.call(.post, "/v1/api-keys/\(oldID)/rotate?overlap_seconds=99999999", key: admin)
            #expect(tooLong.status == .unprocessableContent)
            #expect(try tooLong.object["field"] as? String == "overlap_seconds")

            let rotated = try await client.call(.post, "/v1/api-keys/\(oldID)/rotate?overlap_seconds=3600", key: admin)
            #expect(rotated.status == .created)
            let newID = try #require(try rotated.object["id"] as? String)
            let newSecret = try #require(try rotated.object["secret"] as? String)
            #expect(newID != oldID)
            #expect(newSecret != oldSecret)
            #expect(try rotated.object["name"] as? String == "ci")
            #expect(try await client.call(.get, "/v1/me", key: newSecret).object["api_key_id"] as? String == newID)
            // Within the overlap the old secret still works; it cannot be rotated twice.
            #expect(try await client.call(.get, "/v1/me", key: oldSecret).status == .ok)
            let twice = try await client.call(.post, "/v1/api-keys/\(oldID)/rotate", key: admin)
            #expect(twice.status == .unauthorized)
            #expect(twice.problemCode == "api_key_revoked")

            // Without an overlap the old key stops at once.
            let again = try await client.call(.post, "/v1/api-keys/\(newID)/rotate", key: admin)
            #expect(again.status == .created)
            let latest = try #require(try again.object["secret"] as? String)
            #expect(try await client.call(.get, "/v1/me", key: newSecret).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/me", key: latest).status == .ok)
            let list = try await client.call(.get, "/v1/api-keys?include_revoked=true", key: admin)
            for secret in [oldSecret, newSecret, latest] {
                #expect(!String(buffer: list.body).contains(secret))
            }
        }
    }

    /// Members see and manage their own keys; admins see and revoke everyone's but rotate only their own.
    @Test func ownKeysAndEveryonesKeys() async throws {
        let (harness, server) = try await APIHarness.make()
        _ = try await harness.member(in: harness.acme, role: .agent, email: "ada@acme.example")
        try await Application(router: server).test(.live) { client in
            let admin = try await client.token("acme", "admin@acme.example", AuthAPITests.password)
            let agent = try await client.token("acme", "ada@acme.example", AuthAPITests.password)
            let adminKeyID = try #require(
                try await client.call(
                    .post, "/v1/api-keys", key: admin, json: #"{"name":"admin's","scopes":["instances:read"]}"#
                ).object["id"] as? String)
            let agentKeyID = try #require(
                try await client.call(
                    .post, "/v1/api-keys", key: agent, json: #"{"name":"agent's","scopes":["messages:send"]}"#
                ).object["id"] as? String)

            let agentList = try await client.call(.get, "/v1/api-keys", key: agent)
            #expect(
                (try agentList.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [agentKeyID])
            let adminList = try await client.call(.get, "/v1/api-keys", key: admin)
            let adminSees = Set((try adminList.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? [])
            #expect(adminSees.isSuperset(of: [adminKeyID, agentKeyID]))

            let othersKey: [(HTTPRequest.Method, String)] = [
                (.delete, "/v1/api-keys/\(adminKeyID)"), (.post, "/v1/api-keys/\(adminKeyID)/rotate"),
            ]
            for (method, path) in othersKey {
                let response = try await client.call(method, path, key: agent)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(response.problemCode == "permission_denied", "\(method) \(path)")
            }
            let rotateOthers = try await client.call(.post, "/v1/api-keys/\(agentKeyID)/rotate", key: admin)
            #expect(rotateOthers.status == .forbidden)
            let revokeOthers = try await client.call(.delete, "/v1/api-keys/\(agentKeyID)", key: admin)
            #expect(revokeOthers.status == .ok)
            #expect(try revokeOthers.object["id"] as? String == agentKeyID)
        }
    }

    /// Another organization's admin gets 404 on every key route.
    @Test func anotherOrganizationSeesNoKey() async throws {
        let (_, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let owner = try await client.token("acme", "admin@acme.example", AuthAPITests.password)
            let created = try await client.call(
                .post, "/v1/api-keys", key: owner, json: #"{"name":"private","scopes":["instances:read"]}"#)
            let id = try #require(try created.object["id"] as? String)
            let secret = try #require(try created.object["secret"] as? String)
            let stranger = try await client.token("globex", "admin@globex.example", AuthAPITests.password)
            let routes: [(HTTPRequest.Method, String)] = [(.delete, "/v1/api-keys/\(id)"), (.post, "/v1/api-keys/\(id)/rotate")]
            for (method, path) in routes {
                let response = try await client.call(method, path, key: stranger)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.problemCode == "not_found", "\(method) \(path)")
            }
            let list = try await client.call(.get, "/v1/api-keys?include_revoked=true", key: stranger)
            #expect((try list.object["items"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == false)
            #expect(try await client.call(.get, "/v1/me", key: secret).status == .ok)
        }
    }
}
