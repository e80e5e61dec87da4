// Reading and writing the keystore's JSON.

extension Keystore {
    /// Reads a keystore file's JSON text.
    ///
    /// Accepts the `crypto` object under `"crypto"` or `"Crypto"` (MyEtherWallet, ethers), with or
    /// without an `address`, and ignores vendor fields (`x-ethers`, `name`, `meta`). An IV shorter
    /// than 16 bytes, or written with an odd number of hex digits, is read as the big-endian
    /// number it spells and left-padded (as eth-keyfile reads it). Checks that the KDF parameters
    /// are within ``Limits`` so a hostile file is rejected before any work.
    ///
    /// - Throws: ``KeystoreError`` of kind `.corruptFile` (not JSON, missing or mistyped field,
    ///   bad hex, wrong lengths), `.unsupportedFormat` (version, kdf, prf or cipher) or
    ///   `.parametersOutOfRange`.
    public init(json: some StringProtocol) throws(KeystoreError) {
        try self.init(jsonBytes: Array(String(json).utf8))
    }

    /// Reads a keystore file's JSON bytes (UTF-8).
    public init(jsonBytes: some Collection<UInt8>) throws(KeystoreError) {
        let root: [String: JSONValue]
        do {
            guard let object = try JSONValue.parse(jsonBytes).objectValue else {
                throw KeystoreError.corrupt("the document is not a JSON object")
            }
            root = object
        } catch let error as JSONValueError {
            throw .corrupt("not valid JSON (\(error))", cause: error)
        } catch let error as KeystoreError {
            throw error
        } catch {
            throw .corrupt("not valid JSON", cause: error)
        }

        let version = try Self.integer(root, "version", path: "")
        guard version == 3 else { throw .unsupported("version \(version) (expected 3)") }

        let crypto: [String: JSONValue]
        switch (root["crypto"], root["Crypto"]) {
        case (.some, .some): throw .corrupt("both 'crypto' and 'Crypto' are present")
        case (.some(let value), nil), (nil, .some(let value)):
            guard let object = value.objectValue else { throw .corrupt("'crypto' is \(value.kindDescription), not an object") }
            crypto = object
        case (nil, nil): throw .corrupt("the 'crypto' object is missing")
        }

        let cipher = try Self.string(crypto, "cipher", path: "crypto.")
        guard cipher == "aes-128-ctr" else { throw .unsupported("cipher '\(Self.printable(cipher))'") }
        let cipherParams = try Self.object(crypto, "cipherparams", path: "crypto.")
        let iv = try Self.iv(Self.string(cipherParams, "iv", path: "crypto.cipherparams."))
        let ciphertext = try Self.hex(crypto, "ciphertext", path: "crypto.")
        let mac = try Self.hex(crypto, "mac", path: "crypto.")

        let kdfName = try Self.string(crypto, "kdf", path: "crypto.")
        let kdfParams = try Self.object(crypto, "kdfparams", path: "crypto.")
        let path = "crypto.kdfparams."
        let dkLen = try Self.integer(kdfParams, "dklen", path: path)
        let kdf: KDF
        switch kdfName {
        case "scrypt":
            kdf = .scrypt(
                ScryptParameters(
                    n: try Self.integer(kdfParams, "n", path: path), r: try Self.integer(kdfParams, "r", path: path),
                    p: try Self.integer(kdfParams, "p", path: path), derivedKeyLength: dkLen))
        case "pbkdf2":
            let prf = try Self.string(kdfParams, "prf", path: path)
            guard prf == "hmac-sha256" else { throw .unsupported("pbkdf2 prf '\(Self.printable(prf))'") }
            kdf = .pbkdf2(PBKDF2Parameters(iterations: try Self.integer(kdfParams, "c", path: path), derivedKeyLength: dkLen))
        default:
            throw .unsupported("kdf '\(Self.printable(kdfName))'")
        }
        let salt = try Self.hex(kdfParams, "salt", path: path)

        var address: Address?
        if let value = root["address"], value != .null {
            guard let text = value.stringValue else { throw .corrupt("'address' is \(value.kindDescription), not a string") }
            do {
                address = try Address(text)
            } catch {
                throw .corrupt("'address' is not an address (\(error))", cause: error)
            }
        }
        let id: String
        switch root["id"] {
        case .string(let text): id = text
        case nil, .null: id = ""
        case .some(let value): throw .corrupt("'id' is \(value.kindDescription), not a string")
        }

        self.init(id: id, address: address, kdf: kdf, salt: salt, iv: iv, ciphertext: ciphertext, mac: mac)
        try validate()
    }

