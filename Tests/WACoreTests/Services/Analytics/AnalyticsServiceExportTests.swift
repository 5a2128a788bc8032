import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Analytics service: exports")
struct AnalyticsServiceExportTests {
    typealias World = AnalyticsServiceWorld

    @Test("a CSV message export holds exactly the filtered rows, in order, across store pages")
    func messagesCSV() async throws {
        let world = try await World.make(messageCount: 1_700)
        let filter = Message.Filter(instanceID: world.i1)
        let expected = world.messages.filter(filter.matches)
        #expect(expected.count > 2 * PageRequest.maximumLimit)

        let stream = try await world.analytics.exportMessages(format: .csv, filter: filter, by: world.manager)
        let (bytes, _) = try await World.collect(stream)
        let (header, rows) = try World.csv(bytes)
        #expect(header == ExportColumn.messageColumns.map(\.name))
        #expect(rows.map { $0[0] } == expected.map(\.id.description))
        let column = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        for (row, message) in zip(rows, expected) {
            #expect(row.count == header.count)
            #expect(row[column["instance_id"]!] == world.i1.description)
            #expect(row[column["status"]!] == message.status.rawValue)
            #expect(row[column["created_at"]!] == ExportValue.iso8601(message.createdAt))
            #expect(row[column["sent_at"]!] == message.timestamps.sentAt.map(ExportValue.iso8601) ?? "")
            #expect(row[column["campaign_id"]!] == message.campaignID?.description ?? "")
            // Formula injection: a body starting with "-" (or "=", "+", "@") is written with a leading quote.
            let body = message.body ?? ""
            #expect(row[column["body"]!] == (CSVRowEncoder<Message>.needsFormulaProtection(body) ? "'" + body : body))
        }
        #expect(expected.contains { $0.body!.hasPrefix("-1+1") })
    }

    @Test("a JSON Lines message export holds exactly the filtered rows, unprotected, across pages")
    func messagesJSONLines() async throws {
        let world = try await World.make(messageCount: 1_500, seed: 9)
        let filter = Message.Filter(direction: .outbound, since: World.now.addingTimeInterval(-35 * 86_400))
        let expected = world.messages.filter(filter.matches)
        #expect(expected.count > PageRequest.maximumLimit)

        let stream = try await world.analytics.exportMessages(format: .jsonLines, filter: filter, by: world.admin)
        let objects = try World.jsonLines(try await World.collect(stream).bytes)
        #expect(objects.map { $0["id"] as? String } == expected.map(\.id.description))
        for (object, message) in zip(objects, expected) {
            #expect(Array(object.keys).sorted() == ExportColumn.messageColumns.map(\.name).sorted())
            #expect(object["body"] as? String == message.body)
            #expect(object["direction"] as? String == "outbound")
            if let readAt = message.timestamps.readAt {
                #expect(object["read_at"] as? String == ExportValue.iso8601(readAt))
            } else {
                #expect(object["read_at"] is NSNull)
            }
            #expect((object["error_code"] as? String) == message.error?.code)
        }
    }

    @Test("contact exports in both formats, filtered by tag and opt-out, across pages")
    func contacts() async throws {
        let world = try await World.make(messageCount: 0, contactCount: 1_150)
        let even = world.contacts.filter { $0.tags.contains("even") }
        #expect(even.count > PageRequest.maximumLimit)

        let csv = try await world.analytics.exportContacts(format: .csv, filter: Contact.Filter(tag: "even"), by: world.manager)
        let (header, rows) = try World.csv(try await World.collect(csv).bytes)
        #expect(header == ExportColumn.contactColumns.map(\.name))
        #expect(rows.map { $0[0] } == even.map(\.id.description))
        let name = header.firstIndex(of: "name")!
        let phone = header.firstIndex(of: "phone")!
        for (row, contact) in zip(rows, even) {
            // E.164 numbers start with "+", a formula trigger: CSV writes them as text with the leading quote.
            #expect(row[phone] == "'" + contact.phone!.e164)
            if contact.name!.hasPrefix("=") {
                #expect(row[name] == "'" + contact.name!)
            } else {
                #expect(row[name] == contact.name)
            }
        }
        #expect(even.contains { $0.name!.hasPrefix("=") })

        let optedOut = world.contacts.filter(\.optedOut)
        let lines = try await world.analytics.exportContacts(
            format: .jsonLines, filter: Contact.Filter(optedOut: true), by: world.admin)
        let objects = try World.jsonLines(try await World.collect(lines).bytes)
        #expect(objects.map { $0["id"] as? String } == optedOut.map(\.id.description))
        #expect(objects.allSatisfy { ($0["opted_out"] as? Bool) == true })
        #expect(objects.contains { ($0["name"] as? String)?.hasPrefix("=HYPERLINK") == true })
    }

