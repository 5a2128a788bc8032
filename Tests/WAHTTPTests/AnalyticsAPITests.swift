import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct AnalyticsAPITests {
    /// Two messages sent through a linked simulated instance show up in the summary, the daily series and the
    /// segment counts; a started campaign has its report; bad days and time zones name their field.
    @Test func figuresFollowTheMessages() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let admin = Principal.authenticatedExternally(harness.acme.admin)
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("sender", key: key)
            var ids: [String] = []
            for (phone, name) in [("+4915199990001", "Bea"), ("+4915199990002", "Carl")] {
                harness.whatsapp.addPhone(try PhoneNumber(phone), name: name)
                _ = try await harness.gateway.contacts.create(
                    phone: try PhoneNumber(phone), name: name, tags: ["vip"], by: admin)
                let sent = try await client.call(
                    .post, "/v1/messages", key: key,
                    json: #"{"instance_id":"\#(instance)","to":"\#(phone)","content":{"type":"text","text":"Hi"}}"#)
                ids.append(try #require(try sent.object["id"] as? String))
            }
            for id in ids {
                try await client.waitForDelivery(of: id, key: key)
            }

            let summary = try await client.call(.get, "/v1/analytics/summary?segments=true", key: key)
            #expect(summary.status == .ok)
            let figures = try summary.object
            #expect(figures["time_zone"] as? String == "UTC")
            #expect(figures["total_instances"] as? Int == 1)
            #expect(figures["active_instances"] as? Int == 1)
            let week = try #require(figures["last_7_days"] as? [String: Any])
            let weekCounts = try #require(week["counts"] as? [String: Any])
            #expect(weekCounts["sent"] as? Int == 2)
            #expect(weekCounts["delivered"] as? Int == 2)
            #expect((week["rates"] as? [String: Any])?["delivery_rate"] as? Double == 1)
            #expect(week["first_day"] as? String != nil && week["last_day"] as? String != nil)
            let segments = try #require(figures["segments"] as? [String: Int])
            #expect(Set(segments.keys) == Set(EngagementSegment.allCases.map(\.rawValue)))
            #expect(segments.values.reduce(0, +) == 2, "\(segments)")
            let withoutSegments = try await client.call(.get, "/v1/analytics/summary", key: key)
            #expect(try withoutSegments.object["segments"] == nil)

            let berlin = try await client.call(.get, "/v1/analytics/summary?time_zone=Europe/Berlin", key: key)
            #expect(try berlin.object["time_zone"] as? String == "Europe/Berlin")
            let mars = try await client.call(.get, "/v1/analytics/summary?time_zone=Mars/Olympus", key: key)
            #expect(mars.status == .unprocessableContent)
            #expect(try mars.object["field"] as? String == "time_zone")

            // Yesterday through tomorrow: the two messages are on one of these days whatever the hour.
            let today = DayKey(Date())
            let range = "from=\(today.advanced(by: -1))&to=\(today.advanced(by: 1))"
            let daily = try await client.call(.get, "/v1/analytics/daily?\(range)", key: key)
            #expect(daily.status == .ok)
            let days = try #require(try daily.object["items"] as? [[String: Any]])
            #expect(days.compactMap { $0["day"] as? String } == (-1...1).map { today.advanced(by: $0).description })
            #expect(days.compactMap { ($0["counts"] as? [String: Any])?["sent"] as? Int }.reduce(0, +) == 2)
            let ofInstance = try await client.call(.get, "/v1/analytics/daily?\(range)&instance_id=\(instance)", key: key)
            #expect(
                (try ofInstance.object["items"] as? [[String: Any]])?
                    .compactMap { ($0["counts"] as? [String: Any])?["sent"] as? Int }.reduce(0, +) == 2)
            let backwards = try await client.call(
                .get, "/v1/analytics/daily?from=\(today)&to=\(today.advanced(by: -1))", key: key)
            #expect(backwards.status == .unprocessableContent)
            #expect(try backwards.object["field"] as? String == "from")
            let notADay = try await client.call(.get, "/v1/analytics/daily?from=2026-13-01&to=\(today)", key: key)
            #expect(notADay.status == .unprocessableContent)
            #expect(try notADay.object["field"] as? String == "from")
            let tooLong = try await client.call(.get, "/v1/analytics/daily?from=2024-01-01&to=2025-12-31", key: key)
            #expect(tooLong.status == .unprocessableContent)
            #expect(try tooLong.object["field"] as? String == "to")
            let noRange = try await client.call(.get, "/v1/analytics/daily", key: key)
            #expect(noRange.status == .badRequest)

            let counts = try await client.call(.get, "/v1/analytics/segments?active_days=1&engaged_lookback=3", key: key)
            #expect(counts.status == .ok)
            #expect((try counts.object["counts"] as? [String: Int])?.values.reduce(0, +) == 2)
            #expect(try counts.object["as_of"] is String)
            let lookback = try await client.call(.get, "/v1/analytics/segments?engaged_lookback=33", key: key)
            #expect(lookback.status == .unprocessableContent)
            #expect(try lookback.object["field"] as? String == "engaged_lookback")

            let template = try await harness.gateway.templates.create(name: "offer", body: "Hi {{first_name}}", by: admin)
            let campaign = try await harness.gateway.campaigns.create(
                name: "Spring", instance: try InstanceID(parsing: instance, field: "instance"), template: template.id,
                audience: .tags(["vip"]), by: admin)
            _ = try await harness.gateway.campaigns.start(campaign.id, by: admin)
            let report = try await client.call(.get, "/v1/analytics/campaigns/\(campaign.id)", key: key)
            #expect(report.status == .ok)
            let body = try report.object
            #expect(body["name"] as? String == "Spring")
            #expect(body["targeted"] as? Int == 2)
            #expect(body["instance_id"] as? String == instance)
            #expect(
                (body["funnel"] as? [[String: Any]])?.compactMap { $0["stage"] as? String }
                    == ["targeted", "sent", "delivered", "read", "replied"])
            let unknown: CampaignID = harness.gateway.environment.ids.make()
            let missing = try await client.call(.get, "/v1/analytics/campaigns/\(unknown)", key: key)
            #expect(missing.status == .notFound)
        }
    }

    /// Viewers read figures; an agent's figures cover only their instances, and naming another instance is 403.
    @Test func agentsSeeTheirInstancesOnly() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("sender", key: key)
            harness.whatsapp.addPhone(try PhoneNumber("+4915199990001"), name: "Bea")
            let sent = try await client.call(
                .post, "/v1/messages", key: key,
                json: #"{"instance_id":"\#(instance)","to":"+4915199990001","content":{"type":"text","text":"Hi"}}"#)
            let id = try #require(try sent.object["id"] as? String)
            try await client.waitForDelivery(of: id, key: key)
            let other = try #require(
                try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"other"}"#).object["id"] as? String)
            let agent = try await harness.key(
                in: harness.acme, role: .agent, assigned: [try InstanceID(parsing: other, field: "id")])
            let viewer = try await client.sessionToken(of: .viewer, in: harness.acme, harness)

            func sent7(_ key: String) async throws -> Int? {
                let summary = try await client.call(.get, "/v1/analytics/summary", key: key)
                return ((try summary.object["last_7_days"] as? [String: Any])?["counts"] as? [String: Any])?["sent"] as? Int
            }
            #expect(try await sent7(viewer) == 1)
            #expect(try await sent7(agent) == 0)
            let today = DayKey(Date())
            let named = try await client.call(
                .get, "/v1/analytics/daily?from=\(today)&to=\(today)&instance_id=\(instance)", key: agent)
            #expect(named.status == .forbidden)
            let foreign = try await client.call(
                .get, "/v1/analytics/daily?from=\(today)&to=\(today)&instance_id=\(instance)", key: harness.globex.adminKey)
            #expect(foreign.status == .notFound)
        }
    }
}

