import Foundation
import Glibc
import Logging
import PostgresNIO
import Synchronization
import WAPostgres

/// The one PostgreSQL server every benchmark of this target runs on: an ``EmbeddedPostgres`` cluster in a temporary
/// directory with the gateway's durable settings (no `fsync = off` here: commits wait for the WAL as they do in
/// production) plus `pg_stat_statements`, a migrated database `bench`, a running `PostgresClient` on it, and
/// `pgbench` against the same database.
final class BenchmarkDatabase: Sendable {
    static let logger = Logger(label: "wa-postgres-benchmarks")

    /// Started on first use, stopped (and removed) when the process exits.
    static let shared = Task { () async throws -> BenchmarkDatabase in try await BenchmarkDatabase.start() }

    let postgres: EmbeddedPostgres
    let settings: PostgresConnectionSettings
    let client: PostgresClient
    let binDirectory: String

    private init(postgres: EmbeddedPostgres, settings: PostgresConnectionSettings, client: PostgresClient, binDirectory: String) {
        self.postgres = postgres
        self.settings = settings
        self.client = client
        self.binDirectory = binDirectory
    }

    private static let started = Mutex<EmbeddedPostgres?>(nil)

    private static func start() async throws -> BenchmarkDatabase {
        let binDirectory = try Self.binDirectory()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("wa-pg-bench-\(UUID().uuidString.prefix(8))").path
        let postgres = EmbeddedPostgres(
            configuration: EmbeddedPostgresConfiguration(
                directory: directory, binDirectory: binDirectory, port: 5433,
                settings: [
                    "shared_preload_libraries": "pg_stat_statements",
                    "pg_stat_statements.max": "10000",
                    "max_connections": "100",
                    // Room for the 1,000,000-message load without checkpoints every few seconds.
                    "max_wal_size": "4GB",
                    "shared_buffers": "512MB",
                ]),
            logger: logger)
        started.withLock { $0 = postgres }
        atexit { BenchmarkDatabase.stopServer() }
        try await postgres.start()
        let settings = try await postgres.createDatabaseIfMissing("bench")
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        Task.detached { await client.run() }
        try await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", logger: logger)
        try await PostgresMigrator(client: client, logger: logger).migrate()
        return BenchmarkDatabase(postgres: postgres, settings: settings, client: client, binDirectory: binDirectory)
    }

    /// Debian's layout, the highest version (as ``EmbeddedPostgres`` chooses), which must also hold `pgbench`.
    private static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            throw BenchmarkFailure("no PostgreSQL under \(root): run scripts/install-postgres")
        }
        let directory = "\(root)/\(version)/bin"
        guard FileManager.default.isExecutableFile(atPath: "\(directory)/pgbench") else {
            throw BenchmarkFailure("no pgbench in \(directory): run scripts/install-postgres")
        }
        return directory
    }

    private static func stopServer() {
        guard let postgres = started.withLock({ $0 }) else { return }
        try? postgres.stopBlocking()
        try? FileManager.default.removeItem(atPath: postgres.configuration.directory)
    }

    // MARK: pg_stat_statements

    /// Forgets every statement's figures.
    func resetStatements() async throws {
        try await client.query("SELECT pg_stat_statements_reset()", logger: Self.logger)
    }

    /// The statements run in `bench` since the last reset, most called first: normalized text, calls, mean time. The
    /// benchmarks' own queries (starting `/* harness */`) are left out.
    func statements() async throws -> [StatementFigures] {
        let rows = try await client.query(
            """
            SELECT s.query, s.calls, s.mean_exec_time FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'
                AND s.query NOT LIKE '/* harness */%'
            ORDER BY s.calls DESC, s.query
            """, logger: Self.logger)
        var figures: [StatementFigures] = []
        for try await (query, calls, mean) in rows.decode((String, Int, Double).self) {
            figures.append(StatementFigures(text: query, calls: calls, meanMilliseconds: mean))
        }
        return figures
    }

    // MARK: pgbench

    /// Runs `pgbench` with `script` (a file of `Benchmarks/pgbench/`) on `bench` for `seconds`, with `clients`
    /// connections on `threads` threads, `-M extended` (PostgresNIO's protocol: parse, bind and execute for every
    /// statement, no named prepared statements) and `defines` as `-D name=value`; returns the transactions per second
    /// pgbench reports (without the initial connection time).
    func pgbench(
        script: String, clients: Int = 8, threads: Int = 2, seconds: Int, mode: String = "extended",
        defines: [String: String] = [:]
    ) throws -> PgbenchResult {
        var arguments = [
            "-n", "-h", settings.socketDirectory ?? "", "-p", String(settings.port), "-U", settings.username,
            "-c", String(clients), "-j", String(threads), "-T", String(seconds), "-M", mode, "-f", Self.scriptPath(script),
        ]
        for (name, value) in defines.sorted(by: { $0.key < $1.key }) { arguments += ["-D", "\(name)=\(value)"] }
        arguments.append(settings.database)
        let (status, data) = try Self.spawn("\(binDirectory)/pgbench", arguments)
        let text = String(decoding: data, as: UTF8.self)
        guard status == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst("tps = ".count).prefix(while: { $0 != " " }))
        else {
            throw BenchmarkFailure("pgbench failed (\(status)):\n\(text)")
        }
        let failed = text.split(separator: "\n").first(where: { $0.hasPrefix("number of failed transactions") })
        let processed = text.split(separator: "\n")
            .first(where: { $0.hasPrefix("number of transactions actually processed: ") })
            .flatMap { Int($0.dropFirst("number of transactions actually processed: ".count).prefix(while: \.isNumber)) }
        return PgbenchResult(
            transactionsPerSecond: tps, transactions: processed ?? 0,
            command: "pgbench " + arguments.map(Self.quoted).joined(separator: " "), failedLine: failed.map(String.init))
    }

    /// Runs `path` with `arguments` and returns its exit status and its output (standard output and error).
    ///
    /// posix_spawn with every signal unblocked and at its default: a child started by Foundation's `Process` from
    /// this process inherits a signal mask that blocks `SIGALRM`, and pgbench's `-T` is an alarm.
    static func spawn(_ path: String, _ arguments: [String]) throws -> (Int32, Data) {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw BenchmarkFailure("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_addclose(&actions, pipe[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let error = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        close(pipe[1])
        guard error == 0 else {
            close(pipe[0])
            throw BenchmarkFailure("cannot start \(path): \(String(cString: strerror(error)))")
        }
        let output = FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true).readDataToEndOfFile()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return ((status >> 8) & 0xff, output)
    }

    /// The path of a script in `Benchmarks/pgbench/`.
    static func scriptPath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pgbench").appendingPathComponent(name).path
    }

    private static func quoted(_ argument: String) -> String {
        argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:".contains($0) } ? argument : "'\(argument)'"
    }
}

