import EVM
import Foundation
import Keeper
import Strategies
import Testing

@Suite struct IntentStoreTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("intents-\(UUID().uuidString).db").path
    let account = Address(word: U256(0xbeef))

    func intent(_ key: String, subject: String = "feed/ETH-USD") throws -> Intent {
        Intent(
            strategy: "twap-push", idempotencyKey: key, subject: subject, to: Address(word: U256(0xfeed)), toName: "PriceFeedSink",
            function: try ABIFunction(parsing: "function pushPrice(bytes32 feedId, uint256 price, uint64 observedAt)"),
            arguments: [.fixedBytes([UInt8](repeating: 1, count: 32)), .uint(U256(1234)), .uint(U256(99))],
            reason: "heartbeat passed")
    }

    @Test func idempotencyKeyIsStoredOnceAcrossReopen() throws {
        let i = try intent("twap-push/ETH-USD/1")
        do {
            let store = try IntentStore(path: path)
            #expect(try store.insertPlanned(i, calldata: try i.calldata(), blockTime: 100))
            #expect(try !store.insertPlanned(i, calldata: try i.calldata(), blockTime: 101))
        }
        let reopened = try IntentStore(path: path)
        #expect(try !reopened.insertPlanned(i, calldata: try i.calldata(), blockTime: 102))
        #expect(try reopened.contains(key: "twap-push/ETH-USD/1"))
        #expect(try reopened.unfinished().map(\.key) == ["twap-push/ETH-USD/1"])
    }

    @Test func lifecycleIsRestoredAfterReopen() throws {
        let i = try intent("k1")
        let fees = Fees(maxFeePerGas: U256(30), maxPriorityFeePerGas: U256(2))
        do {
            let store = try IntentStore(path: path)
            _ = try store.insertPlanned(i, calldata: try i.calldata(), blockTime: 100)
            try store.assignTransaction(key: "k1", account: account, nonce: 7, gasLimit: 90_000, fees: fees)
            try store.recordSigned(key: "k1", attempt: Attempt(hash: [1], raw: [1, 1], fees: fees, sentAtBlock: 10))
            try store.setState(key: "k1", .sent)
            let bumped = Fees(maxFeePerGas: U256(34), maxPriorityFeePerGas: U256(3))
            try store.recordSigned(key: "k1", attempt: Attempt(hash: [2], raw: [2, 2], fees: bumped, sentAtBlock: 13))
            try store.setMined(key: "k1", StoredIntent.Mined(hash: [2], block: 14, blockHash: [0xaa], succeeded: true))
        }
        let store = try IntentStore(path: path)
        let stored = try #require(try store.intent(key: "k1"))
        #expect(stored.state == .sent)
        #expect(stored.nonce == 7)
        #expect(stored.gasLimit == 90_000)
        #expect(stored.account == account)
        #expect(stored.attempts.map(\.hash) == [[1], [2]])
        #expect(stored.fees == Fees(maxFeePerGas: U256(34), maxPriorityFeePerGas: U256(3)))
        #expect(stored.mined == StoredIntent.Mined(hash: [2], block: 14, blockHash: [0xaa], succeeded: true))
        #expect(try store.nextNonce(account) == 8)
        #expect(stored.calldata == (try i.calldata()))
        #expect(try ABIFunction(parsing: stored.function).selector == i.function.selector)
        try store.setState(key: "k1", .confirmed)
        #expect(try store.unfinished().isEmpty)
        #expect(try store.countsByState()[.confirmed] == 1)
    }

    @Test func failureKeepsTheRefusingRule() throws {
        let store = try IntentStore(path: path)
        let i = try intent("k2")
        _ = try store.insertPlanned(i, calldata: try i.calldata(), blockTime: 5)
        try store.setState(key: "k2", .failed, failureRule: "budget.count.1m", failureReason: "60 of 60 used")
        let stored = try #require(try store.intent(key: "k2"))
        #expect(stored.state == .failed)
        #expect(stored.failureRule == "budget.count.1m")
        #expect(try store.lastActionTimes(since: 0).isEmpty)
    }

    @Test func cooldownTimesArePerSubject() throws {
        let store = try IntentStore(path: path)
        for (key, subject, time) in [("a", "user/1", UInt64(10)), ("b", "user/1", 20), ("c", "user/2", 15)] {
            let i = try intent(key, subject: subject)
            _ = try store.insertPlanned(i, calldata: try i.calldata(), blockTime: time)
        }
        #expect(try store.lastActionTimes(since: 0) == ["user/1": 20, "user/2": 15])
        #expect(try store.lastActionTimes(since: 16) == ["user/1": 20])
    }

    @Test func nonceOnlyMovesForward() throws {
        let store = try IntentStore(path: path)
        try store.setNextNonce(account, 5)
        for (key, nonce) in [("x", UInt64(9)), ("y", 3)] {
            let i = try intent(key)
            _ = try store.insertPlanned(i, calldata: try i.calldata(), blockTime: 1)
            try store.assignTransaction(key: key, account: account, nonce: nonce, gasLimit: 1, fees: Fees(maxFeePerGas: 1, maxPriorityFeePerGas: 1))
        }
        #expect(try store.nextNonce(account) == 10)
    }
}
