import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Canonical JSON")
struct CanonicalJSONTests {
    @Test func keepsMemberOrderAndWritesNoWhitespace() {
        let value: JSONValue = ["z": 1, "a": [true, false, nil], "m": ["y": "x", "b": [:]], "e": []]
        #expect(value.canonicalString == #"{"z":1,"a":[true,false,null],"m":{"y":"x","b":{}},"e":[]}"#)
    }

    @Test func objectKeysAreUniqueAndKeepTheirFirstPosition() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = 4
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(JSONValue.object(object).canonicalString == #"{"a":3,"c":4}"#)
        #expect(JSONValue.object(JSONObject([("k", 1), ("j", 2), ("k", 3)])).canonicalString == #"{"k":3,"j":2}"#)
        // Order is part of the value.
        #expect(JSONValue(dictionaryLiteral: ("a", 1), ("b", 2)) != JSONValue(dictionaryLiteral: ("b", 2), ("a", 1)))
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("quote \" backslash \\ slash /", #""quote \" backslash \\ slash /""#),
        ("\u{08}\u{0C}\n\r\t", #""\b\f\n\r\t""#),
        ("\u{00}\u{01}\u{1F}\u{7F}", "\"\\u0000\\u0001\\u001f\u{7F}\""),
        ("é中文مرحبا😀👩‍👩‍👧", "\"é中文مرحبا😀👩‍👩‍👧\""),
        ("\u{2028}\u{FEFF}", "\"\u{2028}\u{FEFF}\""),
    ])
    func escapesStringsPerRFC8259(_ input: String, _ expected: String) {
        #expect(JSONValue.string(input).canonicalString == expected)
        #expect(JSONValue.string(input).canonicalBytes == Array(expected.utf8))
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (2.0, "2"), (-2.5, "-2.5"), (0.1, "0.1"), (1.0 / 3.0, "0.3333333333333333"),
        (1e-6, "0.000001"), (1.5e-6, "0.0000015"), (1e-7, "1e-7"), (-1.25e-9, "-1.25e-9"), (123_456.789, "123456.789"),
        (9_007_199_254_740_993.0, "9007199254740992"), (9.25502500814869e15, "9255025008148690"),
        (1e20, "100000000000000000000"), (1e21, "1e+21"), (1.5e300, "1.5e+300"),
        (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
    ])
    func writesNumbersLikeECMAScript(_ number: Double, _ expected: String) {
        #expect(JSONValue.number(number).canonicalString == expected)
    }

    @Test func writesIntegersExactly() {
        let value: JSONValue = [.integer(.max), .integer(.min), 0, -1, 2_432_232_314]
        #expect(value.canonicalString == "[9223372036854775807,-9223372036854775808,0,-1,2432232314]")
    }

    @Test func outputParsesWithFoundationToTheSameValues() throws {
        var generator = SeededRandomSource(seed: 5).generator
        for _ in 0..<200 {
            let value = RandomJSON.object(depth: 3, using: &generator)
            let bytes = value.canonicalBytes
            #expect(bytes == value.canonicalBytes)  // deterministic
            let parsed = try JSONDecoder().decode(DecodedJSON.self, from: Data(bytes))
            let difference = Self.difference(value, parsed, at: "$")
            #expect(difference == nil, "\(value.canonicalString)")
        }
    }

    /// JSON as Foundation's `JSONDecoder` reads it, independently of `JSONValue`'s own coding. (Linux's
    /// `JSONSerialization` is no reference: it drops some U+FEFF characters and reads some doubles inexactly.)
    enum DecodedJSON: Decodable {
        case null, bool(Bool), integer(Int64), number(Double), string(String), array([DecodedJSON])
        case object([String: DecodedJSON])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let bool = try? container.decode(Bool.self) {
                self = .bool(bool)
            } else if let integer = try? container.decode(Int64.self) {
                self = .integer(integer)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let string = try? container.decode(String.self) {
                self = .string(string)
            } else if let array = try? container.decode([DecodedJSON].self) {
                self = .array(array)
            } else {
                self = .object(try container.decode([String: DecodedJSON].self))
            }
        }
    }

    /// Where Foundation's reading of our output differs from the value we wrote (`nil`: nowhere). Objects compare
    /// as sets of members (a decoded dictionary has no order); a whole double is written, and read, as an integer;
    /// non-finite numbers are written as `null`.
    static func difference(_ expected: JSONValue, _ parsed: DecodedJSON, at path: String) -> String? {
        switch (expected, parsed) {
        case (.null, .null):
            return nil
        case (.bool(let a), .bool(let b)) where a == b:
            return nil
        case (.integer(let a), .integer(let b)) where a == b:
            return nil
        case (.number(let a), .null) where !a.isFinite:
            return nil
        case (.number(let a), .number(let b)) where a == b:
            return nil
        case (.number(let a), .integer(let b)) where a == Double(b):
            return nil
        case (.string(let a), .string(let b)) where a == b:
            return nil
        case (.array(let a), .array(let b)) where a.count == b.count:
            for index in a.indices {
                if let difference = difference(a[index], b[index], at: "\(path)[\(index)]") { return difference }
            }
            return nil
        case (.object(let a), .object(let b)) where Set(a.keys) == Set(b.keys) && a.keys.count == b.count:
            for key in a.keys {
                if let difference = difference(a[key]!, b[key]!, at: "\(path).\(key.debugDescription)") { return difference }
            }
            return nil
        default:
            return "\(path): wrote \(expected.canonicalString), read \(parsed)"
        }
    }
}

@Suite("Webhook event envelope")
struct WebhookEventTests {
    static let organization = OrganizationID("01942f1e-8c00-7000-8000-000000000001")!
    static let instance = InstanceID("01942f1e-8c00-7000-8000-0000000000aa")!