    /// The keystore as JSON text, laid out as geth writes it: `address` in lowercase hex without
    /// `0x`, then `crypto`, `id` and `version`; hex fields lowercase without `0x`.
    public var json: String {
        var out = "{"
        if let address { out += "\"address\":\"\(Hex.encode(address.bytes, prefix: false))\"," }
        out += "\"crypto\":{\"cipher\":\"aes-128-ctr\",\"ciphertext\":\"\(Hex.encode(ciphertext, prefix: false))\","
        out += "\"cipherparams\":{\"iv\":\"\(Hex.encode(iv, prefix: false))\"},"
        switch kdf {
        case .scrypt(let p):
            out += "\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":\(p.derivedKeyLength),\"n\":\(p.n),\"p\":\(p.p),\"r\":\(p.r),"
        case .pbkdf2(let p):
            out += "\"kdf\":\"pbkdf2\",\"kdfparams\":{\"c\":\(p.iterations),\"dklen\":\(p.derivedKeyLength),\"prf\":\"hmac-sha256\","
        }
        out += "\"salt\":\"\(Hex.encode(salt, prefix: false))\"},\"mac\":\"\(Hex.encode(mac, prefix: false))\"},"
        var idLiteral = ""
        JSONValue.writeString(id, to: &idLiteral)
        out += "\"id\":\(idLiteral),\"version\":3}"
        return out
    }

    // MARK: Field readers

    private static func field(_ object: [String: JSONValue], _ key: String, path: String) throws(KeystoreError) -> JSONValue {
        guard let value = object[key] else { throw .corrupt("'\(path)\(key)' is missing") }
        return value
    }

    private static func string(_ object: [String: JSONValue], _ key: String, path: String) throws(KeystoreError) -> String {
        let value = try field(object, key, path: path)
        guard let text = value.stringValue else { throw .corrupt("'\(path)\(key)' is \(value.kindDescription), not a string") }
        return text
    }

    private static func object(
        _ object: [String: JSONValue], _ key: String, path: String
    ) throws(KeystoreError) -> [String: JSONValue] {
        let value = try field(object, key, path: path)
        guard let inner = value.objectValue else { throw .corrupt("'\(path)\(key)' is \(value.kindDescription), not an object") }
        return inner
    }

    /// A non-negative integer written as a JSON number without fraction or exponent (at most 12
    /// digits, far above every limit, so the value always fits an `Int`).
    private static func integer(_ object: [String: JSONValue], _ key: String, path: String) throws(KeystoreError) -> Int {
        let value = try field(object, key, path: path)
        guard case .number(let text) = value else { throw .corrupt("'\(path)\(key)' is \(value.kindDescription), not a number") }
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .corrupt("'\(path)\(key)' = \(text.prefix(20)) is not a non-negative integer")
        }
        guard text.utf8.count <= 12, let n = Int(text) else {
            throw .outOfRange("'\(path)\(key)' = \(text.prefix(20)) is far too large")
        }
        return n
    }

    private static func hex(_ object: [String: JSONValue], _ key: String, path: String) throws(KeystoreError) -> [UInt8] {
        let text = try string(object, key, path: path)
        do {
            return try Hex.decode(text)
        } catch {
            throw .corrupt("'\(path)\(key)' is not hex (\(error))", cause: error)
        }
    }

    /// The IV as the big-endian number it spells, left-padded to 16 bytes.
    private static func iv(_ text: String) throws(KeystoreError) -> [UInt8] {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.utf8.count <= 32 else {
            throw .corrupt("'crypto.cipherparams.iv' must have 1 to 32 hex digits, got \(digits.utf8.count)")
        }
        let padded = String(repeating: "0", count: 32 - digits.utf8.count) + digits
        do {
            return try Hex.decode(padded)
        } catch {
            throw .corrupt("'crypto.cipherparams.iv' is not hex (\(error))", cause: error)
        }
    }

    /// A file-supplied name, shortened and stripped to printable ASCII for an error message.
    private static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(40).filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f }))
    }
}
