public import EVM
public import Oracle
public import Strategies

/// Turns intents into planned transactions: encodes the call, simulates it with `eth_call` and
/// `eth_estimateGas` at the snapshot's block from the keeper's account, and prices it.
///
/// A reverting intent is kept with its decoded revert reason (dry-run shows it; the tick drops
/// it and logs the reason): it is never sent.
public struct Planner: Sendable {
    public let rpc: EthereumRPC
    public let feePolicy: FeePolicy
    /// Added to the gas estimate, in basis points (2,000 = +20%): estimates are exact for the
    /// simulated state, and the state can move before inclusion.
    public let gasMarginBps: Int
    /// Custom errors the keeper's contracts declare, to decode their reverts by name.
    public let customErrors: [ABICustomError]

    public init(rpc: EthereumRPC, feePolicy: FeePolicy, gasMarginBps: Int = 2_000, customErrors: [ABICustomError] = []) {
        self.rpc = rpc
        self.feePolicy = feePolicy
        self.gasMarginBps = max(0, gasMarginBps)
        self.customErrors = customErrors
    }

    /// Plans `intents` for `from` at the snapshot's block. `feeHistory` is read once per tick by
    /// the caller (nil when it could not be read: no fees, nothing actionable).
    public func plan(_ intents: [Intent], from: Address, block: BlockHeader, feeHistory: FeeHistory?) async -> [PlannedTransaction] {
        let fees = feeHistory.flatMap { feePolicy.initialFees(from: $0) }
        let nextBaseFee = feeHistory?.baseFeePerGas.last ?? block.baseFeePerGas
        var planned: [PlannedTransaction] = []
        for intent in intents {
            planned.append(await plan(intent, from: from, block: block, fees: fees, nextBaseFee: nextBaseFee))
        }
        return planned
    }

    func plan(_ intent: Intent, from: Address, block: BlockHeader, fees: Fees?, nextBaseFee: U256?) async -> PlannedTransaction {
        let calldata: [UInt8]
        do {
            calldata = try intent.calldata()
        } catch {
            return PlannedTransaction(
                intent: intent, calldata: [], from: from, simulation: .unavailable("the call does not encode: \(error)"),
                gasEstimate: nil, gasLimit: nil, fees: fees, expectedFeeWei: nil, maxFeeWei: nil, policyVerdict: nil)
        }
        let request = CallRequest(from: from, to: intent.to, data: calldata, value: intent.value)
        let at = BlockTag.number(block.number)
        var result = PlannedTransaction(
            intent: intent, calldata: calldata, from: from, simulation: .unavailable("not simulated"), gasEstimate: nil,
            gasLimit: nil, fees: fees, expectedFeeWei: nil, maxFeeWei: nil, policyVerdict: nil)
        do {
            let returnData = try await rpc.call(request, at: at)
            result.simulation = .ok(returnData: returnData)
            let estimate = try await rpc.estimateGas(request, at: at)
            result.gasEstimate = estimate
            let limit = intent.gasLimit ?? estimate + estimate * UInt64(gasMarginBps) / 10_000
            result.gasLimit = limit
            if let fees {
                result.maxFeeWei = U256(limit) * fees.maxFeePerGas
                let perGas = nextBaseFee.map { min($0 &+ fees.maxPriorityFeePerGas, fees.maxFeePerGas) } ?? fees.maxFeePerGas
                result.expectedFeeWei = U256(estimate) * perGas
            }
        } catch let error where error.kind == .executionReverted {
            let data = error.data?.stringValue.flatMap { try? Hex.decode($0) } ?? []
            let reason = data.isEmpty ? error.message : ABIRevert(data: data, customErrors: customErrors).description
            result.simulation = .reverted(reason: reason, data: data)
        } catch {
            result.simulation = .unavailable(error.description)
        }
        return result
    }
}
