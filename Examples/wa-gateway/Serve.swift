import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals
import WABrowser
import WACore
import WAHTTP
import WAPostgres

/// `wa-gateway serve`: runs the gateway (``Gateway``: its instance supervisor, dispatchers, campaign and webhook
/// workers) and its HTTP front (the REST API, ``GatewayHTTPServer``) until SIGTERM or SIGINT, then shuts both down
/// gracefully. WhatsApp is WhatsApp Web in headless Chromium (one browser per instance, its profile under
/// `--profiles-dir`), or with `--transport simulator` the simulated network (for trying the API without a phone).
///
/// On the first start on an empty store it creates an organization, its admin and an API key, and prints them
/// once (``Bootstrap``).
///
/// Storage is PostgreSQL: by default an embedded server under `--data-dir` (`./wa-data`) that this command starts
/// and stops, or the server `--database-url` names; pending migrations are applied at start. Secrets at rest are
/// sealed with the keyring from `WA_KEYRING` or the secrets file, created on the first start. `--store memory` keeps
/// nothing, on a keyring that lives as long as the process.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway's workers and its REST API.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "Address to listen on (env WA_HOST).")
    var host: String = ProcessInfo.processInfo.environment["WA_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on (env WA_PORT).")
    var port: Int = Int(ProcessInfo.processInfo.environment["WA_PORT"] ?? "") ?? 8080

    @Option(
        help: ArgumentHelp(
            "WhatsApp transport: whatsapp-web (WhatsApp Web in headless Chromium, Debian's package chromium) or "
                + "simulator (a simulated network, no phone needed) (env WA_TRANSPORT)."))
    var transport: String = ProcessInfo.processInfo.environment["WA_TRANSPORT"] ?? "whatsapp-web"

    @Option(
        name: .customLong("profiles-dir"),
        help: ArgumentHelp(
            "Where the instances' browser profiles live, which keep them linked (env WA_PROFILES_DIR; default "
                + "<data-dir>/profiles).", valueName: "path"))
    var profilesDirectoryOption: String?

    @Option(
        name: .customLong("browser-memory-limit"),
        help: ArgumentHelp(
            "The most memory one instance's browser may use, in MiB; a browser above it is restarted (0 turns the "
                + "watchdog off) (env WA_BROWSER_MEMORY_LIMIT; default 1536).", valueName: "MiB"))
    var browserMemoryLimitOption: Int?

    @Option(
        name: .customLong("offline-site"),
        help: ArgumentHelp(
            "Serve WhatsApp Web from this directory at its real origin and fail every other request (offline mode, "
                + "for testing against a page of your own) (env WA_OFFLINE_SITE).", valueName: "path"))
    var offlineSiteOption: String?

    @Option(help: "This node's name, unique among nodes sharing a store (env WA_NODE_ID).")
    var nodeID: String = ProcessInfo.processInfo.environment["WA_NODE_ID"] ?? "node-1"

    @Option(help: "The first admin's email, used when the first start creates the organization (env WA_ADMIN_EMAIL).")
    var adminEmail: String = ProcessInfo.processInfo.environment["WA_ADMIN_EMAIL"] ?? "admin@example.com"

    @Option(
        help: ArgumentHelp(
            "Private networks webhook endpoints may be in, as CIDR blocks separated by commas, e.g. 10.20.0.0/16 "
                + "(env WA_WEBHOOK_ALLOWED_NETWORKS). Every other private, loopback or link-local target is refused."))
    var webhookAllowedNetworks: String = ProcessInfo.processInfo.environment["WA_WEBHOOK_ALLOWED_NETWORKS"] ?? ""

    @Option(
        name: .customLong("trusted-proxies"),
        help: ArgumentHelp(
            "Reverse proxies whose X-Forwarded-For names the client (for per-address limits and the access log), as "
                + "CIDR blocks separated by commas, e.g. 10.0.0.0/8 (env WA_TRUSTED_PROXIES; default none)."))
    var trustedProxies: String = ProcessInfo.processInfo.environment["WA_TRUSTED_PROXIES"] ?? ""

    @Option(
        name: .customLong("account-notifications"),
        help: ArgumentHelp(
            "File that invitation and password-reset tokens are appended to, one JSON line each, for the operator to "
                + "pass on (env WA_ACCOUNT_NOTIFICATIONS; default <data-dir>/account-notifications.jsonl).",
            valueName: "path"))
    var accountNotificationsOption: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env WA_LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["WA_LOG_LEVEL"] ?? "info"

    @Option(help: "Log format on standard error: json (one object per line) or text (env WA_LOG_FORMAT).")
    var logFormat: String = ProcessInfo.processInfo.environment["WA_LOG_FORMAT"] ?? "json"

    @Option(
        help: ArgumentHelp(
            "Request limits per client address and per API key: on, or off for fuzzing and load tests behind a front "
                + "that limits instead (env WA_REQUEST_LIMITS).",
            valueName: "on|off"))
    var requestLimits: String = ProcessInfo.processInfo.environment["WA_REQUEST_LIMITS"] ?? "on"

    @Option(
        help: ArgumentHelp(
            "Bearer token Prometheus must send to GET /metrics (env WA_METRICS_TOKEN); without one the route is open, "
                + "so expose it only where scrapers reach it.",
            valueName: "token"))
    var metricsToken: String = ProcessInfo.processInfo.environment["WA_METRICS_TOKEN"] ?? ""

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard ["whatsapp-web", "simulator"].contains(transport) else {
            throw ValidationError("--transport must be whatsapp-web or simulator")
        }
        if transport == "whatsapp-web" {
            let chromium = ChromiumLaunchOptions.locateExecutable()
            guard FileManager.default.isExecutableFile(atPath: chromium) else {
                throw ValidationError(
                    "--transport whatsapp-web needs Chromium: install Debian's package chromium (apt-get install "
                        + "chromium, or scripts/install-chromium), set WA_CHROMIUM to the browser binary, or use "
                        + "--transport simulator")
            }
            if let site = offlineSite, !FileManager.default.fileExists(atPath: "\(site)/index.html") {
                throw ValidationError("--offline-site: \(site) has no index.html")
            }
        }
        guard !nodeID.isEmpty else { throw ValidationError("--node-id must not be empty") }
        _ = try Self.networks(webhookAllowedNetworks, option: "--webhook-allowed-networks")
        _ = try Self.networks(trustedProxies, option: "--trusted-proxies")
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ["on", "off"].contains(requestLimits) else { throw ValidationError("--request-limits must be on or off") }
        guard ["json", "text"].contains(logFormat) else { throw ValidationError("--log-format must be json or text") }
    }

    func run() async throws {
        if logFormat == "json" {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        }
        var logger = Logger(label: "wa-gateway")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        switch storage.store {
        case .memory:
            try await serve(.inMemory(logger: logger), services: [], logger: logger)
        case .postgres:
            let keyring = try storage.keyring(creatingFile: true)
            logger.info("secret keyring loaded", metadata: ["from": "\(keyring.origin)", "keys": "\(keyring.keyring)"])
            try await PostgresStorage.withStore(storage, exclusive: true, logger: logger) { store, _ in
                let random = SystemRandomSource()
                let environment = ServiceEnvironment(
                    store: store, clock: SystemWallClock(), random: random, passwordHasher: BcryptPasswordHasher(),
                    secretBox: SecretBox(keyring: keyring.keyring, random: random), media: store.media, logger: logger)
                let upkeep = PostgresMediaUpkeep(media: store.media, logger: logger)
                try await serve(environment, services: [store.wakeUpListener, upkeep], logger: logger)
            }
        }
    }

    /// `--account-notifications`, else `WA_ACCOUNT_NOTIFICATIONS`, else the file in the data directory.
    private var accountNotificationsPath: String {
        Self.givenPath(accountNotificationsOption, variable: "WA_ACCOUNT_NOTIFICATIONS")
            ?? "\(storage.dataDirectory)/\(FileAccountNotifier.defaultName)"
    }

    /// `--profiles-dir`, else `WA_PROFILES_DIR`, else `profiles` in the data directory.
    private var profilesDirectory: String {
        Self.givenPath(profilesDirectoryOption, variable: "WA_PROFILES_DIR") ?? "\(storage.dataDirectory)/profiles"
    }

    /// `--offline-site`, else `WA_OFFLINE_SITE`.
    private var offlineSite: String? {
        // An empty --offline-site turns offline mode off, whatever the environment says.
        if offlineSiteOption?.isEmpty == true { return nil }
        return Self.givenPath(offlineSiteOption, variable: "WA_OFFLINE_SITE")
    }

    /// The path an option gives, else the environment variable (when not empty), as an absolute standardized path.
    private static func givenPath(_ option: String?, variable: String) -> String? {
        let given = option ?? ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        return given.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// The WhatsApp transport `--transport` names.
    private func whatsappTransport(_ environment: ServiceEnvironment, logger: Logger) throws -> any WhatsAppTransport {
        guard transport == "whatsapp-web" else {
            return SimulatedWhatsApp(clock: environment.clock, random: environment.random)
        }
        try FileManager.default.createDirectory(
            atPath: profilesDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var configuration = WhatsAppWebConfiguration(
            profilesDirectory: profilesDirectory, offlineSite: offlineSite.map { OfflineSite(directory: $0) })
        let limitText = browserMemoryLimitOption.map(String.init) ?? ProcessInfo.processInfo.environment["WA_BROWSER_MEMORY_LIMIT"]
        if let limitText {
            guard let mebibytes = Int64(limitText), mebibytes >= 0 else {
                throw ValidationError("--browser-memory-limit must be a number of MiB (0 turns the watchdog off)")
            }
            configuration.memoryCeiling = mebibytes == 0 ? nil : mebibytes * 1_048_576
        }
        return WhatsAppWebTransport(configuration: configuration, logger: logger)
    }

    /// A comma-separated list of CIDR blocks given to `option`, as blocks.
    private static func networks(_ list: String, option: String) throws -> [IPNetwork] {
        try list.split(separator: ",").map { text in
            let block = text.trimmingCharacters(in: .whitespaces)
            guard let network = IPNetwork(block) else {
                throw ValidationError("\(option): \(block) is not a CIDR block such as 10.20.0.0/16")
            }
            return network
        }
    }

    /// Runs the gateway on `environment` and the HTTP front, with `services` started before them (and stopped
    /// after them), until a signal.
    private func serve(_ environment: ServiceEnvironment, services: [any Service], logger: Logger) async throws {
        // Password hashing (bcrypt, hundreds of milliseconds) runs on NIO's thread pool, not the cooperative one.
        var environment = environment
        environment.blockingWork = ThreadPoolBlockingWorkRunner()
        // Invitation and reset tokens go to a file the operator reads, never into a response or the log.
        try DataDirectory.prepare(storage.dataDirectory)
        environment.accountNotifier = FileAccountNotifier(path: accountNotificationsPath)
        // WhatsApp Web in Chromium, or the simulated network; webhooks go out over HTTP, to public addresses and the
        // allowed networks.
        let whatsapp = try whatsappTransport(environment, logger: logger)
        let webhookSender = HTTPWebhookSender(logger: logger)
        let allowed = try Self.networks(webhookAllowedNetworks, option: "--webhook-allowed-networks")
        let gateway = Gateway(
            environment: environment, transport: whatsapp, webhookSender: webhookSender,
            configuration: .init(nodeID: nodeID, webhookURLPolicy: WebhookURLPolicy(allowedNetworks: allowed)))

        if let credentials = try await Bootstrap.ifEmpty(gateway, adminEmail: adminEmail, logger: logger) {
            Bootstrap.print(credentials)
        }
        // Requests are counted and timed through swift-metrics into this registry, which GET /metrics renders.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var configuration = GatewayHTTPServer.Configuration()
        configuration.readinessChecks = [.store(environment.store)]
        configuration.trustedProxies = TrustedProxies(try Self.networks(trustedProxies, option: "--trusted-proxies"))
        configuration.metrics = MetricsExposition(registry: registry, token: metricsToken.isEmpty ? nil : metricsToken)
        if requestLimits == "off" {
            logger.warning("request limits are off: nothing stops a client flooding the API")
            configuration.requestLimits = nil
        }
        let http = GatewayHTTPServer(gateway: gateway, configuration: configuration, logger: logger)
        let app = Application(
            router: http,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            logger: logger
        )
        // Shut down in reverse order: the HTTP front first, then the gateway, the webhook sender's connections, and
        // the storage's services last.
        let group = ServiceGroup(
            services: services + [webhookSender, gateway, app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        )
        logger.info(
            "wa-gateway listening",
            metadata: [
                "address": "\(host):\(port)", "store": "\(storage.store.rawValue)", "transport": "\(transport)",
                "node": "\(nodeID)",
            ])
        try await group.run()
        logger.info("wa-gateway stopped", metadata: ["node": "\(nodeID)"])
    }
}
