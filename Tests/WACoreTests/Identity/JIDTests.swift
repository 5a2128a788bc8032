import Foundation
import Testing
import WACore

/// Parsing, formatting and helpers of `JID`.
@Suite("JID")
struct JIDTests {
    /// A valid JID text, its expected server and parts.
    struct Valid: Sendable, CustomTestStringConvertible {
        let text: String
        let server: JID.Server
        let user: String
        let agent: UInt8?
        let device: UInt16?

        init(_ text: String, _ server: JID.Server, _ user: String, agent: UInt8? = nil, device: UInt16? = nil) {
            self.text = text
            self.server = server
            self.user = user
            self.agent = agent
            self.device = device
        }

        var testDescription: String { text }
    }

    static let valid: [Valid] = [
        Valid("5511999999999@c.us", .webUser, "5511999999999"),
        Valid("5511999999999:0@c.us", .webUser, "5511999999999", device: 0),
        Valid("5511999999999@s.whatsapp.net", .protocolUser, "5511999999999"),
        Valid("12345:12@s.whatsapp.net", .protocolUser, "12345", device: 12),
        Valid("123.0:5@s.whatsapp.net", .protocolUser, "123", agent: 0, device: 5),
        Valid("123.1:65535@s.whatsapp.net", .protocolUser, "123", agent: 1, device: 65535),
        Valid("0@s.whatsapp.net", .protocolUser, "0"),
        Valid("120363012345678901@g.us", .group, "120363012345678901"),
        Valid("5511999999999-1612345678@g.us", .group, "5511999999999-1612345678"),
        Valid("179950657237125@lid", .lid, "179950657237125"),
        Valid("179950657237125:3@lid", .lid, "179950657237125", device: 3),
        Valid("status@broadcast", .broadcast, "status"),
        Valid("1612345678@broadcast", .broadcast, "1612345678"),
        Valid("120363123456789012@newsletter", .newsletter, "120363123456789012"),
    ]

    @Test("parses and round-trips", arguments: valid)
    func roundTrip(_ valid: Valid) throws {
        let jid = try JID(parsing: valid.text)
        #expect(jid.server == valid.server)
        #expect(jid.user == valid.user)
        #expect(jid.agent == valid.agent)
        #expect(jid.device == valid.device)
        #expect(jid.description == valid.text)
        #expect(JID(valid.text) == jid)
        #expect(try JID(user: valid.user, server: valid.server, agent: valid.agent, device: valid.device) == jid)

        let data = try JSONEncoder().encode(jid)
        #expect(try JSONDecoder().decode(String.self, from: data) == valid.text)
        #expect(try JSONDecoder().decode(JID.self, from: data) == jid)
    }

    @Test func everyServerKindIsCovered() {
        #expect(Set(Self.valid.map(\.server)) == Set(JID.Server.allCases))
    }

    @Test(arguments: [
        "", "@c.us", "5511999999999", "5511999999999@", "5511999999999@example.com", "5511999999999@C.US",
        " 5511999999999@c.us", "5511999999999@c.us ", "5511 999999999@c.us", "55119999abc@c.us", "+5511999999999@c.us",
        "a@b@c.us", "1234567890123456789012@c.us", String(repeating: "1", count: 200) + "@c.us", "status@c.us",
        "status@g.us", "abc@broadcast", "12-@g.us", "-12@g.us", "1-2-3@g.us", "123:5@g.us", "123:5@newsletter",
        "status:1@broadcast", "123:05@s.whatsapp.net", "123:70000@s.whatsapp.net", "123.256:1@s.whatsapp.net",
        "123.1@s.whatsapp.net", "123.01:1@s.whatsapp.net", "123:@c.us", ":1@c.us", "123:x@lid", "abc@lid",
        "abc@newsletter", "123@newsletter:1", "\u{FF15}\u{FF15}@c.us", "123\u{0}@c.us", "12.3@c.us", "１２３@lid",
    ])
    func rejectsGarbage(_ text: String) {
        let error = expectWAError(.invalidJID) { try JID(parsing: text) }
        #expect(error?.field == "jid")
        #expect(JID(text) == nil)
    }

