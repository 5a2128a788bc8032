import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct OrganizationAPITests {
    @Test func readAndChangeTheOrganization() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let read = try await client.call(.get, "/v1/organization", key: key)
            #expect(read.status == .ok)
            let organization = try read.object
            #expect(organization["id"] as? String == harness.acme.organization.id.description)
            #expect(organization["name"] as? String == "Acme")
            #expect(organization["slug"] as? String == "acme")
            #expect(organization["plan"] as? String == "pro")
            #expect(organization["has_limit_overrides"] as? Bool == false)
            let optOut = try #require(organization["opt_out"] as? [String: Any])
            #expect(optOut["enabled"] as? Bool == true)
            #expect((optOut["keywords"] as? [String])?.contains("STOP") == true)

            let changed = try await client.call(
                .patch, "/v1/organization", key: key, json: #"{"name":"  Acme Corp  ","slug":"acme-corp"}"#)
            #expect(changed.status == .ok)
            #expect(try changed.object["name"] as? String == "Acme Corp")
            #expect(try changed.object["slug"] as? String == "acme-corp")
            #expect(try changed.object["version"] as? Int != organization["version"] as? Int)

            let badSlug = try await client.call(.patch, "/v1/organization", key: key, json: #"{"slug":"No Way"}"#)
            #expect(badSlug.status == .unprocessableContent)
            #expect(badSlug.problemCode == "invalid_argument")
            #expect(try badSlug.object["field"] as? String == "slug")
            let taken = try await client.call(.patch, "/v1/organization", key: key, json: #"{"slug":"globex"}"#)
            #expect(taken.status == .conflict)
            #expect(taken.problemCode == "already_exists")

            // Each organization sees itself only.
            let other = try await client.call(.get, "/v1/organization", key: harness.globex.adminKey)
            #expect(try other.object["id"] as? String == harness.globex.organization.id.description)
            #expect(try other.object["name"] as? String == "Globex")
        }
    }

    @Test func onlyAdminsChangeSettingsButEveryoneReadsThem() async throws {
        let (harness, server) = try await APIHarness.make()
        let manager = try await harness.key(in: harness.acme, role: .manager)
        _ = try await harness.member(in: harness.acme, role: .viewer, email: "vic@acme.example")
        try await Application(router: server).test(.live) { client in
            let viewer = try await client.token("acme", "vic@acme.example", AuthAPITests.password)
            for credential in [manager, viewer] {
                #expect(try await client.call(.get, "/v1/organization", key: credential).status == .ok)
                #expect(try await client.call(.get, "/v1/organization/usage", key: credential).status == .ok)
                let patch = try await client.call(.patch, "/v1/organization", key: credential, json: #"{"name":"Mine"}"#)
                #expect(patch.status == .forbidden)
                #expect(patch.problemCode == "permission_denied")
                let optOut = try await client.call(
                    .put, "/v1/organization/opt-out", key: credential,
                    json: #"{"enabled":false,"keywords":[],"opt_in_keywords":[]}"#)
                #expect(optOut.status == .forbidden)
            }
            let unchanged = try await client.call(.get, "/v1/organization", key: harness.acme.adminKey)
            #expect(try unchanged.object["name"] as? String == "Acme")
            #expect((try unchanged.object["opt_out"] as? [String: Any])?["enabled"] as? Bool == true)
        }
    }

    @Test func replaceTheOptOutSettings() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let replaced = try await client.call(
                .put, "/v1/organization/opt-out", key: key,
                json: #"{"enabled":true,"keywords":[" HALT ","halt","Pause"],"opt_in_keywords":["RESUME"],"confirmation":"Bye"}"#)
            #expect(replaced.status == .ok)
            let optOut = try #require(try replaced.object["opt_out"] as? [String: Any])
            #expect(optOut["keywords"] as? [String] == ["HALT", "Pause"])
            #expect(optOut["opt_in_keywords"] as? [String] == ["RESUME"])
            #expect(optOut["confirmation"] as? String == "Bye")
            #expect(optOut["opt_in_confirmation"] == nil)
            let stored = try await harness.gateway.organizations.organization(
                by: .authenticatedExternally(harness.acme.admin))
            #expect(stored.optOut.keywords == ["HALT", "Pause"])
            #expect(stored.optOut.optInConfirmation == nil)

            let both = try await client.call(
                .put, "/v1/organization/opt-out", key: key,
                json: #"{"enabled":true,"keywords":["STOP"],"opt_in_keywords":["stop"]}"#)
            #expect(both.status == .unprocessableContent)
            #expect(both.problemCode == "invalid_argument")
            #expect(try both.object["field"] as? String == "opt_out.opt_in_keywords")
            let malformed = try await client.call(
                .put, "/v1/organization/opt-out", key: key, json: #"{"enabled":true}"#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.problemCode == "malformed_request")

            let audit = try await client.call(
                .get, "/v1/audit-events?action=organization.opt_out_updated", key: key)
            #expect((try audit.object["items"] as? [Any])?.count == 1)
        }
    }

    @Test func usageCountsAgainstThePlansLimits() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let limits = Plan.pro.limits
        try await Application(router: server).test(.live) { client in
            let before = try await client.call(.get, "/v1/organization/usage", key: key)
            #expect(before.status == .ok)
            let usage = try before.object
            #expect(usage["organization_id"] as? String == harness.acme.organization.id.description)
            #expect(usage["plan"] as? String == "pro")
            let instances = try #require(usage["instances"] as? [String: Any])
            #expect(instances["used"] as? Int == 0)
            #expect(instances["limit"] as? Int == limits.instances)
            #expect(instances["remaining"] as? Int == limits.instances)
            let members = try #require(usage["active_members"] as? [String: Any])
            #expect(members["used"] as? Int == 1)
            #expect(members["limit"] as? Int == limits.members)
            #expect((usage["messages_today"] as? [String: Any])?["used"] as? Int == 0)
            #expect(usage["messages_reset_at"] is String)
            #expect(usage["measured_at"] is String)

            _ = try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"one"}"#)
            let after = try await client.call(.get, "/v1/organization/usage", key: key)
            #expect((try after.object["instances"] as? [String: Any])?["used"] as? Int == 1)
            // Another organization's figures are its own.
            let other = try await client.call(.get, "/v1/organization/usage", key: harness.globex.adminKey)
            #expect((try other.object["instances"] as? [String: Any])?["used"] as? Int == 0)
        }
    }
}