@Suite struct ExportsAPITests {
    /// Exports stream as attachments in both formats, protect spreadsheets from formulas, need `data:export`
    /// (`audit:export` for the audit log), and are audited.
    @Test func exportsStreamAsAttachmentsAndAreAudited() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let admin = Principal.authenticatedExternally(harness.acme.admin)
        _ = try await harness.gateway.contacts.create(
            phone: try PhoneNumber("+4915199990001"), name: "=HYPERLINK(\"http://evil\")", tags: ["vip"], by: admin)
        _ = try await harness.gateway.contacts.create(
            phone: try PhoneNumber("+4915199990002"), name: "Carl", tags: ["other"], by: admin)
        try await Application(router: server).test(.live) { client in
            let csv = try await client.call(.get, "/v1/exports/contacts", key: key)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let disposition = try #require(csv.headers[.contentDisposition])
            #expect(disposition.hasPrefix(#"attachment; filename="contacts-"#) && disposition.hasSuffix(#"Z.csv""#))
            #expect(disposition.wholeMatch(of: #/attachment; filename="contacts-\d{8}T\d{6}Z\.csv"/#) != nil)
            #expect(csv.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let rows = String(buffer: csv.body).split(separator: "\r\n", omittingEmptySubsequences: true)
            #expect(rows.count == 3, "a header and two contacts: \(rows)")
            #expect(rows.contains { $0.contains(#""'=HYPERLINK(""http://evil"")""#) }, "\(rows)")

            let tagged = try await client.call(.get, "/v1/exports/contacts?format=jsonl&tag=VIP", key: key)
            #expect(tagged.headers[.contentType] == "application/x-ndjson")
            #expect(tagged.headers[.contentDisposition]?.hasSuffix(#".jsonl""#) == true)
            let lines = String(buffer: tagged.body).split(separator: "\n")
            #expect(lines.count == 1)
            let object = try JSONSerialization.jsonObject(with: Data(try #require(lines.first).utf8)) as? [String: Any]
            #expect(object?["phone"] as? String == "+4915199990001")

            let messages = try await client.call(.get, "/v1/exports/messages?format=jsonl", key: key)
            #expect(messages.status == .ok)
            #expect(messages.body.readableBytes == 0, "no messages, no lines")
            let badFormat = try await client.call(.get, "/v1/exports/messages?format=xlsx", key: key)
            #expect(badFormat.status == .badRequest)
            let badChat = try await client.call(.get, "/v1/exports/messages?chat=nobody", key: key)
            #expect(badChat.status == .unprocessableContent)
            #expect(try badChat.object["field"] as? String == "chat")

            let audit = try await client.call(.get, "/v1/exports/audit?format=jsonl&action=contacts.", key: key)
            #expect(audit.status == .ok)
            let actions = try String(buffer: audit.body).split(separator: "\n").map { line in
                (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["action"] as? String
            }
            #expect(actions == ["contacts.exported", "contacts.exported"], "the two contact exports before this one")

            let viewer = try await client.sessionToken(of: .viewer, in: harness.acme, harness)
            let manager = try await harness.key(in: harness.acme, role: .manager)
            try await client.expectRefused(
                [(.get, "/v1/exports/messages", nil), (.get, "/v1/exports/contacts", nil), (.get, "/v1/exports/audit", nil)],
                key: viewer, status: .forbidden, code: "permission_denied")
            let managerContacts = try await client.call(.get, "/v1/exports/contacts", key: manager)
            #expect(managerContacts.status == .ok)
            try await client.expectRefused(
                [(.get, "/v1/exports/audit", nil)], key: manager, status: .forbidden, code: "permission_denied")
            let globex = try await client.call(.get, "/v1/exports/contacts?format=jsonl", key: harness.globex.adminKey)
            #expect(globex.status == .ok)
            #expect(globex.body.readableBytes == 0, "another organization's contacts are not in its export")
        }
    }
}
