@testable import EVM
import EVMTestKit
import Foundation
import Testing

/// One keystore decryption case from keystore_v3.json or keystore_v3_geth.json.
struct KeystoreVector: Sendable, CustomTestStringConvertible {
    let name: String
    let keystore: JSONText
    let password: String
    /// 32-byte hex, or nil when the source gives only the address.
    let privateKey: String?
    let address: String?

    var testDescription: String { name }

    /// Every vector of keystore_v3.json.
    static let main: [KeystoreVector] = {
        struct File: Decodable {
            struct Vector: Decodable {
                let name: String
                let keystore: JSONText
                let password: String
                let expected_private_key: String?
                let expected_address: String?
            }
            let vectors: [Vector]
        }
        return Vectors.load("keystore_v3.json", as: File.self).vectors.map {
            KeystoreVector(
                name: $0.name, keystore: $0.keystore, password: $0.password, privateKey: $0.expected_private_key,
                address: $0.expected_address)
        }
    }()

    /// Every vector of keystore_v3_geth.json (the geth test-vector group and the top-level ones).
    static let geth: [KeystoreVector] = {
        struct Entry: Decodable {
            let json: JSONText
            let password: String
            let priv: String
        }
        let file = Vectors.load("keystore_v3_geth.json", as: [String: JSONText].self)
        var out: [KeystoreVector] = []
        func add(_ name: String, _ value: JSONText) {
            guard case .string(let password) = value["password"], case .string(let priv) = value["priv"],
                let json = value["json"]
            else { return }
            out.append(KeystoreVector(name: name, keystore: json, password: password, privateKey: priv, address: nil))
        }
        for key in file.keys.sorted() {
            guard let value = file[key] else { continue }
            if key == "geth_v3_test_vector", case .object(let group) = value {
                for name in group.keys.sorted() {
                    if let entry = group[name] { add("geth_v3_test_vector." + name, entry) }
                }
            } else {
                add(key, value)
            }
        }
        return out
    }()

    /// Cheap vectors (scrypt n ≤ 8192 r ≥ 2 or tiny n) for the extra wrong-password pass.
    var isCheap: Bool {
        let params = keystore["crypto"]?["kdfparams"] ?? keystore["Crypto"]?["kdfparams"]
        if case .number(let n) = params?["n"], let v = Int(n) { return v <= 8192 }
        return false
    }
}

/// Hex of a key's 32 bytes (test-only: production code never reads them out).
private func hex(of key: PrivateKey) -> String {
    key.withUnsafeBytes { Hex.encode($0) }
}

/// Pads 0x-hex to 32 bytes (geth's short-key vectors give the key without leading zeros).
private func padded32(_ hexText: String) throws -> String {
    let bytes = try Hex.decode(hexText)
    return Hex.encode([UInt8](repeating: 0, count: 32 - bytes.count) + bytes)
}

/// SplitMix64: a seeded generator so encryption in tests is reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Keystore v3")
struct KeystoreTests {
    @Test("decrypts keystore_v3.json", arguments: KeystoreVector.main)
    func decryptsMain(vector: KeystoreVector) throws {
        try check(vector)
    }

    @Test("decrypts keystore_v3_geth.json", arguments: KeystoreVector.geth)
    func decryptsGeth(vector: KeystoreVector) throws {
        try check(vector)
    }

    private func check(_ vector: KeystoreVector) throws {
        let keystore = try Keystore(json: vector.keystore.text)
        let key = try keystore.decrypt(password: vector.password)
        if let expected = vector.privateKey {
            #expect(hex(of: key) == (try padded32(expected)))
        }
        if let expected = vector.address {
            #expect(key.address == (try Address(expected)))
        }
        // The byte overload gives the same key.
        if vector.isCheap {
            let again = try keystore.decrypt(password: Array(vector.password.utf8))
            #expect(again.address == key.address)
        }
    }

    @Test(
        "a wrong password is reported as such",
        arguments: (KeystoreVector.main + KeystoreVector.geth).filter(\.isCheap))
    func wrongPassword(vector: KeystoreVector) throws {
        let keystore = try Keystore(json: vector.keystore.text)
        let error = #expect(throws: KeystoreError.self) { try keystore.decrypt(password: vector.password + "x") }
        #expect(error?.kind == .wrongPassword)
        #expect(error.map { !$0.description.contains(vector.password + "x") } ?? false)
    }

    /// A damaged copy of geth's cheap 31-byte-key vector and the kind of error it must give.
    struct Damage: Sendable, CustomTestStringConvertible {
        let name: String
        let kind: KeystoreError.Kind
        let apply: @Sendable (JSONText) -> String
        var testDescription: String { name }

