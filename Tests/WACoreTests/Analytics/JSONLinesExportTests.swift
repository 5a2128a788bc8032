import Foundation
import Testing
import WACore

@Suite("Analytics JSON Lines export")
struct JSONLinesExportTests {
    struct Row: Sendable {
        var text: String
        var number: Int64
        var ratio: Double
        var flag: Bool
        var date: Date?
    }

    struct Decoded: Decodable, Equatable {
        var text: String
        var number: Int64
        var ratio: Double?
        var flag: Bool
        var date: String?
    }

    static let columns: [ExportColumn<Row>] = [
        ExportColumn("text") { .text($0.text) }, ExportColumn("number") { .integer($0.number) },
        ExportColumn("ratio") { .number($0.ratio) }, ExportColumn("flag") { .bool($0.flag) },
        ExportColumn("date") { .optional($0.date) },
    ]

    @Test("lines parse back with JSONSerialization and JSONDecoder")
    func roundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_709_251_200.5)
        let texts = CSVExportTests.trickyFields + ["back\\slash", "\u{0}\u{1}\u{1F}control", "\u{2028}sep", "/slash"]
        let rows = texts.enumerated().map { index, text in
            Row(
                text: text, number: Int64(index) - 5, ratio: index == 3 ? .infinity : Double(index) * 0.1,
                flag: index % 2 == 0, date: index % 3 == 0 ? nil : date)
        }
        var encoder = JSONLinesRowEncoder(columns: Self.columns)
        var buffer: [UInt8] = []
        for row in rows { encoder.append(row, to: &buffer) }
        encoder.finish(to: &buffer)
        let lines = buffer.split(separator: 0x0A, omittingEmptySubsequences: false)
        #expect(lines.count == rows.count + 1 && lines.last?.isEmpty == true)
        for (line, row) in zip(lines, rows) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            #expect(object["text"] as? String == row.text)
            #expect((object["number"] as? NSNumber)?.int64Value == row.number)
            let decoded = try JSONDecoder().decode(Decoded.self, from: Data(line))
            #expect(
                decoded
                    == Decoded(
                        text: row.text, number: row.number, ratio: row.ratio.isFinite ? row.ratio : nil, flag: row.flag,
                        date: row.date.map { _ in "2024-03-01T00:00:00.500Z" }))
            // Keys appear in column order.
            let text = String(decoding: line, as: UTF8.self)
            #expect(text.hasPrefix("{\"text\":"))
        }
    }

    @Test("standard message and contact columns encode")
    func standardColumns() throws {
        let data = AnalyticsTestData(seed: 3)
        let created = AnalyticsTestData.origin
        var message = Message(
            id: MessageID(high: data.random.next(), low: data.random.next()), organizationID: data.organizations[0],
            instanceID: data.instances[0], chatJID: try JID(parsing: "4915112345678@c.us"), direction: .outbound,
            kind: .text, body: "=1+1, \"hi\"", status: .queued, campaignID: data.campaigns[1], createdAt: created)
        message.advance(to: .read, at: created.addingTimeInterval(10))
        let contact = Contact(
            id: data.contacts[0], organizationID: data.organizations[0], name: "Ana", tags: ["vip", "b"],
            createdAt: created)
        var jsonl = JSONLinesRowEncoder(columns: ExportColumn<Message>.messageColumns)
        var buffer: [UInt8] = []
        jsonl.append(message, to: &buffer)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer)) as? [String: Any])
        #expect(object["status"] as? String == "read")
        #expect(object["body"] as? String == "=1+1, \"hi\"")
        #expect(object["read_at"] as? String == "2024-03-01T00:00:10.000Z")
        #expect(object["failed_at"] is NSNull)
        var csv = CSVRowEncoder(columns: ExportColumn<Contact>.contactColumns)
        var csvBuffer: [UInt8] = []
        csv.append(contact, to: &csvBuffer)
        let text = String(decoding: csvBuffer, as: UTF8.self)
        #expect(text.hasPrefix("id,phone,jid,lid,name,tags,opted_out,opted_out_at,last_inbound_at,created_at\r\n"))
        #expect(text.contains(",,,Ana,b;vip,false,,,2024-03-01T00:00:00.000Z\r\n"))
    }
}
