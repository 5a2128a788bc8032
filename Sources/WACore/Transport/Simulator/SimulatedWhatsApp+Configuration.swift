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

        /// WhatsApp-like defaults: instant delivery, 5 QR codes 20 s apart, four loading steps.
        public init(
            latency: Duration = .zero, latencyJitter: Duration = .zero, qrRotationInterval: Duration = .seconds(20),
            qrCodeLimit: Int = 5, loadingSteps: [Int] = [25, 50, 75, 100], startupTime: Duration = .zero
        ) {
            self.latency = latency
            self.latencyJitter = latencyJitter
            self.qrRotationInterval = qrRotationInterval
            self.qrCodeLimit = max(1, qrCodeLimit)
            self.loadingSteps = loadingSteps
            self.startupTime = max(.zero, startupTime)
        }
    }
}
