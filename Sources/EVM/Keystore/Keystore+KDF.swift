extension Keystore {
    /// The key-derivation function of a keystore, with its cost parameters (the salt is kept in
    /// ``Keystore/salt``).
    public enum KDF: Hashable, Sendable {
        /// scrypt (RFC 7914).
        case scrypt(ScryptParameters)
        /// PBKDF2 with HMAC-SHA256 (the only PRF geth writes or reads).
        case pbkdf2(PBKDF2Parameters)

        /// geth's standard: scrypt n=262144, r=8, p=1, dklen=32 (about 256 MiB and a second).
        public static let standard = KDF.scrypt(.standard)

        /// The `kdf` name written in the file.
        public var name: String {
            switch self {
            case .scrypt: "scrypt"
            case .pbkdf2: "pbkdf2"
            }
        }

        /// The derived key length in bytes.
        public var derivedKeyLength: Int {
            switch self {
            case .scrypt(let p): p.derivedKeyLength
            case .pbkdf2(let p): p.derivedKeyLength
            }
        }

        /// Throws ``KeystoreError/Kind/parametersOutOfRange`` unless the parameters are within
        /// ``Keystore/Limits``.
        public func validate() throws(KeystoreError) {
            switch self {
            case .scrypt(let p): try p.validate()
            case .pbkdf2(let p): try p.validate()
            }
        }
    }

    /// scrypt cost parameters.
    public struct ScryptParameters: Hashable, Sendable {
        /// CPU/memory cost N: a power of two.
        public var n: Int
        /// Block size r.
        public var r: Int
        /// Parallelisation p.
        public var p: Int
        /// Derived key length (32 bytes in every keystore in use).
        public var derivedKeyLength: Int

        public init(n: Int, r: Int, p: Int, derivedKeyLength: Int = 32) {
            self.n = n
            self.r = r
            self.p = p
            self.derivedKeyLength = derivedKeyLength
        }

        /// geth's `StandardScryptN`/`StandardScryptP`: n=262144, r=8, p=1.
        public static let standard = ScryptParameters(n: 262_144, r: 8, p: 1)
        /// geth's `LightScryptN`/`LightScryptP`: n=4096, r=8, p=6 (for constrained devices).
        public static let light = ScryptParameters(n: 4096, r: 8, p: 6)

        /// Bytes scrypt allocates: 128·r·(n + p + 2) (the V array, B and the work blocks);
        /// `Int.max` if that overflows.
        public var memoryBytes: Int {
            let (blocks, o1) = n.addingReportingOverflow(p.addingReportingOverflow(2).overflow ? .max : p + 2)
            let (perBlock, o2) = r.multipliedReportingOverflow(by: 128)
            let (total, o3) = blocks.multipliedReportingOverflow(by: perBlock)
            return o1 || o2 || o3 ? .max : total
        }

        /// Throws ``KeystoreError/Kind/parametersOutOfRange`` unless within ``Keystore/Limits``.
        public func validate() throws(KeystoreError) {
            guard n >= 2, n <= Limits.maximumScryptN, n & (n - 1) == 0 else {
                throw .outOfRange("scrypt n=\(n) must be a power of two from 2 to \(Limits.maximumScryptN)")
            }
            guard r >= 1, r <= Limits.maximumScryptR else {
                throw .outOfRange("scrypt r=\(r) must be from 1 to \(Limits.maximumScryptR)")
            }
            guard p >= 1, p <= Limits.maximumScryptP else {
                throw .outOfRange("scrypt p=\(p) must be from 1 to \(Limits.maximumScryptP)")
            }
            guard 128 * r * n <= Limits.maximumScryptMemory else {
                throw .outOfRange(
                    "scrypt n=\(n) r=\(r) needs \((128 * r * n) >> 20) MiB, more than the \(Limits.maximumScryptMemory >> 20) MiB allowed")
            }
            guard n * r * p <= Limits.maximumScryptWork else {
                throw .outOfRange("scrypt n·r·p = \(n * r * p) exceeds the work limit \(Limits.maximumScryptWork)")
            }
            try Limits.checkDerivedKeyLength(derivedKeyLength)
        }
    }

    /// PBKDF2-HMAC-SHA256 cost parameters.
    public struct PBKDF2Parameters: Hashable, Sendable {
        /// Iteration count c.
        public var iterations: Int
        /// Derived key length (32 bytes in every keystore in use).
        public var derivedKeyLength: Int

        public init(iterations: Int, derivedKeyLength: Int = 32) {
            self.iterations = iterations
            self.derivedKeyLength = derivedKeyLength
        }

        /// 262144 iterations, as in the Web3 Secret Storage examples.
        public static let standard = PBKDF2Parameters(iterations: 262_144)

        /// Throws ``KeystoreError/Kind/parametersOutOfRange`` unless within ``Keystore/Limits``.
        public func validate() throws(KeystoreError) {
            guard iterations >= 1, iterations <= Limits.maximumPBKDF2Iterations else {
                throw .outOfRange("pbkdf2 c=\(iterations) must be from 1 to \(Limits.maximumPBKDF2Iterations)")
            }
            try Limits.checkDerivedKeyLength(derivedKeyLength)
        }
    }

    /// Bounds on what a keystore file may ask of us, so that a hostile or damaged file cannot
    /// make the signer allocate gigabytes or compute for hours. They leave ample room above
    /// every parameter set geth, ethers, eth-keyfile, MyEtherWallet or Parity write
    /// (geth's standard scrypt uses 256 MiB and n·r·p = 2^21).
    public enum Limits {
        /// scrypt n at most 2^20.
        public static let maximumScryptN = 1 << 20
        /// scrypt r at most 32.
        public static let maximumScryptR = 32
        /// scrypt p at most 64.
        public static let maximumScryptP = 64
        /// scrypt's main array, 128·r·n bytes, at most 512 MiB (twice geth's standard); the rest
        /// of scrypt's memory, 128·r·(p + 2), is at most 264 KiB within the other bounds.
        public static let maximumScryptMemory = 512 << 20
        /// scrypt work n·r·p at most 2^24 (eight times geth's standard: seconds, not hours).
        public static let maximumScryptWork = 1 << 24
        /// PBKDF2 iterations at most 10,000,000.
        public static let maximumPBKDF2Iterations = 10_000_000
        /// Derived key length from 32 (16 for AES, 16 for the MAC) to 64 bytes.
        public static let derivedKeyLengths = 32...64
        /// Salt at most 1024 bytes.
        public static let maximumSaltLength = 1024

        static func checkDerivedKeyLength(_ length: Int) throws(KeystoreError) {
            guard derivedKeyLengths.contains(length) else {
                throw .outOfRange("dklen=\(length) must be from 32 to 64")
            }
        }
    }
}
