// swift-tools-version:6.2
import PackageDescription

// Benchmarks for WAGateway, in a package of their own so the library never depends on the benchmark tooling.
// Run from this directory:  swift package --disable-sandbox benchmark
let package = Package(
    name: "wa-gateway-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "wa-gateway", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        // Only for the primitive baselines (raw HMAC/SHA-256) that Docs/Performance.md compares WACore against;
        // the same range as the parent package, so both resolve to one version.
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        // The same range as the parent package, so both resolve to one version.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .executableTarget(
            name: "WACoreBenchmarks",
            dependencies: [
                .product(name: "WACore", package: "wa-gateway"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/WACoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The PostgreSQL store beside pgbench on the same server (issue #13; Docs/Performance.md). Needs PostgreSQL's
        // binaries (pgbench and pg_stat_statements included): scripts/install-postgres.
        .executableTarget(
            name: "WAPostgresBenchmarks",
            dependencies: [
                .product(name: "WACore", package: "wa-gateway"),
                .product(name: "WACoreTesting", package: "wa-gateway"),
                .product(name: "WAPostgres", package: "wa-gateway"),
                .product(name: "WAPostgresTesting", package: "wa-gateway"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/WAPostgresBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // WABrowser beside Playwright for Python on the same Chromium: `browser/run` builds and runs both.
        .executableTarget(
            name: "wa-browser-bench",
            dependencies: [.product(name: "WABrowser", package: "wa-gateway")],
            path: "browser/Sources"
        ),
    ]
)
