/// A WhatsApp JID (Jabber ID): the address of a user, group, linked identity, broadcast or channel.
///
/// A JID is `user@server`, where a user JID may carry a device suffix (`user:device@server`) and, in the
/// multi-device protocol, an agent as well (`user.agent:device@server`). Parsing is strict and formatting is its
/// exact inverse, so `JID(parsing: s).description == s` for every string that parses.
///
/// ```swift
/// let chat = try JID(parsing: "5511999999999@c.us")
/// chat.isUser                          // true
/// chat.protocolForm.description        // "5511999999999@s.whatsapp.net"
/// let group = try JID(parsing: "120363012345678901@g.us")
/// group.isGroup                        // true
/// JID.statusBroadcast.isStatusBroadcast // true
/// ```
///
/// Invalid input throws a ``WAError`` with code ``WAError/Code-swift.enum/invalidJID`` and field `"jid"`.
/// JIDs are `Codable` as their string form and order by that string.
public struct JID: Hashable, Sendable {
    /// The part before the `@` (and before any agent or device suffix): digits for users, linked identities,
    /// channels and broadcast lists, `<digits>-<digits>` or digits for groups, `status` for Status.
    public let user: String
    /// The part after the `@`.
    public let server: Server
    /// The agent of a multi-device protocol JID (`user.agent:device@…`), if the JID names one.
    public let agent: UInt8?
    /// The device of a device JID (`user:device@…`), if the JID names one; `0` is the primary phone.
    public let device: UInt16?

    /// The longest string ``init(parsing:)`` looks at; longer input is rejected before it is scanned.
    public static let maximumLength = 64
    /// The most digits a user, linked identity, channel, broadcast list or group-id part may have.
    static let maximumDigits = 20

    /// Creates a JID from its parts, validating them as ``init(parsing:)`` would.
    ///
    /// - Parameters:
    ///   - user: The user part, without agent or device suffix.
    ///   - server: The server.
    ///   - agent: The agent (multi-device protocol); only with a `device`, and only on user servers.
    ///   - device: The device; only on user servers (`c.us`, `s.whatsapp.net`, `lid`).
    /// - Throws: ``WAError`` with code `invalid_jid` and field `"jid"` when a part is not valid for the server.
    public init(user: String, server: Server, agent: UInt8? = nil, device: UInt16? = nil) throws(WAError) {
        try Self.validate(user: user, server: server)
        if agent != nil || device != nil {
            guard server.allowsDevice else {
                throw Self.error("a \(server.rawValue) JID cannot name a device")
            }
            guard device != nil else { throw Self.error("an agent needs a device") }
        }
        self.init(unchecked: user, server: server, agent: agent, device: device)
    }

    /// Parses a JID such as `5511999999999@c.us`, `123.0:5@s.whatsapp.net`, `1203630…@g.us`, `…@lid`,
    /// `status@broadcast` or `…@newsletter`.
    ///
    /// The input must be exactly one JID: no surrounding whitespace, a known server in lower case, digits where
    /// the server expects digits, and agent/device numbers without leading zeros (so formatting round-trips).
    /// - Throws: ``WAError`` with code `invalid_jid` and field `"jid"`.
    public init(parsing text: String) throws(WAError) {
        guard !text.isEmpty else { throw Self.error("a JID must not be empty") }
        guard text.utf8.count <= Self.maximumLength else {
            throw Self.error("a JID must be at most \(Self.maximumLength) characters")
        }
        let bytes = Array(text.utf8)
        var atIndex: Int?
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "@") {
            guard atIndex == nil else { throw Self.error("a JID must contain exactly one '@'") }
            atIndex = index
        }
        guard let atIndex else { throw Self.error("a JID must contain '@' followed by a server") }
        let serverText = String(decoding: bytes[(atIndex + 1)...], as: UTF8.self)
        guard let server = Server(rawValue: serverText) else {
            throw Self.error("unknown JID server; expected one of c.us, s.whatsapp.net, g.us, lid, broadcast, newsletter")
        }
        var userBytes = bytes[..<atIndex]
        var agent: UInt8?
        var device: UInt16?
        if server.allowsDevice, let colon = userBytes.firstIndex(of: UInt8(ascii: ":")) {
            guard let value = Self.canonicalNumber(userBytes[(colon + 1)...], maximum: Int(UInt16.max)) else {
                throw Self.error("the device after ':' must be a number from 0 to \(UInt16.max)")
            }
            device = UInt16(value)
            userBytes = userBytes[..<colon]
            if let dot = userBytes.firstIndex(of: UInt8(ascii: ".")) {
                guard let value = Self.canonicalNumber(userBytes[(dot + 1)...], maximum: Int(UInt8.max)) else {
                    throw Self.error("the agent after '.' must be a number from 0 to \(UInt8.max)")
                }
                agent = UInt8(value)
                userBytes = userBytes[..<dot]
            }
        }
        let user = String(decoding: userBytes, as: UTF8.self)
        try Self.validate(user: user, server: server)
        self.init(unchecked: user, server: server, agent: agent, device: device)
    }

    /// Creates a JID from parts that are already known to be valid.
    private init(unchecked user: String, server: Server, agent: UInt8?, device: UInt16?) {
        self.user = user
        self.server = server
        self.agent = agent
        self.device = device
    }

    /// The Status pseudo-chat, `status@broadcast`.
    public static let statusBroadcast = JID(unchecked: "status", server: .broadcast, agent: nil, device: nil)

    /// The `c.us` user JID of a phone number, such as `442079460958@c.us` for `+44 20 7946 0958`.
    public static func user(_ phone: PhoneNumber) -> JID {
        JID(unchecked: phone.digits, server: .webUser, agent: nil, device: nil)
    }
}

