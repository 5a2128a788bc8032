public import Logging
import Synchronization
public import WACore

/// WACore's transport over WhatsApp Web in headless Chromium: each session is a ``WhatsAppWebSession``.
public struct WhatsAppWebTransport: WhatsAppTransport {
    public let configuration: WhatsAppWebConfiguration
    private let logger: Logger
    private let registry = Registry()

    public init(configuration: WhatsAppWebConfiguration, logger: Logger = Logger(label: "wa.browser.whatsapp-web")) {
        self.configuration = configuration
        self.logger = logger
    }

    public func makeSession(_ session: SessionConfiguration) async throws -> any WhatsAppSession {
        let made = WhatsAppWebSession(session, configuration: configuration, logger: logger)
        registry.sessions.withLock { $0[session.instanceID] = Weak(made) }
        return made
    }

    /// The latest session this transport made for `instance`, while it exists: for looking at its page (debugging,
    /// or driving an offline fixture in tests).
    public func session(for instance: InstanceID) -> WhatsAppWebSession? {
        registry.sessions.withLock { $0[instance]?.value }
    }

    private final class Registry: Sendable {
        let sessions = Mutex<[InstanceID: Weak]>([:])
    }

    private struct Weak: @unchecked Sendable {
        // Written once; a weak reference to a Sendable class.
        weak var value: WhatsAppWebSession?
        init(_ value: WhatsAppWebSession) { self.value = value }
    }
}
