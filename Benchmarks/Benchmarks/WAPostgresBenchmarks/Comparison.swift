import Foundation

/// The side-by-side part of a benchmark: what the adapter sent (pg_stat_statements since the benchmark's setup), then
/// pgbench with a script of `Benchmarks/pgbench/` on the same server, what pgbench sent, and both rates.
struct Comparison {
    var title: String
    /// What one adapter call and one pgbench transaction are (`"sends"`, `"jobs"` …).
    var unit: String
    var script: String
    var goal: String
    /// Whether the goal is met, given the adapter's rate and pgbench's.
    var met: (Double, Double) -> Bool

    func run(
        database: BenchmarkDatabase, adapterRate: Double, adapterCalls: Int, defines: [String: String]
    ) async throws {
        let adapterLoad = loadAverage()
        let adapter = try await database.statements()
        emit("\n=== \(title)")
        emit("adapter: \(adapterCalls) \(unit), \(Self.rate(adapterRate)) \(unit)/s (load \(adapterLoad))")
        emit("statements the adapter sent (pg_stat_statements; calls per \(unit.dropLast()), mean execution time):")
        for statement in adapter {
            emit(String(format: "  %6.2f  %8.3f ms  ", Double(statement.calls) / Double(max(adapterCalls, 1)), statement.meanMilliseconds)
                + Self.abbreviated(statement.shape))
        }
        // In full, for whoever writes or checks the pgbench script.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wa-pg-bench-\(script).statements.txt")
        try adapter.map { "-- \($0.calls) calls\n\($0.text);\n" }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        emit("(full texts in \(file.path))")
        try await database.resetStatements()
        let pgbench: PgbenchResult
        do {
            pgbench = try database.pgbench(script: script, seconds: pgbenchSeconds, defines: defines)
        } catch {
            emit("RESULT \(title): adapter \(Self.rate(adapterRate)) \(unit)/s; pgbench failed: \(error)")
            return
        }
        let pgbenchLoad = loadAverage()
        let sent = try await database.statements()
        emit("pgbench: \(Self.rate(pgbench.transactionsPerSecond)) \(unit)/s (load \(pgbenchLoad)); \(pgbench.failedLine ?? "")")
        emit("  \(Self.abbreviated(pgbench.command, 400))")
        emit("statements pgbench sent (calls per transaction, mean execution time):")
        let transactions = Double(max(pgbench.transactions, 1))
        for statement in sent {
            emit(String(format: "  %6.2f  %8.3f ms  ", Double(statement.calls) / transactions, statement.meanMilliseconds)
                + Self.abbreviated(statement.shape))
        }
        let adapterShapes = Set(adapter.map(\.shape))
        let pgbenchShapes = Set(sent.map(\.shape))
        let onlyAdapter = adapterShapes.subtracting(pgbenchShapes).sorted()
        let onlyPgbench = pgbenchShapes.subtracting(adapterShapes).sorted()
        if onlyAdapter.isEmpty && onlyPgbench.isEmpty {
            emit("the same statements (up to parameter numbering)")
        } else {
            for shape in onlyAdapter { emit("  only the adapter: \(Self.abbreviated(shape))") }
            for shape in onlyPgbench { emit("  only pgbench: \(Self.abbreviated(shape))") }
        }
        let ratio = adapterRate / pgbench.transactionsPerSecond
        emit(
            "RESULT \(title): adapter \(Self.rate(adapterRate)) \(unit)/s, pgbench \(Self.rate(pgbench.transactionsPerSecond)) \(unit)/s, "
                + "ratio \(String(format: "%.0f", ratio * 100)) %; goal \(goal): \(met(adapterRate, pgbench.transactionsPerSecond) ? "met" : "NOT met")")
    }

    static func rate(_ value: Double) -> String { String(format: "%.0f", value) }

    static func abbreviated(_ text: String, _ limit: Int = 160) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + " …"
    }
}
