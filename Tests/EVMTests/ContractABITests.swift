import EVM
import Testing

@Suite("JSON ABI")
struct ContractABITests {
    static let json = """
        [
          {"type": "constructor", "inputs": [{"name": "owner", "type": "address"}], "stateMutability": "nonpayable"},
          {"type": "function", "name": "transfer", "stateMutability": "nonpayable",
           "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
           "outputs": [{"name": "", "type": "bool"}]},
          {"type": "function", "name": "balanceOf", "stateMutability": "view",
           "inputs": [{"name": "owner", "type": "address", "internalType": "address"}],
           "outputs": [{"name": "", "type": "uint256"}]},
          {"type": "function", "name": "protect", "stateMutability": "nonpayable",
           "inputs": [
             {"name": "vault", "type": "address"},
             {"name": "limits", "type": "tuple[]", "internalType": "struct Limit[]",
              "components": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint256"}]},
             {"name": "deadline", "type": "uint256"}],
           "outputs": []},
          {"type": "event", "name": "Transfer", "anonymous": false,
           "inputs": [{"name": "from", "type": "address", "indexed": true},
                      {"name": "to", "type": "address", "indexed": true},
                      {"name": "value", "type": "uint256", "indexed": false}]},
          {"type": "error", "name": "InsufficientBalance",
           "inputs": [{"name": "available", "type": "uint256"}, {"name": "required", "type": "uint256"}]},
          {"type": "fallback", "stateMutability": "payable"}
        ]
        """

    @Test func loadsFunctionsEventsAndErrors() throws {
        let abi = try ContractABI(json: Self.json)
        #expect(abi.functions.map(\.signature) == ["transfer(address,uint256)", "balanceOf(address)", "protect(address,(address,uint256)[],uint256)"])
        #expect(abi.function("balanceOf")?.stateMutability == .view)
        #expect(abi.function("transfer")?.outputs.map(\.type) == [.bool])
        #expect(abi.function(selector: [0xa9, 0x05, 0x9c, 0xbb])?.name == "transfer")
        let protect = try #require(abi.function("protect(address,(address,uint256)[],uint256)"))
        #expect(protect == (try ABIFunction(parsing: "protect(address vault, (address token, uint256 amount)[] limits, uint256 deadline)")))
        let transfer = try #require(abi.event("Transfer"))
        #expect(transfer.indexed == [true, true, false])
        #expect(abi.event(topic0: transfer.topic0) == transfer)
        let error = try #require(abi.errors.first)
        let revert = abi.decodeRevert(try error.encode([.uint(1), .uint(2)]))
        #expect(revert.description == "InsufficientBalance(available: 1, required: 2)")
    }

    @Test func acceptsArtifactsWithAnABIKey() throws {
        let abi = try ContractABI(json: "{\"contractName\": \"T\", \"abi\": \(Self.json)}")
        #expect(abi.functions.count == 3)
    }

    @Test func rejectsBadDocuments() {
        #expect(throws: ABIError.self) { try ContractABI(json: "{") }
        #expect(throws: ABIError.self) { try ContractABI(json: "[{\"type\": \"function\", \"inputs\": []}]") }
        #expect(throws: ABIError.self) { try ContractABI(json: "[{\"type\": \"function\", \"name\": \"f\", \"inputs\": [{\"type\": \"uint7\"}]}]") }
        #expect(throws: ABIError.self) { try ContractABI(json: "[{\"type\": \"banana\", \"name\": \"f\"}]") }
    }
}
