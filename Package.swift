// swift-tools-version:6.1
// The keeper and the signer: one package, modules whose dependencies point one way
// (Keeper -> Strategies -> Oracle -> EVM; Signer -> SignerWire -> EVM). See
// ../shared/design/ARCHITECTURE.md for the boundaries.
import PackageDescription

/// Applied to every target so the whole package builds under one set of rules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "keeper",
    products: [
        .executable(name: "keeper", targets: ["KeeperCommand"]),
        .executable(name: "signer", targets: ["SignerCommand"]),
        .executable(name: "evm-bench", targets: ["EVMBenchmarks"]),
        .executable(name: "oracle-bench", targets: ["OracleBenchmarks"]),
        .executable(name: "signer-bench", targets: ["SignerBenchmarks"]),
        .executable(name: "keeper-bench", targets: ["KeeperBenchmarks"]),
        .library(name: "EVM", targets: ["EVM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        // The keeper's metrics: swift-metrics API, Prometheus exposition.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        // The daemon's services, graceful shutdown on SIGTERM/SIGINT, SIGHUP for reload.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // Test-only oracles: BigInt checks U256, PropertyBased drives the round-trip properties.
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        // System libraries from Debian: libsecp256k1 (with the recovery module) and libcrypto.
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // glibc's allocator controls (mallopt, malloc_trim); part of libc, nothing to install.
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),

        // Pure EVM primitives: no I/O.
        .target(
            name: "EVM",
            dependencies: ["CSecp256k1", "CLibCrypto"],
            // Optimised even in debug builds: the test suite pushes gigabytes through Keccak and
            // millions of operations through U256, which unoptimised code makes 20x slower.
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // Small shared infrastructure, used by both daemons.
        // A strict TOML reader that remembers lines, so config errors name file, line and key.
        .target(name: "TOML", swiftSettings: swiftSettings),
        // A thin SQLite wrapper (WAL, explicit transactions) over Debian's libsqlite3.
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        // The systemd service protocol: sd_notify, socket activation (LISTEN_FDS), watchdog.
        .target(name: "Systemd", swiftSettings: swiftSettings),

        // The log handler both daemons use: logfmt or JSON lines on standard error, for journald.
        .target(
            name: "ServiceLogging",
            dependencies: ["EVM", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // The keeper <-> signer wire types and the signer client; the signer never links the keeper.
        .target(
            name: "SignerWire",
            dependencies: ["EVM", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Oracle",
            dependencies: ["EVM", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Strategies",
            // SQLite: the drift receipt archive (Strategies/Drift/ReceiptArchive).
            dependencies: ["Oracle", "EVM", "TOML", "SQLite"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Keeper",
            dependencies: [
                "Strategies", "Oracle", "EVM", "SignerWire", "TOML", "SQLite", "Systemd", "ServiceLogging", "CMalloc",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Signer",
            dependencies: [
                "EVM", "SignerWire", "TOML", "SQLite", "Systemd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Thin executables: argument parsing and wiring only.
        .executableTarget(
            name: "KeeperCommand",
            dependencies: [
                "Keeper", "EVM", "Strategies", "Oracle", "ServiceLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SignerCommand",
            dependencies: [
                "Signer", "EVM", "ServiceLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmark runner and /proc readings the benchmark executables share.
        .target(name: "BenchmarkKit", dependencies: ["SignerWire", "ProcessTestKit"], path: "Benchmarks/BenchmarkKit", swiftSettings: swiftSettings),
        .executableTarget(
            name: "EVMBenchmarks",
            dependencies: ["EVM", "BenchmarkKit"],
            path: "Benchmarks/EVMBenchmarks",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "OracleBenchmarks",
            dependencies: ["BenchmarkKit", "Oracle", "Strategies", "EVM", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/OracleBenchmarks",
            swiftSettings: swiftSettings
        ),

        // Drives the real release `signer serve` over its socket (build the signer first).
        .executableTarget(
            name: "SignerBenchmarks",
            dependencies: ["BenchmarkKit", "SignerWire", "EVM", "SQLite"],
            path: "Benchmarks/SignerBenchmarks",
            swiftSettings: swiftSettings
        ),
        // Drives the real release `keeper run` (and `signer serve`) against the devnet.
        .executableTarget(
            name: "KeeperBenchmarks",
            dependencies: ["BenchmarkKit", "DevnetTestKit", "EVM"],
            path: "Benchmarks/KeeperBenchmarks",
            swiftSettings: swiftSettings
        ),

        // Fixtures shared by test targets: the third-party vector files.
        .target(
            name: "EVMTestKit",
            dependencies: ["EVM", .product(name: "BigInt", package: "BigInt")],
            path: "Tests/EVMTestKit",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EVMTests",
            dependencies: [
                "EVM", "EVMTestKit",
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        // Child processes for tests, without holding a thread of the cooperative pool: run to
        // completion, or long-running with a log, signals and deadlines (the real signer and keeper).
        .target(name: "ProcessTestKit", path: "Tests/ProcessTestKit", swiftSettings: swiftSettings),
        // The real devnet (devnet/run) as a child process, for integration tests on loopback.
        .target(
            name: "DevnetTestKit",
            dependencies: ["EVM", "Oracle", "ProcessTestKit"],
            path: "Tests/DevnetTestKit",
            swiftSettings: swiftSettings
        ),
        // Tests against the devnet and real processes; unit-test targets never touch the network.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "DevnetTestKit", "EVM", "Oracle", "Keeper", "Strategies", "TOML", "EVMTestKit", "ProcessTestKit", "ServiceLogging",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OracleTests",
            dependencies: ["Oracle", "EVM", "EVMTestKit", .product(name: "BigInt", package: "BigInt")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrategiesTests",
            dependencies: ["Strategies", "Oracle", "EVM", "TOML", "EVMTestKit", .product(name: "BigInt", package: "BigInt")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"], swiftSettings: swiftSettings),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], swiftSettings: swiftSettings),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd", "ProcessTestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SignerWireTests",
            dependencies: ["SignerWire", "EVM", "EVMTestKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SignerTests",
            dependencies: [
                "Signer", "SignerWire", "EVM", "EVMTestKit", "ProcessTestKit",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KeeperTests",
            dependencies: [
                "Keeper", "EVM", "Oracle", "Strategies", "TOML", "ProcessTestKit", "ServiceLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
