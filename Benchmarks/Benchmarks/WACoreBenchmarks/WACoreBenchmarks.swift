import Benchmark
import WACore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 1000,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    // API key verification: parse the presented text (checksum) and compare its SHA-256 with the stored digest
    // in constant time — what authentication does per request besides the store lookup.
    let random = SeededRandomSource(seed: 1)
    let secret = APIKeySecret.generate(environment: .live, using: random)
    let presented = secret.reveal()
    let stored = secret.digest
    Benchmark("API key verification (parse + SHA-256 + constant-time compare)") { benchmark in
        for _ in benchmark.scaledIterations {
            let parsed = try APIKeySecret(parsing: presented)
            blackHole(parsed.matches(stored))
        }
    }
}