// MARK: - Kinds and conversions

extension JID {
    /// Whether this JID names a single user: a phone-number user (`c.us`, `s.whatsapp.net`) or a linked identity.
    public var isUser: Bool { server.isUser }

    /// Whether this JID names a phone-number user (`c.us` or `s.whatsapp.net`), whose ``user`` is the number.
    public var isPhoneNumberUser: Bool { server == .webUser || server == .protocolUser }

    /// Whether this JID is a linked identity (`…@lid`).
    public var isLID: Bool { server == .lid }

    /// Whether this JID names a group (`…@g.us`).
    public var isGroup: Bool { server == .group }

    /// Whether this JID is on the `broadcast` server (Status or a broadcast list).
    public var isBroadcast: Bool { server == .broadcast }

    /// Whether this JID is the Status pseudo-chat `status@broadcast`.
    public var isStatusBroadcast: Bool { self == .statusBroadcast }

    /// Whether this JID is a broadcast list (`<id>@broadcast`, not Status).
    public var isBroadcastList: Bool { server == .broadcast && user != "status" }

    /// Whether this JID names a channel (`…@newsletter`).
    public var isNewsletter: Bool { server == .newsletter }

    /// Whether this JID names one device of a user (it has a `:device` suffix).
    public var isDevice: Bool { device != nil }

    /// This JID without agent and device: the user it belongs to.
    public var withoutDevice: JID {
        JID(unchecked: user, server: server, agent: nil, device: nil)
    }

    /// The multi-device protocol spelling: a `c.us` user becomes `s.whatsapp.net` (agent and device kept); any
    /// other JID is returned unchanged.
    public var protocolForm: JID {
        guard server == .webUser else { return self }
        return JID(unchecked: user, server: .protocolUser, agent: agent, device: device)
    }

    /// The WhatsApp Web spelling: an `s.whatsapp.net` user becomes `c.us` (agent and device kept); any other JID
    /// is returned unchanged.
    public var webForm: JID {
        guard server == .protocolUser else { return self }
        return JID(unchecked: user, server: .webUser, agent: agent, device: device)
    }

    /// The phone number of a phone-number user (`c.us`, `s.whatsapp.net`), or `nil` for other JIDs and for users
    /// whose digits are not a possible phone number.
    public var phoneNumber: PhoneNumber? {
        guard isPhoneNumberUser else { return nil }
        return try? PhoneNumber("+" + user, validation: .possible)
    }
}

// MARK: - Validation

extension JID {
    /// Checks that `user` is valid for `server`.
    private static func validate(user: String, server: Server) throws(WAError) {
        let bytes = Array(user.utf8)
        guard !bytes.isEmpty else { throw error("a JID needs a user part before '@'") }
        switch server {
        case .webUser, .protocolUser:
            guard isDigits(bytes[...]) else { throw error("a phone-number JID user must be 1 to \(maximumDigits) digits") }
        case .lid:
            guard isDigits(bytes[...]) else { throw error("a linked-identity JID user must be 1 to \(maximumDigits) digits") }
        case .newsletter:
            guard isDigits(bytes[...]) else { throw error("a channel JID user must be 1 to \(maximumDigits) digits") }
        case .broadcast:
            guard user == "status" || isDigits(bytes[...]) else {
                throw error("a broadcast JID user must be 'status' or 1 to \(maximumDigits) digits")
            }
        case .group:
            let parts = bytes.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
            guard parts.count <= 2, parts.allSatisfy(isDigits) else {
                throw error("a group JID user must be digits, or '<digits>-<digits>', each at most \(maximumDigits) digits")
            }
        }
    }

    /// Whether `bytes` is 1 to ``maximumDigits`` ASCII digits.
    private static func isDigits(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.count <= maximumDigits
            && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// The value of a canonical decimal number (no sign, no leading zeros) up to `maximum`, or `nil`.
    private static func canonicalNumber(_ bytes: ArraySlice<UInt8>, maximum: Int) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 5 else { return nil }
        guard bytes.count == 1 || bytes.first != UInt8(ascii: "0") else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value <= maximum ? value : nil
    }

    /// An `invalid_jid` error for the `jid` field.
    private static func error(_ message: String) -> WAError {
        WAError(.invalidJID, message, field: "jid")
    }
}

// MARK: - String forms

extension JID: CustomStringConvertible, LosslessStringConvertible {
    /// The JID text: `user[.agent][:device]@server`.
    public var description: String {
        var text = user
        if let agent { text += ".\(agent)" }
        if let device { text += ":\(device)" }
        return text + "@" + server.rawValue
    }

    /// Parses a JID, returning `nil` where ``init(parsing:)`` would throw.
    public init?(_ description: String) {
        guard let jid = try? JID(parsing: description) else { return nil }
        self = jid
    }
}

extension JID: Comparable {
    /// Orders JIDs by their text.
    public static func < (lhs: JID, rhs: JID) -> Bool {
        lhs.description < rhs.description
    }
}

extension JID: Codable {
    /// Decodes a JID from its string form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try JID(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes the JID as its string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