/// One normalized statement of `pg_stat_statements`.
struct StatementFigures: Sendable {
    var text: String
    var calls: Int
    var meanMilliseconds: Double

    /// The text with every parameter (`$1`, `$2`, …) written `$n` and runs of white space as one space: pgbench
    /// numbers a variable used twice as two parameters, PostgresNIO binds it once.
    var shape: String { Self.shape(of: text) }

    static func shape(of text: String) -> String {
        var result = ""
        var iterator = text.makeIterator()
        var pending: Character? = iterator.next()
        var lastWasSpace = false
        while let character = pending {
            pending = iterator.next()
            if character == "$", let next = pending, next.isNumber {
                while let digit = pending, digit.isNumber { pending = iterator.next() }
                result += "$n"
                lastWasSpace = false
            } else if character.isWhitespace {
                if !lastWasSpace { result.append(" ") }
                lastWasSpace = true
            } else {
                result.append(character)
                lastWasSpace = false
            }
        }
        return result.trimmingCharacters(in: .whitespaces)
    }
}

/// What one pgbench run reported.
struct PgbenchResult: Sendable {
    var transactionsPerSecond: Double
    var transactions: Int
    var command: String
    var failedLine: String?
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body(caller, index)` from `callers` concurrent tasks until `count` calls were made in all (each task takes
/// the next index as it goes), and returns the seconds it took.
func runConcurrently(
    callers: Int, count: Int, _ body: @escaping @Sendable (Int, Int) async throws -> Void
) async throws -> Double {
    let next = Counter()
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for caller in 0..<callers {
            group.addTask {
                while true {
                    let index = next.value.add(1, ordering: .relaxed).oldValue
                    guard index < count else { return }
                    try await body(caller, index)
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// An atomic counter tasks can share.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// Counts the calls and seconds of the adapter's side of one workload over every measured iteration.
final class Tally: Sendable {
    private let state = Mutex<(calls: Int, seconds: Double)>((0, 0))

    func add(calls: Int, seconds: Double) { state.withLock { $0.calls += calls; $0.seconds += seconds } }
    func reset() { state.withLock { $0 = (0, 0) } }
    var rate: Double { state.withLock { $0.seconds > 0 ? Double($0.calls) / $0.seconds : 0 } }
    var calls: Int { state.withLock { $0.calls } }
}

/// The machine's load average now (`/proc/loadavg`: 1, 5 and 15 minutes).
func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// This process's resident set in bytes (`/proc/self/statm`, pages × page size).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Prints one line of the side-by-side report, to standard error so the benchmark tool's tables stay apart.
func emit(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
