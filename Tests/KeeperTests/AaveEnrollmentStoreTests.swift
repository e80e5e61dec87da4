import EVM
import Foundation
import Oracle
import SQLite
import Testing

@testable import Keeper

/// The Aave enrollments in the keeper's database: written by `keeper aave enroll`, read by the
/// observer at every tick, in the same file as the intents.
@Suite struct AaveEnrollmentStoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("enrollments-\(UUID().uuidString)")
    var path: String { directory.appendingPathComponent("state/keeper.db").path }
    static let alice = Address(word: U256(0xa11ce))
    static let bob = Address(word: U256(0xb0b))
    static let weth = Address(word: U256(0xe1))

    @Test func enrollUpdateAndUnenroll() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = AaveEnrollmentStore(path: path)
        // Nothing there yet: no file, no users, and reading creates nothing.
        #expect(try store.enrollments(strategy: "aave").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))

        let alice = AaveEnrollment(
            address: Self.alice, triggerHealthFactor: U256(1_200_000_000_000_000_000),
            targetHealthFactor: U256(1_500_000_000_000_000_000), collateralAsset: Self.weth, slippageBps: 50)
        #expect(try store.enroll(alice, strategy: "aave", now: 100))  // new; creates the directory and file
        #expect(try store.enroll(AaveEnrollment(address: Self.bob), strategy: "aave", now: 101))
        #expect(try store.enroll(AaveEnrollment(address: Self.bob), strategy: "other", now: 102))
        #expect(try store.enrollments(strategy: "aave") == [AaveEnrollment(address: Self.bob), alice].sorted { $0.address.lowercaseHex < $1.address.lowercaseHex })
        #expect(try store.enrollments(strategy: "other") == [AaveEnrollment(address: Self.bob)])

        // Enrolling again replaces every setting (nil fields take the defaults again).
        let changed = AaveEnrollment(address: Self.alice, targetHealthFactor: U256(1_400_000_000_000_000_000))
        #expect(try !store.enroll(changed, strategy: "aave", now: 200))
        let record = try #require(try store.records(strategy: "aave").first { $0.enrollment.address == Self.alice })
        #expect(record.enrollment == changed)
        #expect(record.enrolledAt == 100)
        #expect(record.updatedAt == 200)

        #expect(try store.unenroll(Self.alice, strategy: "aave"))
        #expect(try !store.unenroll(Self.alice, strategy: "aave"))
        #expect(try store.enrollments(strategy: "aave") == [AaveEnrollment(address: Self.bob)])
        #expect(try store.records().map(\.strategy) == ["aave", "other"])
    }

    @Test func sharesTheFileWithTheIntentsInEitherOrder() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("state"), withIntermediateDirectories: true)
        // A database an older keeper made (intents only, schema version 1): no enrollments yet.
        do {
            let old = try SQLite.Connection(path: path)
            try old.migrate([try #require(KeeperSchema.migrations.first)])
            #expect(try old.userVersion() == 1)
        }
        let store = AaveEnrollmentStore(path: path)
        #expect(try store.enrollments(strategy: "aave").isEmpty)
        // Enrolling migrates it; the intent store opens it as before.
        try store.enroll(AaveEnrollment(address: Self.alice), strategy: "aave", now: 1)
        let intents = try IntentStore(path: path)
        #expect(try intents.unfinished().isEmpty)
        #expect(try store.enrollments(strategy: "aave") == [AaveEnrollment(address: Self.alice)])
        // And a fresh file made by the intent store takes enrollments too.
        let other = directory.appendingPathComponent("fresh.db").path
        _ = try IntentStore(path: other)
        try AaveEnrollmentStore(path: other).enroll(AaveEnrollment(address: Self.bob), strategy: "aave", now: 1)
        #expect(try AaveEnrollmentStore(path: other).enrollments(strategy: "aave").map(\.address) == [Self.bob])
    }

    @Test func aFileThatIsNotADatabaseIsAnErrorNamingIt() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("state"), withIntermediateDirectories: true)
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: AaveEnrollmentStore.Failure.self) {
            _ = try AaveEnrollmentStore(path: path).enrollments(strategy: "aave")
        }
        #expect(error?.description.contains(path) == true)
    }
}
