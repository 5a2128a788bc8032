extension JID {
    /// The server (domain) part of a ``JID``, which says what kind of entity the JID names.
    ///
    /// The raw value is the exact text after the `@`.
    ///
    /// | Case | Text | Names |
    /// |---|---|---|
    /// | ``webUser`` | `c.us` | a phone-number user, in WhatsApp Web's spelling |
    /// | ``protocolUser`` | `s.whatsapp.net` | the same user, in the multi-device protocol's spelling |
    /// | ``group`` | `g.us` | a group |
    /// | ``lid`` | `lid` | a privacy "linked identity" user that hides the phone number |
    /// | ``broadcast`` | `broadcast` | `status@broadcast` (Status) or a broadcast list |
    /// | ``newsletter`` | `newsletter` | a channel |
    public enum Server: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// `c.us`: a phone-number user as WhatsApp Web writes it (`5511999999999@c.us`).
        case webUser = "c.us"
        /// `s.whatsapp.net`: a phone-number user as the wire protocol writes it (`5511999999999@s.whatsapp.net`).
        case protocolUser = "s.whatsapp.net"
        /// `g.us`: a group, old form `<creatorPhone>-<unixTime>@g.us` or new form `120363…@g.us`.
        case group = "g.us"
        /// `lid`: a linked identity (`179950657237125@lid`) used instead of a phone number since 2025.
        case lid = "lid"
        /// `broadcast`: `status@broadcast` (Status updates) or `<timestamp>@broadcast` (a broadcast list).
        case broadcast = "broadcast"
        /// `newsletter`: a WhatsApp channel (`120363…@newsletter`).
        case newsletter = "newsletter"

        /// The server text, as it appears after the `@`.
        public var description: String { rawValue }

        /// Whether JIDs on this server name a single user (phone-number or linked identity).
        public var isUser: Bool {
            switch self {
            case .webUser, .protocolUser, .lid: true
            case .group, .broadcast, .newsletter: false
            }
        }

        /// Whether JIDs on this server may carry an agent and device suffix (`user.agent:device@server`).
        public var allowsDevice: Bool { isUser }
    }
}
