import EVM
print(Keccak256.hash([UInt8]()).hexString)
print(Keccak256.hash("abc").hexString)
print(Keccak256.hash([UInt8](repeating: 0x61, count: 300)).hexString)
let a = U256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639935")!
let b = U256(decimal: "340282366920938463463374607431768211457")!
print(a / b, a % b)
print(U256.mulDiv(a, a, a)!, U256.mulDiv(a, b, U256(decimal: "1000000000000000000000000000000000000000")!)!)
print(try! Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"))
try TransactionBenchmark.run()