    @Test func encodesTheDocumentedEnvelopeByteForByte() throws {
        let id = try #require(WebhookEventID("evt_01KDX3Q8N0G6M4YHV2W9Z7C5RB"))
        let event = WebhookEvent(
            id: id, type: .messageReceived, createdAt: Date(timeIntervalSince1970: 1_767_225_600.123),
            organizationID: Self.organization, instanceID: Self.instance,
            data: ["message_id": "wamid.HBgM", "from": "+4915112345678", "text": "Hallo 👋 مرحبا\n", "attempt": 1])
        let expected = #"{"id":"evt_01KDX3Q8N0G6M4YHV2W9Z7C5RB","type":"message.received","#
            + #""created_at":"2026-01-01T00:00:00.123Z","organization_id":"01942f1e-8c00-7000-8000-000000000001","#
            + #""instance_id":"01942f1e-8c00-7000-8000-0000000000aa","data":{"message_id":"wamid.HBgM","#
            + #""from":"+4915112345678","text":"Hallo 👋 مرحبا\n","attempt":1}}"#
        #expect(String(decoding: event.encoded(), as: UTF8.self) == expected)

        var withoutInstance = event
        withoutInstance.instanceID = nil
        withoutInstance.type = .campaignProgress
        withoutInstance.data = ["sent": 10, "total": 20]
        #expect(
            String(decoding: withoutInstance.encoded(), as: UTF8.self)
                == #"{"id":"evt_01KDX3Q8N0G6M4YHV2W9Z7C5RB","type":"campaign.progress","created_at":"2026-01-01T00:00:00.123Z","organization_id":"01942f1e-8c00-7000-8000-000000000001","data":{"sent":10,"total":20}}"#
        )
    }

    @Test func newEventsTakeIdAndTimeFromTheGenerator() throws {
        let clock = TestClock(now: Date(timeIntervalSince1970: 1_767_225_600.5))
        let ids = IdentifierGenerator(clock: clock, random: SeededRandomSource(seed: 1))
        let first = WebhookEvent(type: .instanceQR, organizationID: Self.organization, instanceID: Self.instance, data: ["qr": "2@abc"], ids: ids)
        clock.advance(by: .milliseconds(1))
        let second = WebhookEvent.test(organizationID: Self.organization, endpointID: WebhookEndpointID(uuid: UUID()), ids: ids)
        #expect(first.createdAt == Date(timeIntervalSince1970: 1_767_225_600.5))
        #expect(first.id.timestamp == first.createdAt)
        #expect(first.id < second.id)
        #expect(first.id.description < second.id.description)  // text sorts like the id
        #expect(second.type == .webhookTest)
        #expect(second.instanceID == nil)
        #expect(second.jsonValue["data"]?["message"] != nil)
        let envelope = try #require(JSONSerialization.jsonObject(with: Data(first.encoded())) as? [String: Any])
        #expect(envelope["created_at"] as? String == "2026-01-01T00:00:00.500Z")
        #expect(envelope["id"] as? String == first.id.description)
    }

