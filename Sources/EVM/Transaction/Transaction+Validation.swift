// Protocol rules on a transaction's values, checked apart from decoding.
//
// Decoding answers "are these bytes one well-formed signed transaction?"; these rules answer
// "would a node (at the Cancun rules) accept it for execution?". They are kept apart because
// they are about amounts, not encoding: a keeper may build a transaction, or a test may decode
// one, that is well formed yet fails them, and the caller must be able to tell the two apart.
// ethereum/tests reports both kinds as invalid transactions (GASLIMIT_PRICE_PRODUCT_OVERFLOW,
// PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS, NONCE_IS_MAX, INTRINSIC_GAS_TOO_LOW, ...).

extension Transaction {
    /// The largest contract init code EIP-3860 allows (2 * 24,576 bytes).
    public static let maxInitCodeSize = 49_152

    /// Gas charged before execution starts (Cancun rules): 21,000; 32,000 more for a contract
    /// creation plus 2 per 32-byte word of init code (EIP-3860); 4 per zero and 16 per non-zero
    /// data byte (EIP-2028); 2,400 per access-list address and 1,900 per storage key (EIP-2930).
    public var intrinsicGas: UInt64 {
        let data = self.data
        var gas: UInt64 = 21_000
        if isContractCreation {
            gas += 32_000 + 2 * UInt64((data.count + 31) / 32)
        }
        var zeros: UInt64 = 0
        for byte in data where byte == 0 { zeros += 1 }
        gas += zeros * 4 + (UInt64(data.count) - zeros) * 16
        let list = accessList
        gas += UInt64(list.count) * 2_400 + UInt64(list.storageKeyCount) * 1_900
        return gas
    }

    /// Checks the rules a node applies to a transaction's values before executing it:
    ///
    /// - the nonce is below 2^64 - 1 (EIP-2681);
    /// - `maxPriorityFeePerGas <= maxFeePerGas` (EIP-1559);
    /// - `gasLimit * maxFeePerGas` (the most the sender can be charged) fits in 256 bits;
    /// - contract init code is at most ``maxInitCodeSize`` bytes (EIP-3860);
    /// - the gas limit covers ``intrinsicGas``.
    ///
    /// Balance, the account's current nonce and the block's base fee need chain state and are
    /// not checked here.
    public func validate() throws(TransactionError) {
        guard nonce < UInt64.max else {
            throw TransactionError(
                .invalidTransaction, field: "nonce", "nonce 2^64 - 1 can never be used (EIP-2681); the account is exhausted")
        }
        if case .dynamicFee(let tx) = self, tx.maxPriorityFeePerGas > tx.maxFeePerGas {
            throw TransactionError(
                .invalidTransaction, field: "maxPriorityFeePerGas",
                "maxPriorityFeePerGas \(tx.maxPriorityFeePerGas) exceeds maxFeePerGas \(tx.maxFeePerGas); raise the fee cap or lower the tip"
            )
        }
        let feeCap = maxFeePerGas
        guard !U256(gasLimit).multipliedReportingOverflow(by: feeCap).overflow else {
            throw TransactionError(
                .invalidTransaction, field: type == .dynamicFee ? "maxFeePerGas" : "gasPrice",
                "gasLimit \(gasLimit) times fee \(feeCap.hexQuantity) overflows 256 bits; no account could pay it")
        }
        if isContractCreation, data.count > Self.maxInitCodeSize {
            throw TransactionError(
                .invalidTransaction, field: "data",
                "init code is \(data.count) bytes, above the EIP-3860 limit of \(Self.maxInitCodeSize)")
        }
        let intrinsic = intrinsicGas
        guard gasLimit >= intrinsic else {
            throw TransactionError(
                .invalidTransaction, field: "gasLimit",
                "gasLimit \(gasLimit) is below the intrinsic gas \(intrinsic) this transaction costs before execution; raise it")
        }
    }
}
