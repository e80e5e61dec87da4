import EVM
import Testing

@Suite("ABI revert data")
struct ABIRevertTests {
    @Test func errorString() throws {
        // The Solidity documentation's example for `require(false, "Not enough Ether provided.")`.
        let data = try [UInt8](
            hex: "0x08c379a0"
                + "0000000000000000000000000000000000000000000000000000000000000020"
                + "000000000000000000000000000000000000000000000000000000000000001a"
                + "4e6f7420656e6f7567682045746865722070726f76696465642e000000000000"
        )
        let revert = ABIRevert(data: data)
        #expect(revert == .error("Not enough Ether provided."))
        #expect(revert.description == "Error: \"Not enough Ether provided.\"")
        #expect(Array(Keccak256.hash("Error(string)").prefix(4)) == ABIRevert.errorSelector)
    }

    static let panics: [(UInt64, String)] = [
        (0x01, "Panic(0x01): assertion failed (assert)"),
        (0x11, "Panic(0x11): arithmetic overflow or underflow"),
        (0x12, "Panic(0x12): division or modulo by zero"),
        (0x32, "Panic(0x32): array index out of bounds"),
        (0x99, "Panic(0x99): unknown panic code"),
    ]

    @Test("panic codes", arguments: panics)
    func panic(_ code: UInt64, _ text: String) throws {
        let data = ABIRevert.panicSelector + U256(code).bigEndianBytes
        let revert = ABIRevert(data: data)
        #expect(revert == .panic(code: U256(code)))
        #expect(revert.description == text)
        #expect(Array(Keccak256.hash("Panic(uint256)").prefix(4)) == ABIRevert.panicSelector)
    }

    @Test func customErrorsAndUnknownData() throws {
        let insufficient = try ABICustomError(parsing: "error InsufficientBalance(uint256 available, uint256 required)")
        let data = try insufficient.encode([.uint(5), .uint(7)])
        let revert = ABIRevert(data: data, customErrors: [insufficient])
        #expect(revert == .custom(insufficient, [.uint(5), .uint(7)]))
        #expect(revert.description == "InsufficientBalance(available: 5, required: 7)")
        // Without the error's signature the data is unknown, and says so with its selector.
        let unknown = ABIRevert(data: data)
        #expect(unknown == .unknown(data))
        #expect(unknown.description.contains(Hex.encode(insufficient.selector)))
        #expect(ABIRevert(data: []) == .empty)
        #expect(ABIRevert(data: [1, 2]) == .unknown([1, 2]))
        // An Error(string) selector over garbage is unknown, not a crash.
        #expect(ABIRevert(data: ABIRevert.errorSelector + [0xff]) == .unknown(ABIRevert.errorSelector + [0xff]))
    }
}
