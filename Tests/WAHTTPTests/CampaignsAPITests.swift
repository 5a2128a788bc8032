import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct CampaignsAPITests {
    /// A draft created over the API against a linked simulated instance, started, watched to completion (the
    /// gateway's workers run), then reported on; its messages reached the simulated phones.
    @Test func aCampaignRunsToCompletionAndReports() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let fixture = try await client.campaignFixture(harness)
            let created = try await client.call(
                .post, "/v1/campaigns", key: key,
                json: #"{"name":" Spring sale ","instance_id":"\#(fixture.instance)","template_id":"\#(fixture.template)","audience":{"type":"tags","tags":["VIP"]},"schedule":{"time_zone":"Europe/Berlin"}}"#)
            #expect(created.status == .created)
            let campaign = try created.object
            let id = try #require(campaign["id"] as? String)
            #expect(campaign["name"] as? String == "Spring sale")
            #expect(campaign["status"] as? String == "draft")
            #expect(campaign["instance_id"] as? String == fixture.instance)
            #expect(campaign["template_id"] as? String == fixture.template)
            let audience = try #require(campaign["audience"] as? [String: Any])
            #expect(audience["type"] as? String == "tags")
            #expect(audience["tags"] as? [String] == ["vip"])
            let schedule = try #require(campaign["schedule"] as? [String: Any])
            #expect(schedule["time_zone"] as? String == "Europe/Berlin")
            #expect((campaign["progress"] as? [String: Any])?["total"] as? Int == 0)

            let listed = try await client.call(.get, "/v1/campaigns?status=draft", key: key)
            #expect(listed.status == .ok)
            let items = try #require(try listed.object["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == [id])
            let noneRunning = try await client.call(.get, "/v1/campaigns?status=running", key: key)
            #expect((try noneRunning.object["items"] as? [Any])?.isEmpty == true)

            // Only scheduled or running campaigns pause; only paused ones resume.
            let pauseDraft = try await client.call(.post, "/v1/campaigns/\(id)/pause", key: key)
            #expect(pauseDraft.status == .conflict)
            #expect(pauseDraft.problemCode == "campaign_invalid_state")
            let resumeDraft = try await client.call(.post, "/v1/campaigns/\(id)/resume", key: key)
            #expect(resumeDraft.status == .conflict)
            #expect(resumeDraft.problemCode == "campaign_invalid_state")

            let started = try await client.call(.post, "/v1/campaigns/\(id)/start", key: key)
            #expect(started.status == .ok)
            let startedCampaign = try started.object
            #expect(["running", "scheduled"].contains(startedCampaign["status"] as? String))
            #expect((startedCampaign["progress"] as? [String: Any])?["total"] as? Int == 2)

            let again = try await client.call(.post, "/v1/campaigns/\(id)/start", key: key)
            #expect(again.status == .conflict)
            #expect(again.problemCode == "campaign_invalid_state")
            let changeRunning = try await client.call(
                .patch, "/v1/campaigns/\(id)", key: key, json: #"{"template_id":"\#(fixture.template)"}"#)
            #expect(changeRunning.status == .conflict)
            #expect(changeRunning.problemCode == "campaign_invalid_state")
            let deleteRunning = try await client.call(.delete, "/v1/campaigns/\(id)", key: key)
            #expect(deleteRunning.status == .conflict)
            #expect(deleteRunning.problemCode == "campaign_invalid_state")

            // The finish job looks every 30 s (± 20 %), so completion takes up to about 40 s on the system clock.
            try await client.waitLong("the campaign to complete") {
                try await client.call(.get, "/v1/campaigns/\(id)", key: key).object["status"] as? String == "completed"
            }
            let progress = try await client.call(.get, "/v1/campaigns/\(id)/progress", key: key)
            #expect(progress.status == .ok)
            let counters = try progress.object
            #expect(counters["total"] as? Int == 2)
            #expect(counters["sent"] as? Int == 2)
            #expect(counters["queued"] as? Int == 0)
            #expect(counters["failed"] as? Int == 0)

            let report = try await client.call(.get, "/v1/campaigns/\(id)/report", key: key)
            #expect(report.status == .ok)
            let body = try report.object
            #expect(body["campaign_id"] as? String == id)
            #expect(body["status"] as? String == "completed")
            #expect(body["unreached"] as? Int == 0)
            #expect(body["first_sent_at"] is String)
            let funnel = try #require(body["funnel"] as? [[String: Any]])
            #expect(funnel.compactMap { $0["stage"] as? String } == ["targeted", "sent", "delivered", "read", "replied"])
            #expect(funnel.first?["count"] as? Int == 2)
            #expect(funnel.dropFirst().first?["count"] as? Int == 2)

            for (phone, text) in zip(fixture.phones, ["Hi Bea, 20% off", "Hi Carl, 20% off"]) {
                #expect(harness.whatsapp.deliveries(to: try PhoneNumber(phone)).map(\.content) == [.text(text)])
            }

            let finalCancel = try await client.call(.post, "/v1/campaigns/\(id)/cancel", key: key)
            #expect(finalCancel.status == .conflict)
            #expect(finalCancel.problemCode == "campaign_invalid_state")
            let deleted = try await client.call(.delete, "/v1/campaigns/\(id)", key: key)
            #expect(deleted.status == .noContent)
            let gone = try await client.call(.get, "/v1/campaigns/\(id)", key: key)
            #expect(gone.status == .notFound)
        }
    }

    /// A campaign scheduled for later pauses, resumes and is cancelled; each wrong step is 409.
    @Test func pauseResumeAndCancelAScheduledCampaign() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let fixture = try await client.campaignFixture(harness)
            let created = try await client.call(
                .post, "/v1/campaigns", key: key,
                json: #"{"name":"Later","instance_id":"\#(fixture.instance)","template_id":"\#(fixture.template)","audience":{"type":"contacts","contacts":["\#(fixture.contacts[0])","\#(fixture.contacts[0])"]},"schedule":{"start_at":"2999-01-01T09:00:00Z","quiet_hours":{"start_hour":23,"end_hour":6}}}"#)
            #expect(created.status == .created)
            let id = try #require(try created.object["id"] as? String)
            #expect((try created.object["audience"] as? [String: Any])?["contacts"] as? [String] == [fixture.contacts[0]])

            let renamed = try await client.call(.patch, "/v1/campaigns/\(id)", key: key, json: #"{"name":"Much later"}"#)
            #expect(renamed.status == .ok)
            #expect(try renamed.object["name"] as? String == "Much later")
            let createdVersion = try #require(try created.object["version"] as? Int)
            #expect(try renamed.object["version"] as? Int == createdVersion + 1)
            let quiet = (try renamed.object["schedule"] as? [String: Any])?["quiet_hours"] as? [String: Any]
            #expect(quiet?["start_hour"] as? Int == 23)
            #expect(quiet?["end_hour"] as? Int == 6)

            let started = try await client.call(.post, "/v1/campaigns/\(id)/start", key: key)
            #expect(try started.object["status"] as? String == "scheduled")
            let paused = try await client.call(.post, "/v1/campaigns/\(id)/pause", key: key)
            #expect(paused.status == .ok)
            #expect(try paused.object["status"] as? String == "paused")
            let pausedAgain = try await client.call(.post, "/v1/campaigns/\(id)/pause", key: key)
            #expect(pausedAgain.status == .conflict)
            #expect(pausedAgain.problemCode == "campaign_invalid_state")
            let resumed = try await client.call(.post, "/v1/campaigns/\(id)/resume", key: key)
            #expect(resumed.status == .ok)
            #expect(try resumed.object["status"] as? String == "scheduled")
            let cancelled = try await client.call(.post, "/v1/campaigns/\(id)/cancel", key: key)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.object["status"] as? String == "cancelled")
            let resumeCancelled = try await client.call(.post, "/v1/campaigns/\(id)/resume", key: key)
            #expect(resumeCancelled.status == .conflict)
            #expect(resumeCancelled.problemCode == "campaign_invalid_state")
            let report = try await client.call(.get, "/v1/campaigns/\(id)/report", key: key)
            #expect(try report.object["status"] as? String == "cancelled")
        }
    }

    @Test func inputIsValidated() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let fixture = try await client.campaignFixture(harness)
            let base = #""instance_id":"\#(fixture.instance)","template_id":"\#(fixture.template)""#
            let cases: [(body: String, status: HTTPResponse.Status, code: String, field: String?)] = [
                (#"{"name":"  ",\#(base),"audience":{"type":"tags","tags":["vip"]}}"#, .unprocessableContent,
                 "invalid_argument", "name"),
                (#"{"name":"\#(String(repeating: "n", count: 101))",\#(base),"audience":{"type":"tags","tags":["vip"]}}"#,
                 .unprocessableContent, "invalid_argument", "name"),
                (#"{"name":"x",\#(base),"audience":{"type":"tags","tags":[" "]}}"#, .unprocessableContent,
                 "invalid_argument", "audience.tags"),
                (#"{"name":"x",\#(base),"audience":{"type":"tags","tags":["\#(String(repeating: "t", count: 65))"]}}"#,
                 .unprocessableContent, "invalid_argument", "audience.tags[0]"),
                (#"{"name":"x",\#(base),"audience":{"type":"segment","segment":"opted_out"}}"#, .badRequest,
                 "malformed_request", nil),
                (#"{"name":"x",\#(base),"audience":{"type":"tags","tags":["vip"]},"schedule":{"time_zone":"Mars/Olympus"}}"#,
                 .unprocessableContent, "invalid_argument", "schedule.time_zone"),
                (#"{"name":"x",\#(base),"audience":{"type":"tags","tags":["vip"]},"schedule":{"quiet_hours":{"start_hour":5,"end_hour":5}}}"#,
                 .unprocessableContent, "invalid_argument", "schedule.quiet_hours"),
                (#"{"name":"x",\#(base),"audience":{"type":"tags","tags":["vip"]},"extra":1}"#, .badRequest,
                 "malformed_request", nil),
                (#"{"name":"x","instance_id":"\#(fixture.instance)","template_id":"\#(fixture.instance)","audience":{"type":"tags","tags":["vip"]}}"#,
                 .notFound, "not_found", "template_id"),
                (#"{"name":"x",\#(base),"audience":{"type":"contacts","contacts":["\#(fixture.template)"]}}"#,
                 .notFound, "not_found", "audience.contacts[0]"),
            ]
            for example in cases {
                let response = try await client.call(.post, "/v1/campaigns", key: key, json: example.body)
                #expect(response.status == example.status, "\(example.body): \(String(buffer: response.body))")
                #expect(response.problemCode == example.code, "\(example.body)")
                if let field = example.field {
                    #expect(try response.object["field"] as? String == field, "\(example.body)")
                }
            }
            let badFilter = try await client.call(.get, "/v1/campaigns?status=finished", key: key)
            #expect(badFilter.status == .badRequest)
            let badID = try await client.call(.get, "/v1/campaigns/not-an-id", key: key)
            #expect(badID.status == .badRequest || badID.status == .unprocessableContent)

            // Nobody reachable: the only tagged contact opted out.
            let empty = try await client.call(
                .post, "/v1/campaigns", key: key, json: #"{"name":"x",\#(base),"audience":{"type":"tags","tags":["nobody"]}}"#)
            let emptyID = try #require(try empty.object["id"] as? String)
            let startEmpty = try await client.call(.post, "/v1/campaigns/\(emptyID)/start", key: key)
            #expect(startEmpty.status == .unprocessableContent)
            #expect(startEmpty.problemCode == "campaign_audience_empty")
        }
    }

    /// Another organization's admin gets 404 on every campaign route with an id, and changes nothing; a viewer
    /// reads but cannot create; a key without `campaigns:run` cannot start.
    @Test func otherOrganizationsAndRolesAreRefused() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let fixture = try await client.campaignFixture(harness)
            let body = #"{"name":"Mine","instance_id":"\#(fixture.instance)","template_id":"\#(fixture.template)","audience":{"type":"tags","tags":["vip"]}}"#
            let id = try #require(try await client.call(.post, "/v1/campaigns", key: key, json: body).object["id"] as? String)
            let stranger = harness.globex.adminKey
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/campaigns/\(id)", nil), (.patch, "/v1/campaigns/\(id)", #"{"name":"theirs"}"#),
                (.post, "/v1/campaigns/\(id)/start", nil), (.post, "/v1/campaigns/\(id)/pause", nil),
                (.post, "/v1/campaigns/\(id)/resume", nil), (.post, "/v1/campaigns/\(id)/cancel", nil),
                (.get, "/v1/campaigns/\(id)/progress", nil), (.get, "/v1/campaigns/\(id)/report", nil),
                (.delete, "/v1/campaigns/\(id)", nil),
            ]
            for (method, path, json) in routes {
                let response = try await client.call(method, path, key: stranger, json: json)
                #expect(response.status == .notFound, "\(method) \(path): \(response.status)")
                #expect(response.problemCode == "not_found")
            }
            let theirList = try await client.call(.get, "/v1/campaigns", key: stranger)
            #expect((try theirList.object["items"] as? [Any])?.isEmpty == true)
            let strangerCreate = try await client.call(.post, "/v1/campaigns", key: stranger, json: body)
            #expect(strangerCreate.status == .notFound)
            let mine = try await client.call(.get, "/v1/campaigns/\(id)", key: key)
            #expect(try mine.object["name"] as? String == "Mine")
            #expect(try mine.object["status"] as? String == "draft")

            let viewer = try await IsolationFixtures.viewerSession(harness, client)
            let viewerRead = try await client.call(.get, "/v1/campaigns/\(id)", key: viewer)
            #expect(viewerRead.status == .ok)
            let viewerCreate = try await client.call(.post, "/v1/campaigns", key: viewer, json: body)
            #expect(viewerCreate.status == .forbidden)
            #expect(viewerCreate.problemCode == "permission_denied")
            let viewerStart = try await client.call(.post, "/v1/campaigns/\(id)/start", key: viewer)
            #expect(viewerStart.status == .forbidden)

            let manager = try await harness.key(
                in: harness.acme, role: .manager, scopes: [.campaignsRead, .campaignsManage])
            let managerStart = try await client.call(.post, "/v1/campaigns/\(id)/start", key: manager)
            #expect(managerStart.status == .forbidden)
            let managerRename = try await client.call(
                .patch, "/v1/campaigns/\(id)", key: manager, json: #"{"name":"Renamed"}"#)
            #expect(managerRename.status == .ok)
        }
    }
}

