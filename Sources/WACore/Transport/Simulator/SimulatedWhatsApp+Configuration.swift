extension SimulatedWhatsApp {
    /// Network-wide behaviour of a ``SimulatedWhatsApp``. Change it at any time with
    /// ``SimulatedWhatsApp/configuration``; new values apply to messages sent and codes shown afterwards.
    public struct Configuration: Sendable, Hashable {
        /// How long a message takes from the server to the recipient's phone. `.zero` (the default) delivers
        /// before ``WhatsAppSession/send(_:)`` returns, without the clock having to move.
        public var latency: Duration
        /// Each delivery's latency varies uniformly by up to this much either way (never below zero), drawn from
        /// the network's ``RandomSource``. Jitter can reorder messages sent close together, as on a real network.
        public var latencyJitter: Duration
        /// How long each QR code is shown before the next one replaces it (WhatsApp Web: about 20 s).
        public var qrRotationInterval: Duration
        /// How many QR codes a linking session shows. When the last one expires the session ends with
        /// ``DisconnectReason/linkTimeout``. A pairing code stays valid for `qrCodeLimit × qrRotationInterval`.
        public var qrCodeLimit: Int
        /// The `loading(percent:)` events a session reports between `authenticated` and `ready`.
        public var loadingSteps: [Int]
        /// How long ``WhatsAppSession/start()`` takes before the session is up, as launching a browser and loading
        /// WhatsApp Web does (often longer than an instance's lease). `.zero` (the default) starts at once.
        public var startupTime: Duration
        /// How often each ready session's page reloads by itself, as WhatsApp Web's does after an update or a crashed
        /// tab (``SimulatedWhatsApp/reloadPage(instance:)``). `nil` (the default): only when asked. The reload timer
        /// is upkeep: it does not keep a test's "run until idle" from finishing.
        public var reloadInterval: Duration?
        /// How many of the account's latest received messages a reloaded session reports again, as WhatsApp Web's
        /// catch-up after a reload can: the gateway has to store each message once. `0` (the default): none.
        public var messagesRepeatedOnReload: Int
        /// The chance that a send repeating a client message id this account already sent is not recognised and goes
        /// out again (a second delivery of the same id), as WhatsApp Web's lookup in its local store misses a message
        /// a crash kept from being stored. `0` (the default): every repeat is recognised
        /// (``SendReceipt/wasAlreadySent``). A gateway must not count on the transport to make its retries safe.
        public var idempotencyMissRate: Double

        /// WhatsApp-like defaults: instant delivery, 5 QR codes 20 s apart, four loading steps, a session that starts
        /// at once, never reloads and recognises every repeated send.
        public init(
            latency: Duration = .zero, latencyJitter: Duration = .zero, qrRotationInterval: Duration = .seconds(20),
            qrCodeLimit: Int = 5, loadingSteps: [Int] = [25, 50, 75, 100], startupTime: Duration = .zero,
            reloadInterval: Duration? = nil, messagesRepeatedOnReload: Int = 0, idempotencyMissRate: Double = 0
        ) {
            self.latency = latency
            self.latencyJitter = latencyJitter
            self.qrRotationInterval = qrRotationInterval
            self.qrCodeLimit = max(1, qrCodeLimit)
            self.loadingSteps = loadingSteps
            self.startupTime = max(.zero, startupTime)
            self.reloadInterval = reloadInterval.map { max(.seconds(1), $0) }
            self.messagesRepeatedOnReload = max(0, messagesRepeatedOnReload)
            self.idempotencyMissRate = min(1, max(0, idempotencyMissRate))
        }

        /// The manners of WhatsApp Web in a browser, for testing code that must survive them: messages take
        /// 0.5–1.5 s, a session takes 8 s to start (longer than a short lease), the page reloads every half hour and
        /// repeats the last 3 received messages, and a repeated send is recognised only half the time.
        public static let browserLike = Configuration(
            latency: .seconds(1), latencyJitter: .milliseconds(500), startupTime: .seconds(8),
            reloadInterval: .seconds(1_800), messagesRepeatedOnReload: 3, idempotencyMissRate: 0.5)
    }
}
