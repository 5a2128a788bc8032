// swift-tools-version:6.2
import PackageDescription

/// The upcoming features DESIGN.md §6 asks for (Swift 6 mode is the tools version's default).
let upcomingFeatures: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    .enableUpcomingFeature("InferIsolatedConformances"),
]

/// Settings for every target of ours: the upcoming features, with warnings treated as errors (applies to our
/// targets only, never to dependencies).
let strict: [SwiftSetting] = upcomingFeatures + [.treatAllWarnings(as: .error)]

let package = Package(
    name: "wa-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "WACore", targets: ["WACore"]),
        .library(name: "WACoreTesting", targets: ["WACoreTesting"]),
        .library(name: "WAPostgres", targets: ["WAPostgres"]),
        .library(name: "WAPostgresTesting", targets: ["WAPostgresTesting"]),
        .library(name: "WABrowser", targets: ["WABrowser"]),
        .library(name: "WAHTTP", targets: ["WAHTTP"]),
        .executable(name: "wa-gateway", targets: ["wa-gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Tests only: reading the OpenAPI document to hold the router against it.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // The domain and every policy. No I/O: see scripts/check-core-purity.
        .target(
            name: "WACore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Test support shipped to users and adapters: test clock, seeded random source, fixtures and the
        // repository contract suite every storage adapter must pass.
        .target(
            name: "WACoreTesting",
            dependencies: ["WACore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // posix_spawn without inherited descriptors, for the programs EmbeddedPostgres runs (see CWASpawn.h).
        .target(name: "CWASpawn", cSettings: [.treatAllWarnings(as: .error)]),
        .target(
            name: "WAPostgres",
            dependencies: [
                "WACore",
                "CWASpawn",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Versioned SQL migrations (NNNN_name.sql), loaded through Bundle.module by Migration.bundled.
            resources: [.copy("Migrations")],
            swiftSettings: strict
        ),
        // Test support for PostgreSQL: a real server (WA_TEST_DATABASE_URL, or an embedded one) and a fresh
        // database per test.
        .target(
            name: "WAPostgresTesting",
            dependencies: [
                "WAPostgres", "WACore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "WABrowser",
            dependencies: [
                "WACore",
                "CWASpawn",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The REST API's contract: Sources/WAOpenAPI/openapi.yaml (served at /openapi.yaml) and the server types and
        // protocol swift-openapi-generator makes from it at build time, visible to this package only.
        .target(
            name: "WAOpenAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")
            ],
            resources: [.copy("openapi.yaml")],
            // Generated code imports more than it uses, which `strict`'s warnings-as-errors would refuse.
            swiftSettings: upcomingFeatures,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "WAHTTP",
            dependencies: [
                "CQREncode",
                "CZlib",
                "WACore", "WAOpenAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "wa-gateway",
            dependencies: [
                "WACore", "WAPostgres", "WABrowser", "WAHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Examples/wa-gateway",
            swiftSettings: strict
        ),
        // A library user's code: an auto-reply bot (a library of its own), the program that runs it on the system
        // clock with WACore alone, and its tests on the test clock. Docs/Library.md shows these files.
        .target(name: "AutoReplyBot", dependencies: ["WACore"], path: "Examples/AutoReplyBot", swiftSettings: strict),
        .executableTarget(
            name: "auto-reply-bot", dependencies: ["AutoReplyBot", "WACore"], path: "Examples/auto-reply-bot",
            swiftSettings: strict),
        .testTarget(
            name: "AutoReplyBotTests", dependencies: ["AutoReplyBot", "WACore", "WACoreTesting"],
            path: "Examples/AutoReplyBotTests", swiftSettings: strict),
        .testTarget(
            name: "WACoreTests",
            dependencies: [
                "WACore", "WACoreTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WAPostgresTests",
            dependencies: [
                "WAPostgres", "WAPostgresTesting", "WACoreTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The product end to end (the walkthrough) on every store: memory and PostgreSQL.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["WACore", "WACoreTesting", "WAPostgres", "WAPostgresTesting", "WABrowser"],
            swiftSettings: strict),
        // The gateway executable's own parts (its storage, its secrets file), tested in-process.
        .testTarget(
            name: "WAGatewayTests", dependencies: ["wa-gateway", "WAPostgres", "WACoreTesting"], swiftSettings: strict),
        .testTarget(
            name: "WABrowserTests",
            dependencies: [
                "WABrowser", "WACore", "WACoreTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // The WhatsApp Web fixture, served by the tests from its directory (Tests/WABrowserTests/Fixtures).
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WAHTTPTests",
            dependencies: [
                "WAHTTP", "WAOpenAPI", "WACore", "WACoreTesting", "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ]
)
