import EVM

/// Signed EIP-1559 transactions per second (build + signing hash + sign + raw encoding + tx
/// hash), next to bare `PrivateKey.sign(digest:)` so the cost of the Swift layers shows.
enum TransactionBenchmark {
    static func run(seconds: Double = 2) throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 0x46, count: 32))
        let to = try Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        // A typical keeper call: a 4-byte selector and two words of arguments.
        let calldata: [UInt8] = [0xa9, 0x05, 0x9c, 0xbb] + [UInt8](repeating: 0x11, count: 64)
        var sink: UInt8 = 0

        let digest = Keccak256.hash(calldata)
        let raw = try measure("secp256k1 sign (raw digest)", seconds: seconds) { i in
            var d = digest
            d[0] = UInt8(truncatingIfNeeded: i)
            sink ^= try key.sign(digest: d).r.bigEndianBytes[31]
        }
        let full = try measure("EIP-1559 build+hash+sign+encode", seconds: seconds) { i in
            let tx = Transaction.dynamicFee(
                DynamicFeeTransaction(
                    chainId: 1, nonce: UInt64(i), maxPriorityFeePerGas: U256(1_500_000_000),
                    maxFeePerGas: U256(30_000_000_000), gasLimit: 120_000, to: to, value: .zero, data: calldata))
            let signed = try tx.sign(with: key)
            sink ^= signed.hash[0] ^ signed.raw[signed.raw.count - 1]
        }
        print("  Swift layers cost \(Double(Int((1 - full / raw) * 1000)) / 10)% of raw signing throughput")

        let sample = try Transaction.dynamicFee(
            DynamicFeeTransaction(
                chainId: 1, nonce: 7, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 120_000, to: to,
                data: calldata)
        ).sign(with: key).raw
        _ = try measure("EIP-1559 decode+recover", seconds: seconds) { _ in
            sink ^= try SignedTransaction(raw: sample).sender.bytes[0]
        }
        let unsigned = Transaction.dynamicFee(
            DynamicFeeTransaction(
                chainId: 1, nonce: 7, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 120_000, to: to,
                data: calldata))
        _ = try measure("EIP-1559 signing hash only", seconds: seconds) { _ in
            sink ^= unsigned.signingHash[0]
        }
        if sink == 0x5a { print("") }  // keep the work observable
    }

    /// Runs `body` for about `seconds` and prints and returns operations per second.
    private static func measure(_ name: String, seconds: Double, _ body: (Int) throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        for i in 0..<200 { try body(i) }  // warm up
        var count = 0
        let start = clock.now
        var elapsed = Duration.zero
        while elapsed < .seconds(seconds) {
            for _ in 0..<500 {
                try body(count)
                count += 1
            }
            elapsed = clock.now - start
        }
        let perSecond = Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        print("\(name): \(Int(perSecond)) / s")
        return perSecond
    }
}
