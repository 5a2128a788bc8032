import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct InstancesAPITests {
    @Test func createReadChangeAndDeleteAnInstance() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let created = try await client.call(
                .post, "/v1/instances", key: key,
                json: #"{"name":"Sales-1","send_limits":{"per_minute":5,"per_hour":50,"per_day":200}}"#)
            #expect(created.status == .created)
            let instance = try created.object
            let id = try #require(instance["id"] as? String)
            #expect(instance["name"] as? String == "sales-1")
            #expect(instance["status"] as? String == "created")
            #expect((instance["proxy_policy"] as? [String: Any])?["mode"] as? String == "none")
            #expect((instance["send_limits"] as? [String: Any])?["per_hour"] as? Int == 50)

            let duplicate = try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"sales-1"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.problemCode == "already_exists")

            let read = try await client.call(.get, "/v1/instances/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["id"] as? String == id)

            let changed = try await client.call(
                .patch, "/v1/instances/\(id)", key: key, json: #"{"name":"sales-2","use_plan_send_limits":true}"#)
            #expect(changed.status == .ok)
            #expect(try changed.object["name"] as? String == "sales-2")
            #expect(try changed.object["send_limits"] == nil)
            #expect(try changed.object["call_policy"] as? String == "ignore")
            let rejecting = try await client.call(.patch, "/v1/instances/\(id)", key: key, json: #"{"call_policy":"reject"}"#)
            #expect(try rejecting.object["call_policy"] as? String == "reject")
            let unknownPolicy = try await client.call(.patch, "/v1/instances/\(id)", key: key, json: #"{"call_policy":"answer"}"#)
            #expect(unknownPolicy.status == .badRequest)

            let list = try await client.call(.get, "/v1/instances?limit=10", key: key)
            let items = try #require(try list.object["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == [id])
            #expect(try list.object["next_cursor"] == nil)

            let deleted = try await client.call(.delete, "/v1/instances/\(id)", key: key)
            #expect(deleted.status == .noContent)
            let gone = try await client.call(.get, "/v1/instances/\(id)", key: key)
            #expect(gone.status == .notFound)
            #expect(gone.problemCode == "not_found")
        }
    }

    @Test func startShowsAQRCodeAndStatus() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let id = try #require(
                try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"main"}"#).object["id"] as? String)
            let noCodeYet = try await client.call(.get, "/v1/instances/\(id)/qr", key: key)
            #expect(noCodeYet.status == .conflict)
            #expect(noCodeYet.problemCode == "invalid_instance_state")

            let started = try await client.call(.post, "/v1/instances/\(id)/start", key: key)
            #expect(started.status == .ok)
            #expect(try started.object["desired_state"] as? String == "running")

            var code: [String: Any] = [:]
            for _ in 0..<200 where code.isEmpty {
                let response = try await client.call(.get, "/v1/instances/\(id)/qr", key: key)
                if response.status == .ok { code = try response.object } else { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(code["kind"] as? String == "qr_code")
            #expect((code["value"] as? String)?.isEmpty == false)

            let status = try await client.call(.get, "/v1/instances/\(id)/status", key: key)
            #expect(status.status == .ok)
            #expect(try status.object["running_here"] as? Bool == true)
            #expect((try status.object["link_code"] as? [String: Any])?["kind"] as? String == "qr_code")

            let stopped = try await client.call(.post, "/v1/instances/\(id)/stop", key: key)
            #expect(try stopped.object["desired_state"] as? String == "stopped")
            let restarted = try await client.call(.post, "/v1/instances/\(id)/restart", key: key)
            #expect(try restarted.object["desired_state"] as? String == "running")
            _ = try await client.call(.post, "/v1/instances/\(id)/stop", key: key)
        }
    }

    /// Another organization's key gets 404 on every instance route and changes nothing.
    @Test func anotherOrganizationSeesNothing() async throws {
        let (harness, server) = try await APIHarness.make()
        let owner = harness.acme.adminKey
        let stranger = harness.globex.adminKey
        try await Application(router: server).test(.live) { client in
            let id = try #require(
                try await client.call(.post, "/v1/instances", key: owner, json: #"{"name":"private"}"#).object["id"]
                    as? String)
            let before = try await client.call(.get, "/v1/instances/\(id)", key: owner)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/instances/\(id)", nil),
                (.patch, "/v1/instances/\(id)", #"{"name":"taken-over"}"#),
                (.delete, "/v1/instances/\(id)", nil),
                (.post, "/v1/instances/\(id)/start", nil),
                (.post, "/v1/instances/\(id)/stop", nil),
                (.post, "/v1/instances/\(id)/restart", nil),
                (.post, "/v1/instances/\(id)/logout", nil),
                (.get, "/v1/instances/\(id)/status", nil),
                (.get, "/v1/instances/\(id)/qr", nil),
                (.post, "/v1/instances/\(id)/pairing-code", #"{"phone":"+4915112345678"}"#),
                (.get, "/v1/instances/\(id)/pairing-code", nil),
            ]
            try await client.expectRefused(attempts, key: stranger)
            let list = try await client.call(.get, "/v1/instances", key: stranger)
            #expect((try list.object["items"] as? [Any])?.isEmpty == true)
            let after = try await client.call(.get, "/v1/instances/\(id)", key: owner)
            #expect(String(buffer: after.body) == String(buffer: before.body))
        }
    }

    /// A key scoped to reading cannot do more; an agent sees and controls only the instances assigned to them.
    @Test func scopesAndAssignmentsHoldOverHTTP() async throws {
        let (harness, server) = try await APIHarness.make()
        let admin = harness.acme.adminKey
        let readOnly = try await harness.key(in: harness.acme, role: .manager, scopes: [.instancesRead])
        try await Application(router: server).test(.live) { client in
            let shared = try #require(
                try await client.call(.post, "/v1/instances", key: admin, json: #"{"name":"shared"}"#).object["id"]
                    as? String)
            let other = try #require(
                try await client.call(.post, "/v1/instances", key: admin, json: #"{"name":"other"}"#).object["id"]
                    as? String)
            #expect(try await client.call(.get, "/v1/instances/\(shared)", key: readOnly).status == .ok)
            let create = try await client.call(.post, "/v1/instances", key: readOnly, json: #"{"name":"mine"}"#)
            #expect(create.status == .forbidden)
            #expect(create.problemCode == "permission_denied")
            #expect(try await client.call(.post, "/v1/instances/\(shared)/start", key: readOnly).status == .forbidden)

            let agent = try await harness.key(
                in: harness.acme, role: .agent, assigned: [try InstanceID(parsing: shared)])
            let listed = try await client.call(.get, "/v1/instances", key: agent)
            #expect((try listed.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [shared])
            #expect(try await client.call(.get, "/v1/instances/\(other)", key: agent).status == .forbidden)
            #expect(try await client.call(.post, "/v1/instances/\(other)/start", key: agent).status == .forbidden)
            #expect(try await client.call(.post, "/v1/instances/\(shared)/start", key: agent).status == .ok)
            _ = try await client.call(.post, "/v1/instances/\(shared)/stop", key: agent)
        }
    }
}
