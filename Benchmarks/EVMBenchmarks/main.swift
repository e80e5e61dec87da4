// EVM primitive benchmarks. Run: swift run -c release evm-bench [filter]
// Figures and the machine they came from are recorded in BENCHMARKS.md.
import BenchmarkKit
import EVM


// Keccak-256 throughput over a 1 MiB buffer, and the rate for 32-byte inputs (hashing words).
let mebibyte = [UInt8](repeating: 0xa5, count: 1 << 20)
run("keccak256 1 MiB", unit: "MB/s", scale: Double(1 << 20) / 1e6) { blackHole(Keccak256.hash(mebibyte)) }
let word = [UInt8](repeating: 7, count: 32)
run("keccak256 32 bytes") { blackHole(Keccak256.hash(word)) }

// secp256k1 through libsecp256k1.
let key = try! PrivateKey(bytes: [UInt8](repeating: 0x46, count: 32))
let digest = Keccak256.hash("benchmark")
let signature = try! key.sign(digest: digest)
run("secp256k1 sign (RFC 6979, recoverable)") { blackHole(try! key.sign(digest: digest)) }
run("secp256k1 recover address") { blackHole(try! Secp256k1.recoverAddress(digest: digest, signature: signature)) }

// U256: the arithmetic behind health factors.
let wad = U256.pow10(18)!
let a = U256(decimal: "123456789012345678901234567890")!
let b = U256(decimal: "987654321098765432109876543")!
run("U256 mulDiv (512-bit intermediate)") { blackHole(U256.mulDiv(a, b, wad)) }
run("U256 division 256/128") { blackHole(U256.max / b) }

// A complete signed EIP-1559 transaction: build, signing payload, hash, sign, raw encoding and
// transaction hash — what the signer does per request, minus policy and ledger.
let orchestrator = try! Address("0xcA11bde05977b3631167028862bE2a173976CA11")
let calldata = [UInt8](repeating: 0x11, count: 4 + 32 * 6)
var nonce: UInt64 = 0
run("EIP-1559 tx build+hash+sign+encode") {
    nonce &+= 1
    let tx = Transaction.dynamicFee(DynamicFeeTransaction(
        chainId: 31337, nonce: nonce, maxPriorityFeePerGas: U256(1_500_000_000),
        maxFeePerGas: U256(30_000_000_000), gasLimit: 400_000, to: orchestrator,
        value: .zero, data: calldata, accessList: []))
    blackHole(try! tx.sign(with: key))
}

// What the devnet and the tests do with raw transactions: strict decode plus sender recovery.
let sampleRaw = try! Transaction.dynamicFee(DynamicFeeTransaction(
    chainId: 31337, nonce: 7, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 400_000,
    to: orchestrator, data: calldata)).sign(with: key).raw
run("EIP-1559 decode+recover sender") { blackHole(try! SignedTransaction(raw: sampleRaw).sender) }

// ABI: encoding a 5-argument call (the orchestrator's protect) from typed values, and decoding it
// strictly back, as the signer does to check argument constraints.
let protect = try! ABIFunction(parsing:
    "function protect(address user, address collateralAsset, address debtAsset, uint256 repayAmount, uint256 minHealthFactorAfter)")
let protectArgs: [ABIValue] = [
    .address(orchestrator), .address(orchestrator), .address(orchestrator),
    .uint(U256(decimal: "1500000000000000000000")!), .uint(U256(decimal: "1300000000000000000")!),
]
run("ABI encode 5-argument call") { blackHole(try! protect.encodeCall(protectArgs)) }
let protectCalldata = try! protect.encodeCall(protectArgs)
run("ABI strict decode 5-argument call") { blackHole(try! protect.decodeCall(protectCalldata)) }