    @Test func eventIDsRoundTripAndRejectGarbage() throws {
        let ids = IdentifierGenerator(clock: TestClock(), random: SeededRandomSource(seed: 2))
        for _ in 0..<100 {
            let id = WebhookEventID(using: ids)
            let text = id.description
            #expect(text.hasPrefix("evt_"))
            #expect(text.utf8.count == 30)
            #expect(!text.contains("."))
            #expect(WebhookEventID(text) == id)
            #expect(WebhookEventID(text.lowercased().replacingOccurrences(of: "evt_", with: "evt_")) == id)
            #expect(id.identifier.version == 7)
            let json = try JSONEncoder().encode(id)
            #expect(try JSONDecoder().decode(WebhookEventID.self, from: json) == id)
        }
        for bad in ["", "evt_", "msg_01KDX3Q8N0G6M4YHV2W9Z7C5RB", "evt_01KDX3Q8N0G6M4YHV2W9Z7C5R", "evt_81KDX3Q8N0G6M4YHV2W9Z7C5RB",
            "evt_01KDX3Q8N0G6M4YHV2W9Z7C5RU", "evt_01KDX3Q8N0G6M4YHV2W9Z7C5R!"]
        {
            #expect(WebhookEventID(bad) == nil, "\(bad)")
        }
        // 128 bits of all-ones is the largest value the text can hold.
        let max = WebhookEventID(Identifier(high: .max, low: .max))
        #expect(max.description == "evt_7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
        #expect(WebhookEventID(max.description) == max)
    }
}

@Suite("Webhook timestamps")
struct WebhookTimestampTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"), (1_767_225_600.123, "2026-01-01T00:00:00.123Z"),
        (1_767_225_599.9996, "2026-01-01T00:00:00.000Z"), (951_782_400.0, "2000-02-29T00:00:00.000Z"),
        (-1.5, "1969-12-31T23:59:58.500Z"), (253_402_300_799.999, "9999-12-31T23:59:59.999Z"),
        (1e15, "9999-12-31T23:59:59.999Z"), (-30_610_224_000.0, "1000-01-01T00:00:00.000Z"),
    ])
    func formatsRFC3339WithMilliseconds(_ seconds: Double, _ expected: String) {
        #expect(RFC3339Timestamp.string(from: Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test func parsesRFC3339() throws {
        #expect(RFC3339Timestamp.date(from: "2026-01-01T00:00:00.123Z")?.timeIntervalSince1970 == 1_767_225_600.123)
        #expect(RFC3339Timestamp.date(from: "2026-01-01T02:00:00+02:00")?.timeIntervalSince1970 == 1_767_225_600)
        #expect(RFC3339Timestamp.date(from: "2025-12-31t19:00:00-05:00")?.timeIntervalSince1970 == 1_767_225_600)
        for bad in ["", "2026-01-01", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z"] {
            #expect(RFC3339Timestamp.date(from: bad) == nil, "\(bad)")
        }
        let random = SeededRandomSource(seed: 8)
        var generator = random.generator
        for _ in 0..<500 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator)) / 1000)
            let text = RFC3339Timestamp.string(from: date)
            let parsed = try #require(RFC3339Timestamp.date(from: text))
            #expect(abs(parsed.timeIntervalSince(date)) < 0.0005, "\(text)")
        }
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
        "sun, 06 nov 1994 08:49:37 GMT", "  Sun, 06 Nov 1994 08:49:37 GMT ",
    ])
    func parsesTheThreeHTTPDateForms(_ text: String) {
        #expect(HTTPDate.parse(text) == Date(timeIntervalSince1970: 784_111_777))
    }

    @Test(arguments: [
        "", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
        "Funday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z", "120",
    ])
    func rejectsOtherDateText(_ text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test func formatsIMFFixdate() {
        #expect(HTTPDate.string(from: Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.string(from: Date(timeIntervalSince1970: 1_767_225_600)) == "Thu, 01 Jan 2026 00:00:00 GMT")
        var generator = SeededRandomSource(seed: 4).generator
        for _ in 0..<300 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_000_000_000, using: &generator)))
            #expect(HTTPDate.parse(HTTPDate.string(from: date)) == date)
        }
    }
}

