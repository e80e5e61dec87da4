import DevnetTestKit
import EVM
import Foundation
import Oracle
import Testing

/// Our RPC client and our signed transactions against the devnet: a real EVM whose node decodes
/// transactions with eth-account, an implementation independent of ours.
@Suite(.serialized) struct DevnetRPCTests {
    @Test func readsChainAndHead() async throws {
        let devnet = try await Devnet.start()
        let rpc = EthereumRPC(client: devnet.client())
        #expect(try await rpc.chainID() == 31337)
        let head = try #require(try await rpc.block(.latest))
        #expect(head.baseFeePerGas != nil)
        #expect(try await rpc.blockNumber() == head.number)
    }

    @Test(arguments: [TransactionType.legacy, .accessList, .dynamicFee])
    func ourSignedTransactionsAreMined(type: TransactionType) async throws {
        let devnet = try await Devnet.start()
        let rpc = EthereumRPC(client: devnet.client())
        let key = try DevAccounts.key(0)
        let recipient = try Address("0x000000000000000000000000000000000000dEaD")
        let nonce = try await rpc.transactionCount(of: key.address, at: .pending)
        let fee = U256(50_000_000_000)
        let tx: Transaction = switch type {
        case .legacy:
            .legacy(LegacyTransaction(chainId: 31337, nonce: nonce, gasPrice: fee, gasLimit: 21_000, to: recipient, value: U256(12345)))
        case .accessList:
            .accessList(AccessListTransaction(chainId: 31337, nonce: nonce, gasPrice: fee, gasLimit: 30_000, to: recipient,
                                              value: U256(12345), accessList: [AccessListEntry(address: recipient, storageKeys: [U256(1)])]))
        case .dynamicFee:
            .dynamicFee(DynamicFeeTransaction(chainId: 31337, nonce: nonce, maxPriorityFeePerGas: U256(1_000_000_000),
                                              maxFeePerGas: fee, gasLimit: 21_000, to: recipient, value: U256(12345)))
        }
        let signed = try tx.sign(with: key)
        let hash = try await rpc.sendRawTransaction(signed.raw)
        #expect(hash == signed.hash)
        // Automine: the receipt exists once the node has answered; poll briefly all the same.
        var receipt: TransactionReceipt?
        let deadline = ContinuousClock.now + .seconds(10)
        while receipt == nil, ContinuousClock.now < deadline { receipt = try await rpc.receipt(hash) }
        #expect(try #require(receipt).succeeded)
        #expect(try await rpc.balance(of: recipient) >= U256(12345))
    }

    @Test func wrongChainIsRefusedWithGethsMessage() async throws {
        let devnet = try await Devnet.start()
        let rpc = EthereumRPC(client: devnet.client())
        let key = try DevAccounts.key(1)
        let tx = Transaction.dynamicFee(DynamicFeeTransaction(
            chainId: 1, nonce: 0, maxPriorityFeePerGas: 1, maxFeePerGas: U256(50_000_000_000), gasLimit: 21_000, to: key.address))
        let error = await #expect(throws: RPCError.self) { try await rpc.sendRawTransaction(try tx.sign(with: key).raw) }
        #expect(error?.message.contains("chain") == true)
    }
}

@Suite struct MulticallTests {
    @Test func readsInChunksAtOneBlockInOrder() async throws {
        let devnet = try await Devnet.start()
        let rpc = EthereumRPC(client: devnet.client())
        let multicall = Multicall3(rpc: rpc, chunkSize: 2)
        let getBlockNumber = try ABIFunction(parsing: "getBlockNumber() returns (uint256)")
        let getEthBalance = try ABIFunction(parsing: "getEthBalance(address) returns (uint256)")
        let accounts = try (0..<3).map { try DevAccounts.key($0).address }
        var calls = [Multicall3.Call(target: Multicall3.canonicalAddress, callData: try getBlockNumber.encodeCall([]))]
        calls += try accounts.map { Multicall3.Call(target: Multicall3.canonicalAddress, callData: try getEthBalance.encodeCall([.address($0)])) }
        // A call to an address with no code and a bad selector on Multicall3 itself: the latter reverts.
        calls.append(Multicall3.Call(target: Multicall3.canonicalAddress, callData: [0xde, 0xad, 0xbe, 0xef]))
        let head = try await rpc.blockNumber()
        let results = try await multicall.read(calls, at: .number(head))
        #expect(results.count == calls.count)
        let block = try getBlockNumber.decodeOutput(try #require(results[0]))
        #expect(block == [.uint(U256(head))])
        for (i, account) in accounts.enumerated() {
            let balance = try getEthBalance.decodeOutput(try #require(results[i + 1]))
            #expect(balance == [.uint(try await rpc.balance(of: account, at: .number(head)))])
        }
        #expect(results.last == .some(nil))
    }
}
