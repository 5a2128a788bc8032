import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import WACore
import WAHTTP

/// `wa-gateway serve`: runs the HTTP front until SIGTERM or SIGINT. Today it answers `/health` and `/ready` only;
/// the REST API, the services and their workers join it with the HTTP adapter.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway's HTTP front (today: /health and /ready; the API and workers are coming).")

    @Option(help: "Address to listen on (env WA_HOST).")
    var host: String = ProcessInfo.processInfo.environment["WA_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on (env WA_PORT).")
    var port: Int = Int(ProcessInfo.processInfo.environment["WA_PORT"] ?? "") ?? 8080

    @Option(help: "Storage: memory (env WA_STORE). PostgreSQL storage arrives with the storage adapter.")
    var store: String = ProcessInfo.processInfo.environment["WA_STORE"] ?? "memory"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env WA_LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["WA_LOG_LEVEL"] ?? "info"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard store == "memory" else {
            throw ValidationError("--store \(store) is not available in this build; use --store memory")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        var logger = Logger(label: "wa-gateway")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let router = Router()
        HealthRoutes().register(on: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "wa-gateway"),
            logger: logger
        )
        let group = ServiceGroup(
            services: [app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        )
        logger.info("wa-gateway listening", metadata: ["address": "\(host):\(port)", "store": "\(store)"])
        try await group.run()
    }
}
