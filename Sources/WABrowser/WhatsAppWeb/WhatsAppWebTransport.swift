public import Logging
public import WACore

/// WACore's transport over WhatsApp Web in headless Chromium: each session is a ``WhatsAppWebSession``.
public struct WhatsAppWebTransport: WhatsAppTransport {
    public let configuration: WhatsAppWebConfiguration
    private let logger: Logger

    public init(configuration: WhatsAppWebConfiguration, logger: Logger = Logger(label: "wa.browser.whatsapp-web")) {
        self.configuration = configuration
        self.logger = logger
    }

    public func makeSession(_ session: SessionConfiguration) async throws -> any WhatsAppSession {
        WhatsAppWebSession(session, configuration: configuration, logger: logger)
    }
}