    @Test("an empty export is a header (CSV) or nothing (JSON Lines)")
    func emptyExports() async throws {
        let world = try await World.make(messageCount: 0)
        let csv = try await World.collect(try await world.analytics.exportMessages(format: .csv, by: world.admin))
        #expect(String(decoding: csv.bytes, as: UTF8.self)
            == ExportColumn.messageColumns.map(\.name).joined(separator: ",") + "\r\n")
        let lines = try await World.collect(try await world.analytics.exportMessages(format: .jsonLines, by: world.admin))
        #expect(lines.bytes.isEmpty && lines.chunks.isEmpty)
    }

    @Test("the export reads the store page by page as chunks are taken, and leaves out newer messages")
    func streamsLazily() async throws {
        let world = try await World.make(messageCount: 1_201)
        let before = world.counting.transactions
        let stream = try await world.analytics.exportMessages(format: .csv, chunkSize: 1_000, by: world.manager)
        #expect(world.counting.transactions == before + 1)  // the audit event, nothing read yet

        var iterator = stream.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(first.count == 1_000)
        #expect(world.counting.transactions == before + 2)  // one page

        // Messages created after the export started are not part of it.
        let late = Message(
            id: world.env.ids.make(), organizationID: world.org, instanceID: world.i1, chatJID: world.contacts[0].jid!,
            direction: .inbound, kind: .text, body: "late", status: .delivered, createdAt: World.now)
        try await world.env.store.transaction(.organization(world.org)) { _ = try await $0.messages.insert(late) }
        let afterInsert = world.counting.transactions

        var bytes = first
        var sizes = [first.count]
        var pagesSeen: [Int] = []
        while let chunk = try await iterator.next() {
            bytes += chunk
            sizes.append(chunk.count)
            pagesSeen.append(world.counting.transactions - afterInsert)
        }
        #expect(world.counting.transactions == afterInsert + 2)  // pages 2 and 3 (500 + 500 + 201 messages)
        #expect(pagesSeen.first == 0 && pagesSeen.last == 2)  // the later pages were read as they were needed
        #expect(sizes.dropLast().allSatisfy { $0 == 1_000 } && sizes.last! <= 1_000)
        let (_, rows) = try World.csv(bytes)
        #expect(rows.map { $0[0] } == world.messages.map(\.id.description))
        #expect(try await iterator.next() == nil)
    }

    @Test("every export is audited: who, what, which format and filter")
    func exportsAreAudited() async throws {
        let world = try await World.make(messageCount: 20)
        let since = World.now.addingTimeInterval(-86_400)
        _ = try await world.analytics.exportMessages(
            format: .csv, filter: Message.Filter(instanceID: world.i1, campaignID: world.c1, since: since),
            by: world.manager)
        _ = try await world.analytics.exportContacts(
            format: .jsonLines, filter: Contact.Filter(tag: "vip", optedOut: false), by: world.admin)
        await expectWAError(.permissionDenied) { try await world.analytics.exportMessages(format: .csv, by: world.viewer) }

        let messages = try await world.audit.query(filter: .init(action: "messages.exported"), by: world.admin).items
        #expect(messages.count == 1)
        let event = try #require(messages.first)
        #expect(event.actor == world.manager.auditActor && event.resourceType == "message" && event.resourceID == nil)
        #expect(event.metadata == [
            "format": "csv", "instance_id": world.i1.description, "campaign_id": world.c1.description,
            "since": ExportValue.iso8601(since),
        ])
        let contacts = try await world.audit.query(filter: .init(action: "contacts.exported"), by: world.admin).items
        #expect(contacts.map(\.metadata) == [["format": "jsonl", "tag": "vip", "opted_out": "false"]])
        #expect(contacts.map(\.actor) == [world.admin.auditActor])
        // The refused export wrote nothing.
        #expect(try await world.audit.query(filter: .init(action: "messages."), by: world.admin).items.count == 1)
    }

    @Test("export formats name their media type and extension")
    func formats() {
        #expect(ExportFormat.csv.mediaType == "text/csv; charset=utf-8" && ExportFormat.csv.fileExtension == "csv")
        #expect(ExportFormat.jsonLines.mediaType == "application/x-ndjson")
        #expect(ExportFormat(rawValue: "jsonl") == .jsonLines && ExportFormat.jsonLines.fileExtension == "jsonl")
    }
}
