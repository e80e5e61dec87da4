import DevnetTestKit
import EVM
import Foundation
import Glibc
import Keeper
import ProcessTestKit
import Testing

/// The real `keeper run` as systemd drives it: sd_notify on a socket the test binds
/// (`NOTIFY_SOCKET`, `WATCHDOG_USEC`), SIGTERM, and SIGHUP reloads of keeper.toml.
@Suite(.serialized) struct KeeperLifecycleTests {
    /// Every RPC answer an error envelope: each tick fails at its first read.
    static let failEveryCall: JSONValue = .object(["kind": "errorEnvelope", "message": "test: node unavailable"])

    @Test func readyOnlyAfterAGoodTickWatchdogWhileTicksSucceedStoppingOnSIGTERM() async throws {
        let h = try await KeeperProcessHarness()
        defer { h.stopAll() }
        try h.writeConfig(strategies: false)
        try await h.devnet.control("devnet_setFault", [Self.failEveryCall])
        let notify = try h.notifySocket()
        // WatchdogSec=1s: a WATCHDOG=1 at most every 500 ms while ticks succeed.
        let keeper = try h.startKeeper(notify: notify, watchdog: .seconds(1))
        defer { keeper.kill() }

        // Ticks fail: STATUS says so, and neither READY=1 nor WATCHDOG=1 is sent, not even
        // around a reload (RELOADING=1 and READY=1 are for a service that is up).
        func failedTicks(_ lines: [String]) -> Int { lines.count { $0.hasPrefix("STATUS=tick failed") } }
        try await notify.wait(for: "two failed ticks", within: .seconds(30)) { failedTicks($0) >= 2 }
        keeper.send(SIGHUP)
        try await keeper.waitForLogLine("config reloaded", within: .seconds(10))
        let failedAtReload = failedTicks(notify.assignments)
        try await notify.wait(for: "two failed ticks after the reload", within: .seconds(10)) { failedTicks($0) >= failedAtReload + 2 }
        #expect(!notify.assignments.contains("READY=1"), "\(notify.assignments)")
        #expect(!notify.assignments.contains("RELOADING=1"), "\(notify.assignments)")
        #expect(!notify.assignments.contains("WATCHDOG=1"))

        // The node answers again: the first good tick makes the keeper ready.
        try await h.devnet.control("devnet_clearFaults")
        try await notify.wait(for: "READY=1", within: .seconds(20)) { $0.contains("READY=1") }
        let lines = notify.assignments
        let ready = try #require(lines.firstIndex(of: "READY=1"))
        let firstGood = try #require(lines.firstIndex { $0.hasPrefix("STATUS=block ") })
        #expect(firstGood < ready, "READY=1 before any good tick: \(lines)")
        #expect(lines[firstGood].contains("0 in flight"), "\(lines[firstGood])")

        // While ticks succeed, WATCHDOG=1 keeps coming.
        try await notify.wait(for: "three WATCHDOG=1", within: .seconds(10)) { $0.count { $0 == "WATCHDOG=1" } >= 3 }
        let firstWatchdog = try #require(notify.assignments.firstIndex(of: "WATCHDOG=1"))
        #expect(firstWatchdog > firstGood)

        // Ticks fail again for longer than half the watchdog interval: no WATCHDOG=1 meanwhile,
        // so systemd would restart a keeper stuck like this.
        try await h.devnet.control("devnet_setFault", [Self.failEveryCall])
        let faultedAt = ContinuousClock.now
        let before = notify.assignments.count
        try await notify.wait(for: "failed ticks spanning 600 ms", within: .seconds(30)) { lines in
            // The elapsed time is part of the condition: failed ticks must span more than the
            // 500 ms after which a healthy keeper would have sent WATCHDOG=1 again.
            let failed = lines.dropFirst(before).filter { $0.hasPrefix("STATUS=tick failed") }
            return failed.count >= 3 && ContinuousClock.now - faultedAt > .milliseconds(600)
        }
        let whileFailing = Array(notify.assignments.dropFirst(before))
        let firstFailure = try #require(whileFailing.firstIndex { $0.hasPrefix("STATUS=tick failed") })
        #expect(!whileFailing[(firstFailure + 1)...].contains("WATCHDOG=1"), "\(whileFailing)")
        try await h.devnet.control("devnet_clearFaults")

        // SIGTERM: STOPPING=1, a clean exit.
        keeper.send(SIGTERM)
        #expect(try await keeper.waitForExit(within: .seconds(15)) == .exited(0))
        try await notify.wait(for: "STOPPING=1", within: .seconds(2)) { $0.contains("STOPPING=1") }
        #expect(keeper.log.contains("tick loop stopped"))
        #expect(!keeper.log.contains("level=critical"), "\(keeper.logLines.filter { $0.contains("critical") })")
    }