    @Test func rejectsInvalidParts() {
        let empty = expectWAError(.invalidJID) { try JID(user: "", server: .webUser) }
        let letters = expectWAError(.invalidJID) { try JID(user: "12a", server: .lid) }
        let groupDevice = expectWAError(.invalidJID) { try JID(user: "120363", server: .group, device: 1) }
        let agentOnly = expectWAError(.invalidJID) { try JID(user: "123", server: .protocolUser, agent: 1) }
        for error in [empty, letters, groupDevice, agentOnly] {
            #expect(error?.field == "jid")
        }
    }

    @Test func kinds() throws {
        let web = try JID(parsing: "5511999999999@c.us")
        let wire = try JID(parsing: "5511999999999:7@s.whatsapp.net")
        let lid = try JID(parsing: "179950657237125@lid")
        let group = try JID(parsing: "120363012345678901@g.us")
        let list = try JID(parsing: "1612345678@broadcast")
        let channel = try JID(parsing: "120363123456789012@newsletter")

        #expect(web.isUser && web.isPhoneNumberUser && !web.isLID && !web.isGroup && !web.isDevice)
        #expect(wire.isUser && wire.isPhoneNumberUser && wire.isDevice)
        #expect(lid.isUser && lid.isLID && !lid.isPhoneNumberUser)
        #expect(group.isGroup && !group.isUser)
        #expect(JID.statusBroadcast.isStatusBroadcast && JID.statusBroadcast.isBroadcast)
        #expect(!JID.statusBroadcast.isBroadcastList)
        #expect(list.isBroadcast && list.isBroadcastList && !list.isStatusBroadcast)
        #expect(channel.isNewsletter && !channel.isUser)
        #expect(JID.statusBroadcast.description == "status@broadcast")
        #expect(try JID(parsing: "status@broadcast") == .statusBroadcast)
    }

    @Test func convertsBetweenWebAndProtocolForms() throws {
        let web = try JID(parsing: "5511999999999@c.us")
        let wire = try JID(parsing: "5511999999999@s.whatsapp.net")
        #expect(web.protocolForm == wire)
        #expect(wire.webForm == web)
        #expect(web.webForm == web)
        #expect(wire.protocolForm == wire)

        let device = try JID(parsing: "123.0:5@s.whatsapp.net")
        #expect(device.webForm.description == "123.0:5@c.us")
        #expect(device.webForm.protocolForm == device)
        #expect(device.withoutDevice.description == "123@s.whatsapp.net")

        for other in ["120363012345678901@g.us", "179950657237125@lid", "status@broadcast", "1@newsletter"] {
            let jid = try JID(parsing: other)
            #expect(jid.protocolForm == jid)
            #expect(jid.webForm == jid)
        }
    }

    @Test func phoneNumbers() throws {
        let phone = try PhoneNumber("+44 20 7946 0958")
        #expect(JID.user(phone).description == "442079460958@c.us")
        #expect(phone.jid == JID.user(phone))
        #expect(JID.user(phone).phoneNumber == phone)
        #expect(try JID(parsing: "442079460958:3@s.whatsapp.net").phoneNumber == phone)
        #expect(try JID(parsing: "179950657237125@lid").phoneNumber == nil)
        #expect(try JID(parsing: "120363012345678901@g.us").phoneNumber == nil)
        #expect(try JID(parsing: "0@s.whatsapp.net").phoneNumber == nil)
    }

    @Test func ordersByText() throws {
        let texts = ["5511999999999@c.us", "120363012345678901@g.us", "status@broadcast", "179950657237125@lid"]
        let sorted = try texts.map { try JID(parsing: $0) }.sorted()
        #expect(sorted.map(\.description) == texts.sorted())
    }

    @Test func decodingGarbageThrows() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([JID].self, from: Data(#"["not a jid"]"#.utf8))
        }
    }
}