        static func crypto(_ name: String, _ kind: KeystoreError.Kind, _ edit: @escaping @Sendable (JSONText) -> JSONText) -> Damage {
            Damage(name: name, kind: kind) { json in
                json.setting("crypto", json["crypto"].map(edit)).text
            }
        }

        static func kdfparams(_ name: String, _ kind: KeystoreError.Kind, _ key: String, _ value: JSONText?) -> Damage {
            crypto(name, kind) { crypto in crypto.setting("kdfparams", crypto["kdfparams"]?.setting(key, value)) }
        }

        static let all: [Damage] = [
            Damage(name: "truncated JSON", kind: .corruptFile) { String($0.text.dropLast(3)) },
            Damage(name: "not an object", kind: .corruptFile) { _ in "[1,2,3]" },
            Damage(name: "trailing garbage", kind: .corruptFile) { $0.text + "x" },
            Damage(name: "crypto missing", kind: .corruptFile) { $0.setting("crypto", nil).text },
            Damage(name: "crypto and Crypto both", kind: .corruptFile) { $0.setting("Crypto", $0["crypto"]).text },
            Damage(name: "version 4", kind: .unsupportedFormat) { $0.setting("version", .number("4")).text },
            Damage(name: "version missing", kind: .corruptFile) { $0.setting("version", nil).text },
            Damage(name: "address of another key", kind: .corruptFile) {
                $0.setting("address", .string("0b6f2de3dee015a95d3330dcb7baf8e08aa0112d")).text
            },
            Damage(name: "address not hex", kind: .corruptFile) { $0.setting("address", .string("zz")).text },
            crypto("mac not hex", .corruptFile) { $0.setting("mac", .string("zz" + String(repeating: "0", count: 62))) },
            crypto("mac 31 bytes", .corruptFile) { $0.setting("mac", .string(String(repeating: "ab", count: 31))) },
            crypto("mac missing", .corruptFile) { $0.setting("mac", nil) },
            crypto("mac altered", .wrongPassword) { crypto in
                guard case .string(let mac) = crypto["mac"] else { return crypto }
                return crypto.setting("mac", .string((mac.hasPrefix("0") ? "1" : "0") + mac.dropFirst()))
            },
            crypto("ciphertext not hex", .corruptFile) { $0.setting("ciphertext", .string("0g")) },
            crypto("ciphertext odd digits", .corruptFile) { $0.setting("ciphertext", .string("abc")) },
            crypto("ciphertext 33 bytes", .corruptFile) { $0.setting("ciphertext", .string(String(repeating: "ab", count: 33))) },
            crypto("ciphertext empty", .corruptFile) { $0.setting("ciphertext", .string("")) },
            crypto("ciphertext altered", .wrongPassword) { crypto in
                guard case .string(let c) = crypto["ciphertext"] else { return crypto }
                return crypto.setting("ciphertext", .string((c.hasPrefix("0") ? "1" : "0") + c.dropFirst()))
            },
            crypto("iv 17 bytes", .corruptFile) { $0.setting("cipherparams", .object(["iv": .string(String(repeating: "ab", count: 17))])) },
            crypto("iv not hex", .corruptFile) { $0.setting("cipherparams", .object(["iv": .string("xyz")])) },
            crypto("cipher aes-128-cbc", .unsupportedFormat) { $0.setting("cipher", .string("aes-128-cbc")) },
            crypto("kdf argon2", .unsupportedFormat) { $0.setting("kdf", .string("argon2id")) },
            crypto("kdf pbkdf2 with prf sha512", .unsupportedFormat) {
                $0.setting("kdf", .string("pbkdf2")).setting(
                    "kdfparams", .object(["c": .number("1"), "dklen": .number("32"), "prf": .string("hmac-sha512"), "salt": .string("00")]))
            },
            crypto("kdf pbkdf2 with c = 10^9", .parametersOutOfRange) {
                $0.setting("kdf", .string("pbkdf2")).setting(
                    "kdfparams",
                    .object(["c": .number("1000000000"), "dklen": .number("32"), "prf": .string("hmac-sha256"), "salt": .string("00")]))
            },
            kdfparams("n = 2^21", .parametersOutOfRange, "n", .number("2097152")),
            kdfparams("n = 2^60", .parametersOutOfRange, "n", .number("1152921504606846976")),
            kdfparams("n = 3", .parametersOutOfRange, "n", .number("3")),
            kdfparams("n = 1", .parametersOutOfRange, "n", .number("1")),
            kdfparams("n negative", .corruptFile, "n", .number("-2")),
            kdfparams("n fractional", .corruptFile, "n", .number("2.5")),
            kdfparams("n as string", .corruptFile, "n", .string("2")),
            kdfparams("r = 0", .parametersOutOfRange, "r", .number("0")),
            kdfparams("r = 1000", .parametersOutOfRange, "r", .number("1000")),
            kdfparams("p = 0", .parametersOutOfRange, "p", .number("0")),
            kdfparams("p = 10^6", .parametersOutOfRange, "p", .number("1000000")),
            kdfparams("dklen = 16", .parametersOutOfRange, "dklen", .number("16")),
            kdfparams("salt not hex", .corruptFile, "salt", .string("salt")),
            kdfparams("salt missing", .corruptFile, "salt", nil),
        ]
    }