    @Test func sighupReloadsTheConfigAndABadOneKeepsTheRunningConfig() async throws {
        let h = try await KeeperProcessHarness()
        defer { h.stopAll() }
        try await h.startSigner()
        // The scenario's push is an hour old: due with a heartbeat of an hour or less, not two.
        try await h.advance(3600)
        try h.writeConfig(heartbeatSeconds: 7200)
        let notify = try h.notifySocket()
        let keeper = try h.startKeeper(notify: notify)
        defer { keeper.kill() }
        try await notify.wait(for: "READY=1", within: .seconds(45)) { $0.contains("READY=1") }
        try await keeper.waitForLogLine("no push", "7200 s heartbeat", within: .seconds(5))
        #expect(try await h.round() == U256(1))

        // A good reload: a 30-minute heartbeat applies from the next head on.
        try h.writeConfig(heartbeatSeconds: 1800)
        keeper.send(SIGHUP)
        try await keeper.waitForLogLine("config reloaded", "keeper.strategies=twap-push", within: .seconds(10))
        try await notify.wait(for: "RELOADING=1, then READY=1", within: .seconds(5)) { lines in
            lines.lastIndex(of: "RELOADING=1").map { lines[$0...].contains("READY=1") } ?? false
        }
        try await h.devnet.control("evm_mine")
        try await Poll.until("round 2 pushed and confirmed after the reload; keeper log: \(keeper.log.suffix(1500))", within: .seconds(30)) {
            try h.storedIntent("twap-push/WETH/USDC/round-2")?.state == .confirmed
        }
        #expect(try await h.round() == U256(2))

        // A bad file: the error names the key; the running config (30 minutes) stays, so the
        // next heartbeat still pushes although the bad file asks for two hours.
        try h.writeConfig(heartbeatSeconds: 7200, strategyKeys: "heartbeat_secs = 60")
        keeper.send(SIGHUP)
        let failure = try await keeper.waitForLogLine("config reload failed; keeping the running config", within: .seconds(10))
        #expect(failure.contains("level=error"), "\(failure)")
        #expect(failure.contains("heartbeat_secs"), "\(failure)")
        #expect(failure.contains("keeper.toml:"), "the error names the file and line: \(failure)")
        try await h.advance(1800)
        try await Poll.until("round 3 pushed and confirmed under the running config; keeper log: \(keeper.log.suffix(1500))", within: .seconds(30)) {
            try h.storedIntent("twap-push/WETH/USDC/round-3")?.state == .confirmed
        }
        #expect(try await h.round() == U256(3))
        #expect(keeper.isRunning)

        keeper.send(SIGTERM)
        #expect(try await keeper.waitForExit(within: .seconds(15)) == .exited(0))
        #expect(try h.storedKeys().filter { $0.hasPrefix("twap-push/") }.count == 2)
    }

    /// SIGTERM while a tick waits on a slow node: systemd hears STOPPING=1 at once, the tick in
    /// flight finishes (here it fails on its own timeouts), and the keeper exits 0.
    @Test func sigtermDuringASlowTickSendsStoppingAtOnce() async throws {
        let h = try await KeeperProcessHarness()
        defer { h.stopAll() }
        try h.writeConfig(strategies: false)
        let notify = try h.notifySocket()
        let keeper = try h.startKeeper(notify: notify)
        defer { keeper.kill() }
        try await notify.wait(for: "READY=1", within: .seconds(30)) { $0.contains("READY=1") }

        // Every answer now takes 5 s, past the 2 s request timeout: a tick spends three attempts
        // (~6 s) before it fails. The first attempt's failure of the tick after a failed one
        // marks a tick in flight with two attempts (~4 s) still to go: the moment for SIGTERM.
        try await h.devnet.control("devnet_setFault", [.object(["kind": "delay", "ms": .number("5000")])])
        try await Poll.until("a tick in flight after a failed one; log: \(keeper.log.suffix(1500))", within: .seconds(30)) {
            let lines = keeper.logLines
            guard let failed = lines.lastIndex(where: { $0.contains("tick failed") }) else { return false }
            return lines[(failed + 1)...].contains { $0.contains("rpc attempt failed") && $0.contains("keeper.rpc.attempt=1") }
        }
        keeper.send(SIGTERM)
        let signalled = ContinuousClock.now
        try await notify.wait(for: "STOPPING=1", within: .seconds(1)) { $0.contains("STOPPING=1") }
        #expect(ContinuousClock.now - signalled < .milliseconds(1000))
        #expect(try await keeper.waitForExit(within: .seconds(20)) == .exited(0))
        #expect(notify.assignments.filter { $0 == "STOPPING=1" }.count == 1, "\(notify.assignments)")
        #expect(keeper.log.contains("tick loop stopped"))
    }

    /// pymaker's rule: a keeper whose head stopped moving exits non-zero so that systemd restarts
    /// it. Reloads must not hide the stall (an operator, or a log rotation, may send SIGHUP often).
    @Test func aStalledHeadExitsNonZeroEvenWhenReloadedMeanwhile() async throws {
        // Blocks every 0.5 s: the head moves until the fault stops it, so the stall the keeper
        // reports is the fault's, not the idle automining devnet's.
        let h = try await KeeperProcessHarness(blockTime: 0.5)
        defer { h.stopAll() }
        try h.writeConfig(strategies: false, headKeys: "stall_after = \"2s\"")
        let notify = try h.notifySocket()
        let keeper = try h.startKeeper(notify: notify)
        defer { keeper.kill() }
        try await notify.wait(for: "READY=1", within: .seconds(30)) { $0.contains("READY=1") }

        try await h.devnet.control("devnet_setFault", [.object(["kind": "stallHead"])])
        let stalledAt = ContinuousClock.now
        // A SIGHUP every 300 ms until the keeper exits (each poll sends one).
        let exit = try await Poll.until("the keeper to exit on the stalled head; log: \(keeper.log.suffix(1500))", within: .seconds(20), every: .milliseconds(300)) {
            () async throws -> ManagedProcess.Exit? in
            guard keeper.isRunning else { return try await keeper.waitForExit(within: .seconds(1)) }
            keeper.send(SIGHUP)
            return nil
        }
        #expect(exit == .exited(1))
        // The keeper's clock runs from the last head it saw move: at most one block (0.5 s) and
        // a poll before the fault. So the exit comes no sooner than stall_after minus that.
        #expect(ContinuousClock.now - stalledAt >= .milliseconds(1400))
        #expect(keeper.log.contains("the chain head has not moved"), "\(keeper.log.suffix(1500))")
        #expect(keeper.log.contains("config reloaded"))
        #expect(notify.assignments.contains("STATUS=head stalled; exiting"))
    }
}