@Suite("Webhook event types and filters")
struct WebhookEventFilterTests {
    @Test func builtInNamesAreStableAndValid() throws {
        #expect(WebhookEventType.builtIn.map(\.rawValue) == [
            "instance.status_changed", "instance.qr", "instance.ready", "instance.disconnected",
            "message.received", "message.queued", "message.sent", "message.status_changed", "message.failed", "message.revoked",
            "message.edited", "message.reaction", "message.media_stored", "message.media_failed", "call.received", "contact.opted_out", "contact.opted_in", "campaign.progress", "campaign.completed", "risk.alert", "webhook.test", "webhook.endpoint_disabled",
        ])
        #expect(WebhookEventType.builtIn.allSatisfy { WebhookEventType.isValidName($0.rawValue) })
        #expect(try WebhookEventType.automation("crm.lead_won").rawValue == "automation.crm.lead_won")
        #expect(WebhookEventType.messageReceived.category == "message")
        for bad in ["", "message", "Message.received", "message..received", "message.", ".message", "message.re ceived", "message.*"] {
            expectWAError(.invalidEventType, "\(bad)") { try WebhookEventType(validating: bad) }
        }
        expectWAError(.invalidEventType) { try WebhookEventType.automation("Bad Name") }
        #expect(try JSONDecoder().decode(WebhookEventType.self, from: Data(#""risk.alert""#.utf8)) == .riskAlert)
    }

    @Test(arguments: [
        (["*"], "message.received", true), (["*"], "automation.a.b", true), ([], "risk.alert", true),
        (["message.*"], "message.received", true), (["message.*"], "message.status_changed", true),
        (["message.*"], "instance.qr", false), (["message.*"], "messages.received", false),
        (["message.received"], "message.received", true), (["message.received"], "message.sent", false),
        (["automation.*"], "automation.crm.lead_won", true), (["automation.crm.*"], "automation.crm.lead_won", true),
        (["automation.crm.*"], "automation.erp.x", false), (["*.failed"], "message.failed", true),
        (["*.failed"], "message.sent", false), (["*.failed"], "automation.x.failed", false),
        (["instance.qr", "risk.*"], "risk.alert", true), (["instance.qr", "risk.*"], "campaign.progress", false),
    ] as [([String], String, Bool)])
    func matches(_ patterns: [String], _ type: String, _ expected: Bool) throws {
        #expect(try WebhookEventFilter(patterns: patterns).matches(WebhookEventType(rawValue: type)) == expected)
    }

    @Test func rejectsInvalidPatternsNamingTheIndex() {
        for bad in ["", "message", "mess*", "message.re*", "message..*", "Message.*", "**"] {
            let error = expectWAError(.invalidEventFilter, "\(bad)") { try WebhookEventFilter(patterns: ["message.received", bad]) }
            #expect(error?.field == "eventFilters[1]")
        }
    }

    @Test func endpointUsesItsFiltersAndEnabledFlag() {
        var endpoint = WebhookEndpoint(
            id: WebhookEndpointID(uuid: UUID()), organizationID: OrganizationID(uuid: UUID()),
            url: "https://example.com/hook", eventFilters: ["message.*"], sealedSecrets: [[1]],
            createdAt: Date(timeIntervalSince1970: 0))
        #expect(endpoint.shouldReceive(.messageReceived))
        #expect(!endpoint.shouldReceive(.riskAlert))
        endpoint.isEnabled = false
        #expect(!endpoint.shouldReceive(.messageReceived))
        endpoint.isEnabled = true
        endpoint.eventFilters = []
        #expect(endpoint.shouldReceive(.riskAlert))
    }
}
