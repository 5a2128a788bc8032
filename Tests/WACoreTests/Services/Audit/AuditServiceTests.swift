import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Audit service")
struct AuditServiceTests {
    typealias World = AnalyticsServiceWorld

    /// 700 audit events over the last 7 days: four actions, three kinds of actor, awkward metadata, one formula-like
    /// resource id, some with an IP address. Returned in identifier order.
    static func seed(_ world: World) async throws -> [AuditEvent] {
        let actions = ["member.invited", "member.role_changed", "template.updated", "message.queued"]
        let memberID = try #require(world.admin.memberID)
        let actors: [AuditEvent.Actor] = [
            .member(memberID), .apiKey(world.env.ids.make(), onBehalfOf: memberID), .system,
        ]
        var events: [AuditEvent] = []
        for index in 0..<700 {
            events.append(
                AuditEvent(
                    id: world.env.ids.make(), organizationID: world.org, actor: actors[index % 3],
                    action: actions[index % 4], resourceType: String(actions[index % 4].split(separator: ".")[0]),
                    resourceID: index == 10 ? "=cmd|' /C calc'!A0" : (index % 5 == 0 ? nil : "res-\(index)"),
                    metadata: index % 7 == 0 ? [:] : ["note": "a, \"b\"\nc", "n": "\(index)", "=x": "+1"],
                    ipAddress: index % 2 == 0 ? "203.0.113.\(index % 250)" : nil,
                    occurredAt: World.now.addingTimeInterval(-7 * 86_400 + Double(index) * 600)))
        }
        let seeded = events
        try await world.env.store.transaction(.organization(world.org)) { tx in
            for event in seeded { _ = try await tx.auditEvents.insert(event) }
        }
        return events
    }

    @Test("queries filter by action prefix, actor, resource and time, newest first")
    func query() async throws {
        let world = try await World.make(messageCount: 0)
        let events = try await Self.seed(world)
        let filter = AuditEvent.Filter(
            action: "member.", actor: events[0].actor, since: World.now.addingTimeInterval(-5 * 86_400))
        let page = try await world.audit.query(filter: filter, page: try PageRequest(limit: 20), by: world.admin)
        let expected = events.filter(filter.matches).reversed().prefix(20)
        #expect(page.items.map(\.id) == expected.map(\.id) && page.nextCursor != nil)
        let exact = try await world.audit.query(filter: .init(resourceID: "res-11"), by: world.admin)
        #expect(exact.items.map(\.id) == [events[11].id])

        for principal in [world.manager, world.agent, world.viewer] {
            await expectWAError(.permissionDenied) { try await world.audit.query(by: principal) }
        }
        let backwards = await expectWAError(.invalidArgument) {
            try await world.audit.query(filter: .init(since: World.now, until: World.now.addingTimeInterval(-1)), by: world.admin)
        }
        #expect(backwards?.field == "until")
    }

    @Test("a CSV export holds exactly the filtered events in order, with every column", arguments: [false, true])
    func csvExport(filtered: Bool) async throws {
        let world = try await World.make(messageCount: 0)
        let events = try await Self.seed(world)
        let filter = filtered
            ? AuditEvent.Filter(action: "member.", until: World.now.addingTimeInterval(-86_400)) : AuditEvent.Filter()
        let expected = events.filter(filter.matches)
        #expect(expected.count > (filtered ? 250 : PageRequest.maximumLimit))

        let stream = try await world.audit.export(format: .csv, filter: filter, chunkSize: 4_096, by: world.admin)
        let (header, rows) = try World.csv(try await World.collect(stream).bytes)
        #expect(header == ["occurred_at", "actor", "action", "resource_type", "resource_id", "metadata", "ip_address"])
        #expect(rows.count == expected.count)
        for (row, event) in zip(rows, expected) {
            #expect(row[0] == ExportValue.iso8601(event.occurredAt))
            #expect(row[1] == event.actor.exportText)
            #expect(row[2] == event.action && row[3] == event.resourceType)
            let resource = event.resourceID ?? ""
            #expect(row[4] == (resource.hasPrefix("=") ? "'" + resource : resource))
            let metadata = try #require(try JSONSerialization.jsonObject(with: Data(row[5].utf8)) as? [String: String])
            #expect(metadata == event.metadata)
            #expect(row[6] == event.ipAddress ?? "")
        }
        if !filtered {
            #expect(rows[10][4] == "'=cmd|' /C calc'!A0")
            let member = try #require(world.admin.memberID)
            #expect(rows[0][1] == "member:\(member)" && rows[2][1] == "system")
            #expect(rows[1][1].hasPrefix("api_key:") && rows[1][1].hasSuffix("/member:\(member)"))
        }
    }

    @Test("a JSON Lines export parses back to the events, and leaves out its own audit event")
    func jsonLinesExport() async throws {
        let world = try await World.make(messageCount: 0)
        let events = try await Self.seed(world)
        let stream = try await world.audit.export(format: .jsonLines, by: world.admin)
        // Written after the export started: not part of it.
        try await world.env.store.transaction(.organization(world.org)) { tx in
            _ = try await tx.auditEvents.insert(
                AuditEvent(id: world.env.ids.make(), organizationID: world.org, actor: .system, action: "late.event",
                           resourceType: "x", occurredAt: World.now))
        }
        let objects = try World.jsonLines(try await World.collect(stream).bytes)
        #expect(objects.count == events.count)
        for (object, event) in zip(objects, events) {
            #expect(object["occurred_at"] as? String == ExportValue.iso8601(event.occurredAt))
            #expect(object["action"] as? String == event.action)
            #expect(object["actor"] as? String == event.actor.exportText)
            #expect(object["resource_id"] as? String == event.resourceID)
            #expect(event.resourceID != nil || object["resource_id"] is NSNull)
            #expect(object["ip_address"] as? String == event.ipAddress)
            let text = try #require(object["metadata"] as? String)
            #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] == event.metadata)
        }
        // Unprotected in JSON: the formula-like id is as it was.
        #expect(objects[10]["resource_id"] as? String == "=cmd|' /C calc'!A0")
    }

    @Test("exporting the audit log is audited, and needs audit:export")
    func exportIsAudited() async throws {
        let world = try await World.make(messageCount: 0)
        _ = try await Self.seed(world)
        let since = World.now.addingTimeInterval(-3 * 86_400)
        let filter = AuditEvent.Filter(action: "template.", actor: .system, since: since)
        _ = try await World.collect(try await world.audit.export(format: .csv, filter: filter, by: world.admin))
        let logged = try await world.audit.query(filter: .init(action: "audit.exported"), by: world.admin).items
        #expect(logged.count == 1)
        let event = try #require(logged.first)
        #expect(event.actor == world.admin.auditActor && event.resourceType == "audit_event")
        #expect(event.metadata == [
            "format": "csv", "action": "template.", "actor": "system", "since": ExportValue.iso8601(since),
        ])
        #expect(event.occurredAt == World.now)

        for principal in [world.manager, world.viewer, world.agent] {
            await expectWAError(.permissionDenied) { try await world.audit.export(format: .csv, by: principal) }
        }
        #expect(try await world.audit.query(filter: .init(action: "audit."), by: world.admin).items.count == 1)
    }

    @Test("metadata JSON is sorted and escaped")
    func metadataJSON() throws {
        #expect(AuditEvent.metadataJSON([:]) == "{}")
        #expect(AuditEvent.metadataJSON(["b": "2", "a": "x\"y\n"]) == #"{"a":"x\"y\n","b":"2"}"#)
    }
}
