import Foundation

/// How ``WhatsAppWebTransport`` runs WhatsApp Web: one Chromium per instance, each on a profile of its own.
public struct WhatsAppWebConfiguration: Sendable {
    /// The browser's options; ``ChromiumLaunchOptions/userDataDirectory`` is replaced per instance by a directory
    /// under ``profilesDirectory``, and the instance's fingerprint and proxy are applied on top.
    public var chromium: ChromiumLaunchOptions
    /// Where the instances' browser profiles live (`<profilesDirectory>/<instance id>`). A profile is what keeps
    /// an instance linked across restarts.
    public var profilesDirectory: String
    /// The page to open: WhatsApp Web.
    public var url: String
    /// Serve WhatsApp Web from a local directory instead (offline mode; every other request fails): for testing
    /// code against a page of your own, without a phone or the internet.
    public var offlineSite: OfflineSite?
    /// How long the browser may take to answer after it starts.
    public var launchTimeout: Duration
    /// How long a command inside the page may take (a send, a number lookup).
    public var commandTimeout: Duration
    /// How often the page is asked whether it still responds (a trivial evaluation), once it is open.
    public var healthCheckInterval: Duration
    /// How long the page may take to answer that check; a page that misses ``unresponsiveAfter`` checks in a row
    /// is dead (a hung renderer), and the session ends with `page_unresponsive`.
    public var healthCheckTimeout: Duration
    /// Missed checks in a row that end the session.
    public var unresponsiveAfter: Int
    /// The most memory an instance's browser may use, in bytes (the PSS of its process group, measured at each health
    /// check): a browser above it at two checks in a row is stopped and the session ends with `memory_limit`, so the
    /// supervisor starts a fresh one. `nil` turns the watchdog off. One session on WhatsApp Web uses 300–500 MB, more
    /// with many large chats.
    public var memoryCeiling: Int64?

    public init(
        profilesDirectory: String, chromium: ChromiumLaunchOptions? = nil, url: String = "https://web.whatsapp.com/",
        offlineSite: OfflineSite? = nil, launchTimeout: Duration = .seconds(30), commandTimeout: Duration = .seconds(30),
        healthCheckInterval: Duration = .seconds(15), healthCheckTimeout: Duration = .seconds(10), unresponsiveAfter: Int = 3,
        memoryCeiling: Int64? = 1_536 * 1_048_576
    ) {
        self.profilesDirectory = profilesDirectory
        self.chromium = chromium ?? ChromiumLaunchOptions(userDataDirectory: profilesDirectory)
        self.url = url
        self.offlineSite = offlineSite
        self.launchTimeout = launchTimeout
        self.commandTimeout = commandTimeout
        self.healthCheckInterval = healthCheckInterval
        self.healthCheckTimeout = healthCheckTimeout
        self.unresponsiveAfter = max(1, unresponsiveAfter)
        self.memoryCeiling = memoryCeiling
    }
}