/// What a campaign needs in acme: a linked instance, a template using a built-in variable, and two contacts tagged
/// `vip` whose phones are on the simulated network (plus an opted-out contact tagged `nobody`).
private struct CampaignFixture {
    var instance: String
    var template: String
    var contacts: [String]
    var phones: [String]
}

extension TestClientProtocol {
    fileprivate func campaignFixture(_ harness: APIHarness) async throws -> CampaignFixture {
        let admin = Principal.authenticatedExternally(harness.acme.admin)
        let instance = try await linkedInstance("campaigns", key: harness.acme.adminKey)
        let template = try await harness.gateway.templates.create(
            name: "offer", body: "Hi {{first_name}}, 20% off", by: admin)
        var contacts: [String] = []
        let phones = ["+4915120000001", "+4915120000002"]
        for (phone, name) in zip(phones, ["Bea Baker", "Carl Cook"]) {
            let number = try PhoneNumber(phone)
            harness.whatsapp.addPhone(number, name: name)
            let contact = try await harness.gateway.contacts.create(phone: number, name: name, tags: ["vip"], by: admin)
            contacts.append(contact.id.description)
        }
        let opted = try await harness.gateway.contacts.create(
            phone: try PhoneNumber("+4915120000009"), name: "Olga", tags: ["nobody"], by: admin)
        _ = try await harness.gateway.contacts.setOptedOut(true, opted.id, by: admin)
        return CampaignFixture(instance: instance, template: template.id.description, contacts: contacts, phones: phones)
    }

    /// Polls `condition` every 100 ms for up to 60 s.
    fileprivate func waitLong(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<600 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WAError(.internalError, "timed out waiting for \(what)")
    }
}
