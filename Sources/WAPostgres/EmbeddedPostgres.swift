import Foundation
public import Logging
import PostgresNIO
import WACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private PostgreSQL cluster run from the system's PostgreSQL binaries, inside a directory of its own: the
/// gateway's zero-configuration storage, and the tests' server.
///
/// ```swift
/// let postgres = EmbeddedPostgres(configuration: .init(directory: "./wa-data"))
/// let settings = try await postgres.start()        // socket settings: user postgres, database postgres
/// let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
/// …
/// try await postgres.stop()
/// ```
///
/// Layout of ``EmbeddedPostgresConfiguration/directory``: the data in `pgdata/` (created by `initdb` on the first
/// start only, so the data survives restarts: UTF8, locale `C.UTF-8`, superuser `postgres`), the Unix socket in
/// `run/`, the server log in `postgres.log`. The server listens on no TCP address; `trust` authentication applies
/// to the socket only (TCP would be rejected), and the socket and data directories are owner-only (`0700`), so
/// only the cluster's user (and root) can connect.
///
/// When this process runs as root, the cluster runs as ``EmbeddedPostgresConfiguration/systemUser`` (PostgreSQL
/// refuses root): the directory and what the cluster keeps in it are handed to that user, and `initdb` and
/// `pg_ctl` run through `runuser -u <user> --`. Every directory above it must let that user pass (search
/// permission), or ``start()`` fails naming the one that does not. Otherwise they run as the current user.
///
/// The server runs as a daemon (`pg_ctl start`), so it outlives this process unless ``stop()`` is called:
/// - ``start()`` when a server already runs for this directory (a previous process exited without stopping it,
///   another ``EmbeddedPostgres`` of the same directory, a second `start()`) **attaches** to it: it waits until
///   that server accepts connections and returns the same settings. It fails if that server was started with
///   another socket directory or port.
/// - A `postmaster.pid` left behind by a crash (the server was killed) is recognised as stale once the process it
///   names is gone, and the server starts again (with crash recovery).
/// - ``stop()`` stops the server for this directory (fast shutdown: open transactions roll back), also one it
///   attached to; when no server runs it does nothing.
///
/// `start()` and `stop()` of one instance are serialised; the running state lives in the directory, not in the
/// instance. Failures are ``WACore/WAError``s (`internal_error`, or `invalid_argument` for a configuration that
/// cannot work) whose message carries what `initdb`/`pg_ctl` printed and the last lines of the server log.
/// Two processes that start the same new directory at the same moment are not supported (both would run
/// `initdb`).
public final class EmbeddedPostgres: Sendable {
    /// The configuration, with ``EmbeddedPostgresConfiguration/directory`` made absolute.
    public let configuration: EmbeddedPostgresConfiguration
    private let logger: Logger
    private let operations = AsyncLock()

    /// The superuser `initdb` creates, which the returned settings connect as.
    public static let superuser = "postgres"

    /// How many lines of the server log a failure's message carries.
    static let logLinesInErrors = 20

    /// Creates the handle; nothing happens on disk until ``start()``. A relative directory is resolved against the
    /// current directory now.
    public init(configuration: EmbeddedPostgresConfiguration, logger: Logger = Logger(label: "wa-gateway")) {
        var configuration = configuration
        configuration.directory = URL(fileURLWithPath: configuration.directory).standardizedFileURL.path
        self.configuration = configuration
        self.logger = logger
    }

    /// The data directory, `<directory>/pgdata`.
    public var dataDirectory: String { "\(configuration.directory)/pgdata" }
    /// The socket directory, `<directory>/run`.
    public var socketDirectory: String { "\(configuration.directory)/run" }
    /// The server log, `<directory>/postgres.log`.
    public var logFile: String { "\(configuration.directory)/postgres.log" }

    /// The settings ``start()`` returns: the Unix socket, user `postgres`, database `postgres`, no password.
    public var connectionSettings: PostgresConnectionSettings {
        PostgresConnectionSettings(
            host: nil, socketDirectory: socketDirectory, port: configuration.port, username: Self.superuser,
            database: "postgres")
    }

    /// Starts the cluster (creating it on the first start) and waits until it accepts connections, or attaches to
    /// the server that already runs for this directory.
    ///
    /// - Returns: ``connectionSettings``.
    /// - Throws: ``WACore/WAError`` when the binaries, the system user or `runuser` are missing, when `initdb`
    ///   or the server fails (the message carries their output and the end of the server log), or when the server
    ///   does not accept connections within ``EmbeddedPostgresConfiguration/timeout``.
    @discardableResult
    public func start() async throws -> PostgresConnectionSettings {
        try await operations.withLock {
            try await startLocked()
            return connectionSettings
        }
    }

