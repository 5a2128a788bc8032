import Benchmark
import Foundation

// The PostgreSQL store beside pgbench on the same server, in one run (issue #13, acceptance item 9). Each
// benchmark measures the adapter's side with the benchmark tool; its teardown then prints, to standard error, the
// statements the adapter sent (pg_stat_statements), runs pgbench with the script of Benchmarks/pgbench/ that holds
// the same statements on the same server, and prints both rates and their ratio (lines starting `RESULT`).
// Docs/Performance.md has the figures and what each workload is.
//
//     cd Benchmarks && swift package --disable-sandbox benchmark --target WAPostgresBenchmarks
//
// pgbench runs for WA_PGBENCH_SECONDS seconds (default 15).

let pgbenchSeconds = Int(ProcessInfo.processInfo.environment["WA_PGBENCH_SECONDS"] ?? "") ?? 15

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(15),
        maxIterations: 1_000
    )

    // MARK: Accepting a send

    // One iteration: 100 sends by 8 callers (`MessagingService.send` with the gateway's webhook publisher).
    nonisolated(unsafe) var send: SendWorkload!
    Benchmark(
        "PostgreSQL: accept a send, 8 callers, 100 sends",
        configuration: .init(
            setup: {
                send = try await SendWorkload.make(on: try await BenchmarkDatabase.shared.value)
                _ = try await send.run(count: 200)  // connections opened
                send.tally.reset()
                try await send.database.resetStatements()
            },
            teardown: {
                try await Comparison(
                    title: "accept a send, 8 callers", unit: "sends", script: "send.sql", goal: ">= 80 % of pgbench",
                    met: { $0 >= 0.8 * $1 }
                ).run(
                    database: send.database, adapterRate: send.tally.rate, adapterCalls: send.tally.calls,
                    defines: try await send.pgbenchDefines())
            })
    ) { _ in
        _ = try await send.run(count: 100)
    }

    // MARK: A send's rate-limit decision

    // One iteration: 1,000 decisions by 8 callers (`SendAdmission.admit`: quota, three caps, pause, recipient).
    nonisolated(unsafe) var limits: RateLimitWorkload!
    Benchmark(
        "PostgreSQL: send admission (3 caps, quota, recipient), 8 callers, 1,000 decisions",
        configuration: .init(
            setup: {
                limits = try RateLimitWorkload.make(on: try await BenchmarkDatabase.shared.value)
                _ = try await limits.run(count: 400)  // every key seen: one statement per decision from here
                limits.tally.reset()
                try await limits.database.resetStatements()
            },
            teardown: {
                try await Comparison(
                    title: "send admission, one statement, 8 callers", unit: "decisions", script: "rate-limit.sql",
                    goal: ">= 80 % of pgbench", met: { $0 >= 0.8 * $1 }
                ).run(
                    database: limits.database, adapterRate: limits.tally.rate, adapterCalls: limits.tally.calls,
                    defines: try await limits.pgbenchDefines())
            })
    ) { _ in
        _ = try await limits.run(count: 1_000)
    }

    // MARK: Queue cycle

    // One iteration: 200 jobs enqueued, claimed and completed by 8 callers.
    nonisolated(unsafe) var queue: QueueWorkload!
    Benchmark(
        "PostgreSQL: queue cycle (enqueue, claim, complete), 8 callers, 200 jobs",
        configuration: .init(
            setup: {
                queue = try await QueueWorkload.make(on: try await BenchmarkDatabase.shared.value)
                _ = try await queue.run(count: 200)
                queue.tally.reset()
                try await queue.database.resetStatements()
            },
            teardown: {
                try await Comparison(
                    title: "queue cycle, 8 callers", unit: "jobs", script: "queue-cycle.sql",
                    goal: ">= 5,000 jobs/s", met: { adapter, _ in adapter >= 5_000 }
                ).run(
                    database: queue.database, adapterRate: queue.tally.rate, adapterCalls: queue.tally.calls,
                    defines: try await queue.pgbenchDefines())
            })
    ) { _ in
        _ = try await queue.run(count: 200)
    }

    // MARK: Dashboard and export over 1,000,000 messages

    nonisolated(unsafe) var dashboard: DashboardWorkload!
    nonisolated(unsafe) var dashboardTimes: [Double] = []
    Benchmark(
        "PostgreSQL: dashboard summary over 1,000,000 messages",
        configuration: .init(
            warmupIterations: 5, maxDuration: .seconds(10), maxIterations: 500,
            setup: {
                do {
                    dashboard = try await DashboardWorkload.make(on: try await BenchmarkDatabase.shared.value)
                    try await dashboard.database.resetStatements()
                } catch {
                    emit("dashboard: the load failed: \(String(reflecting: error))")
                    throw error
                }
            },
            teardown: {
                try await DashboardReport.run(dashboard, times: dashboardTimes)
            })
    ) { _ in
        let start = ContinuousClock.now
        let result = try await dashboard.dashboard()
        dashboardTimes.append(milliseconds(ContinuousClock.now - start))
        blackHole(result)
    }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}
