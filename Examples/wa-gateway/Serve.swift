import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import WACore
import WAHTTP

/// `wa-gateway serve`: runs the gateway (``Gateway``: its instance supervisor, dispatchers, campaign and webhook
/// workers) and its HTTP front until SIGTERM or SIGINT, then shuts both down gracefully. Today the HTTP front
/// answers `/health` and `/ready` only (the REST API arrives with the HTTP adapter), storage is in memory (PostgreSQL
/// arrives with the storage adapter) and WhatsApp is the simulated network (Chromium arrives with the browser
/// transport).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway's workers and HTTP front (today: /health and /ready; the REST API is coming).")

    @Option(help: "Address to listen on (env WA_HOST).")
    var host: String = ProcessInfo.processInfo.environment["WA_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on (env WA_PORT).")
    var port: Int = Int(ProcessInfo.processInfo.environment["WA_PORT"] ?? "") ?? 8080

    @Option(help: "Storage: memory (env WA_STORE). PostgreSQL storage arrives with the storage adapter.")
    var store: String = ProcessInfo.processInfo.environment["WA_STORE"] ?? "memory"

    @Option(help: "WhatsApp transport: simulator (env WA_TRANSPORT). Chromium arrives with the browser transport.")
    var transport: String = ProcessInfo.processInfo.environment["WA_TRANSPORT"] ?? "simulator"

    @Option(help: "This node's name, unique among nodes sharing a store (env WA_NODE_ID).")
    var nodeID: String = ProcessInfo.processInfo.environment["WA_NODE_ID"] ?? "node-1"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env WA_LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["WA_LOG_LEVEL"] ?? "info"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard store == "memory" else {
            throw ValidationError("--store \(store) is not available in this build; use --store memory")
        }
        guard transport == "simulator" else {
            throw ValidationError("--transport \(transport) is not available in this build; use --transport simulator")
        }
        guard !nodeID.isEmpty else { throw ValidationError("--node-id must not be empty") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        var logger = Logger(label: "wa-gateway")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        // Memory storage on the system clock, the simulated WhatsApp network; no webhook sender yet, so
        // deliveries are recorded and wait in the queue.
        let environment = ServiceEnvironment.inMemory(logger: logger)
        let whatsapp = SimulatedWhatsApp(clock: environment.clock, random: environment.random)
        let gateway = Gateway(
            environment: environment, transport: whatsapp, configuration: .init(nodeID: nodeID))

        let router = Router()
        HealthRoutes().register(on: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "wa-gateway"),
            logger: logger
        )
        let group = ServiceGroup(
            services: [gateway, app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        )
        logger.info(
            "wa-gateway listening",
            metadata: [
                "address": "\(host):\(port)", "store": "\(store)", "transport": "\(transport)", "node": "\(nodeID)",
            ])
        try await group.run()
    }
}