    /// Whether a server runs for this directory now, started by this instance or by anyone else.
    public var isRunning: Bool {
        PostmasterLock.read(dataDirectory: dataDirectory)?.processState == .alive
    }

    /// Creates the database `name` in the running cluster unless it exists, and returns ``connectionSettings`` for
    /// it. Two callers at once are fine: the one that loses the race finds the database made.
    ///
    /// - Throws: ``WACore/WAError`` `invalid_argument` unless `name` is a plain lower-case identifier
    ///   (`[a-z_][a-z0-9_]*`, at most 63 bytes: it is written into `CREATE DATABASE`, which takes no
    ///   parameters); `internal_error` when the server refuses.
    public func createDatabaseIfMissing(_ name: String) async throws -> PostgresConnectionSettings {
        let valid = name.utf8.count <= 63 && name.first.map { $0 == "_" || ("a"..."z").contains($0) } == true
            && name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        guard valid else {
            throw WAError(
                .invalidArgument, "embedded PostgreSQL: a database name is [a-z_][a-z0-9_]*, at most 63 bytes",
                field: "database")
        }
        let configuration = PostgresConnection.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(self.configuration.port)", username: Self.superuser,
            password: nil, database: "postgres")
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            do {
                let rows = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
                var exists = false
                for try await _ in rows { exists = true }
                if !exists {
                    do {
                        try await connection.query("CREATE DATABASE \(unescaped: name)", logger: logger)
                        logger.info(
                            "created the database \(name)", metadata: ["directory": "\(self.configuration.directory)"])
                    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P04" {
                        // duplicate_database: created meanwhile by another caller.
                    }
                }
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw WAError(
                .internalError,
                "embedded PostgreSQL: cannot create the database \(name): \(PostgresErrorSummary(error).text)")
        }
        var settings = connectionSettings
        settings.database = name
        return settings
    }

    /// Stops the server for this directory (`pg_ctl stop -m fast`) and waits until it has exited. Does nothing
    /// when no server runs (never started, stopped already, or killed).
    public func stop() async throws {
        try await operations.withLock {
            guard let lock = PostmasterLock.read(dataDirectory: dataDirectory), lock.processState == .alive else {
                return
            }
            let outcome = try await stopCommand().run()
            try checkStopped(outcome)
            logger.info("embedded PostgreSQL stopped", metadata: ["directory": "\(configuration.directory)"])
        }
    }

    /// ``stop()`` for places that cannot suspend (an `atexit` handler): blocks the calling thread until the server
    /// has stopped. Not serialised with ``start()`` and ``stop()``: call it only when nothing else uses the instance.
    public func stopBlocking() throws {
        guard let lock = PostmasterLock.read(dataDirectory: dataDirectory), lock.processState == .alive else { return }
        try checkStopped(try stopCommand().runBlocking())
    }

    // MARK: - Starting

    private func startLocked() async throws {
        try validateConfiguration()
        let binaries = try PostgresBinaries.locate(configured: configuration.binDirectory)
        let owner = SystemUser.processIsRoot ? try SystemUser.named(configuration.systemUser) : nil
        try prepareDirectories(owner: owner)
        if !FileManager.default.fileExists(atPath: "\(dataDirectory)/PG_VERSION") {
            try await initialize(binaries, owner: owner)
        }
        let deadline = ContinuousClock.now + configuration.timeout
        inspecting: while let lock = PostmasterLock.read(dataDirectory: dataDirectory) {
            switch lock.processState {
            case .alive:
                if try await attach(to: lock, until: deadline) { return }
                // Its process went away meanwhile (it was stopping, or was just killed): look again.
            case .zombie:
                // The server was killed and its parent has not reaped it yet; PostgreSQL's stale-lock check
                // would take it for a running server. It holds nothing any more: wait until it is reaped.
                try await waitUntilGone(lock.pid, until: deadline)
            case .gone:
                logger.notice(
                    "embedded PostgreSQL was not stopped cleanly; starting it again with crash recovery",
                    metadata: ["directory": "\(configuration.directory)", "stale_pid": "\(lock.pid)"])
                break inspecting
            }
        }
        try await launch(binaries, owner: owner, until: deadline)
    }

    private func validateConfiguration() throws(WAError) {
        guard (1...65535).contains(configuration.port) else {
            throw WAError(.invalidArgument, "embedded PostgreSQL: the port must be 1…65535", field: "postgres_port")
        }
        let socketPath = "\(socketDirectory)/.s.PGSQL.\(configuration.port)"
        let maximum = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
        guard socketPath.utf8.count <= maximum else {
            throw WAError(
                .invalidArgument,
                "embedded PostgreSQL: the socket path \(socketPath) is longer than the \(maximum) bytes a Unix "
                    + "socket allows; choose a shorter directory",
                field: "postgres_directory")
        }
        let reserved: Set = ["listen_addresses", "unix_socket_directories", "unix_socket_permissions", "port"]
        if let name = configuration.settings.keys.sorted().first(where: { reserved.contains($0.lowercased()) }) {
            throw WAError(
                .invalidArgument, "embedded PostgreSQL: the setting \(name) is fixed by the embedded cluster",
                field: "postgres_settings")
        }
    }

    /// Creates the directory, `pgdata/`, `run/` and the log file (owner-only) and, when running as root, hands them
    /// to the cluster's user.
    private func prepareDirectories(owner: SystemUser?) throws(WAError) {
        if let owner, let blocked = owner.firstUnsearchableAncestor(of: configuration.directory) {
            throw WAError(
                .invalidArgument,
                "embedded PostgreSQL: the cluster runs as the user \(owner.name) (PostgreSQL refuses root), which "
                    + "cannot reach \(configuration.directory) because it may not pass through \(blocked); choose a "
                    + "directory it can reach, or run as an unprivileged user",
                field: "postgres_directory")
        }
        for path in [configuration.directory, dataDirectory, socketDirectory] {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
            } catch {
                throw WAError(.internalError, "embedded PostgreSQL: cannot prepare the directory \(path): \(error)")
            }
            try owner?.takeOwnership(of: path)
        }
        // The log is owner-only too (it may quote statements); pg_ctl appends to it as the cluster's user.
        if !FileManager.default.fileExists(atPath: logFile) {
            guard FileManager.default.createFile(atPath: logFile, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw WAError(.internalError, "embedded PostgreSQL: cannot create the log file \(logFile)") }
        }
        try owner?.takeOwnership(of: logFile)
    }

    private func initialize(_ binaries: PostgresBinaries, owner: SystemUser?) async throws {
        logger.info("creating the embedded PostgreSQL cluster", metadata: ["directory": "\(configuration.directory)"])
        let outcome = try await command(
            binaries.initdb,
            [
                "--pgdata", dataDirectory, "--username", Self.superuser, "--encoding", "UTF8", "--locale", "C.UTF-8",
                "--auth-local", "trust", "--auth-host", "reject",
            ],
            owner: owner
        ).run()
        guard outcome.status == 0 else {
            throw WAError(
                .internalError,
                "embedded PostgreSQL: initdb failed (exit status \(outcome.status)) for \(dataDirectory): "
                    + Self.lastLines(of: outcome.output, count: Self.logLinesInErrors))
        }
    }

    /// Starts the server with `pg_ctl start -w`, which returns once the server is ready, then connects once.
    private func launch(_ binaries: PostgresBinaries, owner: SystemUser?, until deadline: ContinuousClock.Instant)
        async throws
    {
        var options = [
            "-p", "\(configuration.port)", "-k", socketDirectory, "-c", "listen_addresses=",
            "-c", "unix_socket_permissions=0700",
        ]
        for (name, value) in configuration.settings.sorted(by: { $0.key < $1.key }) {
            options += ["-c", "\(name)=\(value)"]
        }
        let outcome = try await command(
            binaries.pgCtl,
            [
                "start", "--pgdata", dataDirectory, "--log", logFile, "--wait", "--timeout", Self.seconds(until: deadline),
                // pg_ctl hands this string to /bin/sh, so each option is quoted for the shell.
                "-o", options.map(Self.shellQuoted).joined(separator: " "),
            ],
            owner: owner
        ).run()
        if outcome.status != 0 {
            // Another process may have started the server for this directory meanwhile: then use that one.
            if let lock = PostmasterLock.read(dataDirectory: dataDirectory), lock.processState == .alive,
                try await attach(to: lock, until: deadline)
            {
                return
            }
            throw failure("the server did not start (pg_ctl exited with status \(outcome.status))", output: outcome.output)
        }
        guard try await waitUntilAcceptingConnections(until: deadline, serverPID: nil) else {
            throw failure("the server started but does not accept connections on \(socketDirectory)", output: nil)
        }
        logger.info("embedded PostgreSQL started", metadata: ["directory": "\(configuration.directory)"])
    }

    /// Attaches to the server that holds the lock file: `true` once it accepts connections, `false` when its
    /// process went away meanwhile (then the caller starts a new one).
    private func attach(to lock: PostmasterLock, until deadline: ContinuousClock.Instant) async throws -> Bool {
        if let port = lock.port, let directory = lock.socketDirectory,
            port != configuration.port || directory != socketDirectory
        {
            throw WAError(
                .internalError,
                "embedded PostgreSQL: a server (PID \(lock.pid)) already runs for \(dataDirectory) with its socket in "
                    + "\(directory) on port \(port), not \(socketDirectory) on port \(configuration.port); stop it first "
                    + "(pg_ctl stop --pgdata \(dataDirectory))")
        }
        logger.info(
            "embedded PostgreSQL already runs; attaching to it",
            metadata: ["directory": "\(configuration.directory)", "pid": "\(lock.pid)"])
        return try await waitUntilAcceptingConnections(until: deadline, serverPID: lock.pid)
    }

    /// Connects (and runs `SELECT 1`) until that works: `true`. `false` when `serverPID` is given and that process
    /// is gone. Throws when the deadline passes.
    private func waitUntilAcceptingConnections(until deadline: ContinuousClock.Instant, serverPID: Int32?)
        async throws -> Bool
    {
        let configuration = PostgresConnection.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(self.configuration.port)", username: Self.superuser,
            password: nil, database: "postgres")
        var lastError = ""
        while true {
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                do {
                    try await connection.query("SELECT 1", logger: logger)
                    try await connection.close()
                    return true
                } catch {
                    try? await connection.close()
                    throw error
                }
            } catch {
                lastError = PostgresErrorSummary(error).text
            }
            if let serverPID, PostmasterLock.state(of: serverPID) != .alive { return false }
            guard ContinuousClock.now < deadline else {
                throw failure(
                    "the server does not accept connections on \(socketDirectory) after \(self.configuration.timeout) "
                        + "(\(lastError))", output: nil)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func waitUntilGone(_ pid: Int32, until deadline: ContinuousClock.Instant) async throws {
        logger.notice(
            "embedded PostgreSQL was killed; waiting until its process is reaped",
            metadata: ["directory": "\(configuration.directory)", "pid": "\(pid)"])
        while PostmasterLock.state(of: pid) == .zombie {
            guard ContinuousClock.now < deadline else {
                throw failure(
                    "the killed server process \(pid) was not reaped by its parent within \(configuration.timeout)",
                    output: nil)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    // MARK: - Stopping

    private func stopCommand() throws -> ChildProcess {
        let binaries = try PostgresBinaries.locate(configured: configuration.binDirectory)
        let owner = SystemUser.processIsRoot ? try SystemUser.named(configuration.systemUser) : nil
        let seconds = Self.seconds(until: ContinuousClock.now + configuration.timeout)
        return try command(
            binaries.pgCtl, ["stop", "--pgdata", dataDirectory, "--mode", "fast", "--wait", "--timeout", seconds],
            owner: owner)
    }

    private func checkStopped(_ outcome: ChildProcess.Outcome) throws(WAError) {
        // A failed pg_ctl stop is fine if the server is gone anyway (it stopped or was killed meanwhile).
        if outcome.status != 0, let lock = PostmasterLock.read(dataDirectory: dataDirectory), lock.processState == .alive {
            throw failure("the server did not stop (pg_ctl exited with status \(outcome.status))", output: outcome.output)
        }
    }

    // MARK: - Helpers

    /// `executable arguments…`, through `runuser -u <owner> --` when an owner is given.
    private func command(_ executable: String, _ arguments: [String], owner: SystemUser?) throws(WAError) -> ChildProcess {
        guard let owner else {
            return ChildProcess(executable: executable, arguments: arguments, currentDirectory: configuration.directory)
        }
        let candidates = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"]
        guard let runuser = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw WAError(
                .internalError,
                "embedded PostgreSQL: runuser (util-linux) not found; it is needed to run PostgreSQL as \(owner.name) "
                    + "while this process runs as root")
        }
        return ChildProcess(
            executable: runuser, arguments: ["-u", owner.name, "--", executable] + arguments,
            currentDirectory: configuration.directory)
    }

    /// An error whose message carries the program's output (when given) and the end of the server log.
    private func failure(_ what: String, output: String?) -> WAError {
        var message = "embedded PostgreSQL in \(configuration.directory): \(what)"
        if let output, !output.isEmpty {
            message += "\n" + Self.lastLines(of: output, count: Self.logLinesInErrors)
        }
        let log = Self.lastLines(of: Self.tail(of: logFile), count: Self.logLinesInErrors)
        message += log.isEmpty ? "\n(the server log \(logFile) is empty)" : "\nlast lines of \(logFile):\n\(log)"
        return WAError(.internalError, message)
    }

    /// The last 64 KiB of a file (the log grows across restarts), or "" when it cannot be read.
    static func tail(of path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return "" }
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    static func lastLines(of text: String, count: Int) -> String {
        text.split(separator: "\n").suffix(count).joined(separator: "\n")
    }

    /// Whole seconds from now until `deadline`, at least 1, for `pg_ctl --timeout`.
    private static func seconds(until deadline: ContinuousClock.Instant) -> String {
        let remaining = ContinuousClock.now.duration(to: deadline).components
        return "\(max(1, remaining.seconds + (remaining.attoseconds > 0 ? 1 : 0)))"
    }

    /// `text` as one word for `/bin/sh`: in single quotes, each `'` written as `'\''`.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
