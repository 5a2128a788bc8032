import Foundation
import PostgresNIO

/// The dashboard benchmark's report: the dashboard's median beside the naive aggregate's, the counts of both (the
/// rollups must agree with the messages), then the export's memory.
enum DashboardReport {
    static func run(_ workload: DashboardWorkload, times: [Double]) async throws {
        let load = loadAverage()
        // Where the dashboard's time goes: its statements, and the rollup rows they read.
        let statements = try await workload.database.statements()
        emit("\n=== dashboard: its statements (calls, mean execution time)")
        for statement in statements {
            emit(String(format: "  %6d  %8.3f ms  ", statement.calls, statement.meanMilliseconds)
                + Comparison.abbreviated(statement.shape, 200))
        }
        for table in ["message_rollups", "message_rollup_latencies"] {
            let rows = try await workload.database.client.query(
                "/* harness */ SELECT count(*) FROM \(unescaped: table) WHERE organization_id = \(workload.organization.uuid)",
                logger: BenchmarkDatabase.logger)
            for try await count in rows.decode(Int.self) { emit("  \(table): \(count) rows") }
        }
        let dashboard = try await workload.dashboard()
        var naiveTimes: [Double] = []
        var naive = (sent: 0, delivered: 0, read: 0, failed: 0, replied: 0, received: 0)
        for _ in 0..<7 {
            let start = ContinuousClock.now
            naive = try await workload.naiveAggregate()
            naiveTimes.append(milliseconds(ContinuousClock.now - start))
        }
        let counts = dashboard.last30Days.counts
        emit("\n=== dashboard summary over \(DashboardWorkload.messageCount) messages (load \(load))")
        emit(String(
            format: "dashboard (rollups): median %.2f ms over %d calls; naive aggregate over the messages: median %.1f ms over %d",
            median(times), times.count, median(naiveTimes), naiveTimes.count))
        emit("dashboard counts: \(counts)")
        emit("naive counts:     \(naive)")
        let agree = counts.sent == naive.sent && counts.delivered == naive.delivered && counts.read == naive.read
            && counts.failed == naive.failed && counts.replied == naive.replied && counts.received == naive.received
        emit("counts agree: \(agree)")
        emit(String(
            format: "RESULT dashboard: median %.2f ms, naive aggregate %.1f ms; goal <= 20 ms: %@", median(times),
            median(naiveTimes), median(times) <= 20 && agree ? "met" : "NOT met"))

        // Days of other zones: a whole-hour zone reads hour rows, a quarter-hour zone hour rows and the quarter-hours
        // at each day's edges.
        for identifier in ["Europe/Berlin", "Asia/Kathmandu"] {
            guard let zone = TimeZone(identifier: identifier) else { continue }
            var zoneTimes: [Double] = []
            for _ in 0..<25 {
                let start = ContinuousClock.now
                _ = try await workload.dashboard(in: zone)
                zoneTimes.append(milliseconds(ContinuousClock.now - start))
            }
            emit(String(
                format: "RESULT dashboard in %@: median %.2f ms over %d calls", identifier, median(zoneTimes),
                zoneTimes.count))
        }

        let export = try await workload.export()
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        emit(String(
            format: "RESULT export: %d messages as CSV, %@ in %.1f s; resident memory start %@, peak %@, end %@ (load %@)",
            DashboardWorkload.messageCount, mib(export.bytes), export.seconds, mib(export.startRSS), mib(export.peakRSS),
            mib(export.endRSS), loadAverage()))
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