    @Test("a damaged file gives the right kind of error", arguments: Damage.all)
    func damaged(damage: Damage) throws {
        let vector = try #require(KeystoreVector.geth.first { $0.name.hasSuffix("31_byte_key") })
        let text = damage.apply(vector.keystore)
        let error = #expect(throws: KeystoreError.self) {
            let keystore = try Keystore(json: text)
            _ = try keystore.decrypt(password: vector.password)
        }
        #expect(error?.kind == damage.kind, "\(error?.description ?? "no error")")
    }

    @Test("encrypt then decrypt gives the key back", arguments: [
        Keystore.KDF.scrypt(.init(n: 1024, r: 8, p: 1)),
        .scrypt(.init(n: 1024, r: 1, p: 2)),  // n ≥ 2^(16·r) is impossible here; r=1 still takes OpenSSL
        .scrypt(.init(n: 1 << 17, r: 1, p: 1)),  // OpenSSL refuses: our ROMix
        .pbkdf2(.init(iterations: 1000)),
    ])
    func roundTrip(kdf: Keystore.KDF) throws {
        let key = try PrivateKey(bytes: try Hex.decode("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))
        var rng = SeededGenerator(state: 42)
        let keystore = try Keystore.encrypt(key, password: "correct horse", kdf: kdf, using: &rng)
        let reread = try Keystore(json: keystore.json)
        #expect(reread == keystore)
        #expect(try reread.decrypt(password: "correct horse").address == key.address)
        #expect(try reread.decrypt(password: Array("correct horse".utf8)).address == key.address)
        let error = #expect(throws: KeystoreError.self) { try reread.decrypt(password: "correct horse ") }
        #expect(error?.kind == .wrongPassword)
        // Reproducible with the same seed, different with another.
        var same = SeededGenerator(state: 42)
        #expect(try Keystore.encrypt(key, password: "correct horse", kdf: kdf, using: &same).json == keystore.json)
        var other = SeededGenerator(state: 43)
        #expect(try Keystore.encrypt(key, password: "correct horse", kdf: kdf, using: &other).json != keystore.json)
    }

    @Test("encrypted files are laid out as geth writes them")
    func gethLayout() throws {
        let key = try PrivateKey(bytes: try Hex.decode("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))
        var rng = SeededGenerator(state: 7)
        let keystore = try Keystore.encrypt(key, password: [UInt8](), kdf: .scrypt(.init(n: 1024, r: 8, p: 1)), using: &rng)
        let json = keystore.json
        #expect(json.hasPrefix("{\"address\":\"\(Hex.encode(key.address.bytes, prefix: false))\",\"crypto\":{\"cipher\":\"aes-128-ctr\","))
        #expect(json.contains("\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":1024,\"p\":1,\"r\":8,\"salt\":\""))
        #expect(json.hasSuffix(",\"version\":3}"))
        #expect(!json.contains("0x"))
        // id: a version-4 UUID.
        let id = Array(keystore.id.utf8)
        #expect(id.count == 36)
        #expect(keystore.id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(id[14] == UInt8(ascii: "4"))
        #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(id[19]))
        #expect(try Keystore(json: json).decrypt(password: [UInt8]()).address == key.address)
    }

    @Test("the default parameters are geth's standard scrypt")
    func defaults() {
        #expect(Keystore.KDF.standard == .scrypt(.init(n: 262_144, r: 8, p: 1, derivedKeyLength: 32)))
    }

    @Test("a short IV is read as a number and left-padded")
    func shortIV() throws {
        // Find a seed whose IV starts with a zero byte, then drop that byte (and a nibble) from the file.
        let key = try PrivateKey(bytes: [UInt8](repeating: 7, count: 32))
        var seed: UInt64 = 0
        var keystore: Keystore
        repeat {
            seed += 1
            var rng = SeededGenerator(state: seed)
            keystore = try Keystore.encrypt(key, password: "pw", kdf: .pbkdf2(.init(iterations: 1)), using: &rng)
        } while keystore.iv[0] != 0 || keystore.iv[1] >= 0x10
        let ivHex = Hex.encode(keystore.iv, prefix: false)
        for shortened in [String(ivHex.dropFirst(2)), String(ivHex.dropFirst(3))] {
            let text = keystore.json.replacingOccurrences(of: "\"iv\":\"\(ivHex)\"", with: "\"iv\":\"\(shortened)\"")
            #expect(text != keystore.json)
            #expect(try Keystore(json: text).decrypt(password: "pw").address == key.address)
        }
    }

    @Test("a plaintext that is not a secp256k1 key is reported as an invalid key")
    func invalidKey() throws {
        // Encrypt the curve order n (not a valid key) by hand with the same primitives.
        let kdf = Keystore.KDF.pbkdf2(.init(iterations: 1))
        let salt: [UInt8] = [1, 2, 3]
        let iv = [UInt8](repeating: 9, count: 16)
        let derived = SecretBuffer(count: 32)
        let password = SecretBuffer(copying: Array("pw".utf8))
        try KeystoreCrypto.deriveKey(kdf, password: password, salt: salt, into: derived)
        let plaintext = Secp256k1.order.bigEndianBytes
        var ciphertext = [UInt8](repeating: 0, count: 32)
        try plaintext.withUnsafeBytes { input in
            try ciphertext.withUnsafeMutableBytes { output in
                try KeystoreCrypto.aes128CTR(key: derived.slice(0..<16), iv: iv, input: input, output: output)
            }
        }
        let mac = Keystore.mac(derivedKey: derived, ciphertext: ciphertext)
        let keystore = Keystore(id: "x", address: nil, kdf: kdf, salt: salt, iv: iv, ciphertext: ciphertext, mac: mac)
        let error = #expect(throws: KeystoreError.self) { try Keystore(json: keystore.json).decrypt(password: "pw") }
        #expect(error?.kind == .invalidKey)
    }

    /// RFC 7914 §12 test vectors: our ROMix and OpenSSL's scrypt must both give them.
    @Test("scrypt matches RFC 7914 by both implementations", arguments: [
        ("", "", 16, 1, 1,
         "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
        ("password", "NaCl", 1024, 8, 16,
         "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
    ])
    func scryptRFC7914(password: String, salt: String, n: Int, r: Int, p: Int, expected: String) throws {
        let params = Keystore.ScryptParameters(n: n, r: r, p: p, derivedKeyLength: 64)
        let viaOpenSSL = SecretBuffer(count: 64)
        try KeystoreCrypto.scrypt(params, password: SecretBuffer(copying: Array(password.utf8)), salt: Array(salt.utf8), into: viaOpenSSL)
        #expect(Hex.encode(viaOpenSSL.slice(0..<64), prefix: false) == expected)

        var ours = [UInt8](repeating: 0, count: 64)
        let passwordBytes = Array(password.utf8)
        try passwordBytes.withUnsafeBytes { pw in
            try ours.withUnsafeMutableBytes { out in
                try Scrypt.derive(password: pw, salt: Array(salt.utf8), n: n, r: r, p: p, into: out)
            }
        }
        #expect(Hex.encode(ours, prefix: false) == expected)
    }

    @Test("geth's r=1 vector needs our ROMix: OpenSSL refuses n >= 2^(16r) whatever maxmem")
    func openSSLLimit() {
        #expect(!KeystoreCrypto.openSSLAccepts(.init(n: 262_144, r: 1, p: 8)))
        #expect(KeystoreCrypto.openSSLAccepts(.standard))
        #expect(KeystoreCrypto.openSSLAccepts(.light))
        #expect(KeystoreCrypto.openSSLAccepts(.init(n: 2, r: 8, p: 1)))
    }

    @Test("the limits admit every standard parameter set and reject hostile ones")
    func limits() throws {
        try Keystore.KDF.standard.validate()
        try Keystore.KDF.scrypt(.light).validate()
        try Keystore.KDF.scrypt(.init(n: 1 << 19, r: 8, p: 1)).validate()
        try Keystore.KDF.pbkdf2(.standard).validate()
        for hostile in [
            Keystore.KDF.scrypt(.init(n: 1 << 20, r: 8, p: 1)),  // 1 GiB
            .scrypt(.init(n: 1 << 20, r: 1, p: 64)),  // work 2^26
            .scrypt(.init(n: 1 << 30, r: 1, p: 1)),
            .pbkdf2(.init(iterations: Int(Int32.max))),
        ] {
            #expect(throws: KeystoreError.self) { try hostile.validate() }
        }
    }

    @Test("descriptions never show secrets")
    func descriptions() throws {
        let vector = try #require(KeystoreVector.geth.first { $0.name.hasSuffix("31_byte_key") })
        let keystore = try Keystore(json: vector.keystore.text)
        #expect(!keystore.description.contains(Hex.encode(keystore.ciphertext, prefix: false)))
        let key = try keystore.decrypt(password: vector.password)
        #expect(!key.description.contains("fa7b3db7"))
    }
}
