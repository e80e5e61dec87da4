// Decodable shapes of tx_legacy_eip155.json, tx_eip2930.json and tx_eip1559.json, and the
// conversions from their JSON fields to transactions. Field spellings vary by source (see each
// file's `format`): quantities are JSON numbers, decimal strings or 0x-hex strings; eth-account
// says "gas" where the others say "gasLimit"; an absent field is zero or empty.

import EVM
import Testing

/// A quantity written as a JSON number, a decimal string, a 0x-hex string, or "" (zero).
struct TxQuantity: Decodable, Sendable {
    let value: U256

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(UInt64.self) {
            value = U256(n)
            return
        }
        let text = try container.decode(String.self)
        let parsed: U256?
        if text.isEmpty || text == "0x" {
            parsed = .zero
        } else if text.hasPrefix("0x") {
            parsed = U256(hex: text)
        } else {
            parsed = U256(decimal: text)
        }
        guard let parsed else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a quantity: \(text)")
        }
        value = parsed
    }
}

/// Why a vector's fields do not make a transaction (a bug in the harness, never in the file).
struct TxVectorError: Error, CustomStringConvertible {
    let description: String
}

struct TxAccessListEntryJSON: Decodable, Sendable {
    let address: String
    let storageKeys: [String]
}

/// The union of the transaction field names the three files use.
struct TxFieldsJSON: Decodable, Sendable {
    var nonce: TxQuantity?
    var gasPrice: TxQuantity?
    var gasLimit: TxQuantity?
    var gas: TxQuantity?
    var maxFeePerGas: TxQuantity?
    var maxPriorityFeePerGas: TxQuantity?
    var to: String?
    var value: TxQuantity?
    var data: String?
    var chainId: TxQuantity?
    var accessList: [TxAccessListEntryJSON]?
    var type: TxQuantity?
    var v: TxQuantity?
    var r: TxQuantity?
    var s: TxQuantity?

    private func uint64(_ q: TxQuantity?, _ name: String) throws -> UInt64 {
        guard let q else { return 0 }
        guard let v = q.value.uint64 else { throw TxVectorError(description: "\(name) exceeds 64 bits") }
        return v
    }

    var recipient: Address? {
        get throws {
            guard let to, !to.isEmpty else { return nil }
            return try Address(to)
        }
    }

    var bytes: [UInt8] { get throws { try [UInt8](hex: data ?? "0x") } }

    var entries: [AccessListEntry] {
        get throws {
            try (accessList ?? []).map { entry in
                AccessListEntry(
                    address: try Address(entry.address),
                    storageKeys: try entry.storageKeys.map { key in
                        let b = try [UInt8](hex: key)
                        guard b.count == 32, let word = U256(bigEndian: b) else {
                            throw TxVectorError(description: "storage key \(key) is not 32 bytes")
                        }
                        return word
                    })
            }
        }
    }

    /// A legacy transaction; `chainId` chooses EIP-155 (non-nil) or pre-EIP-155 (nil).
    func legacy(chainId: UInt64?) throws -> Transaction {
        .legacy(
            LegacyTransaction(
                chainId: chainId, nonce: try uint64(nonce, "nonce"), gasPrice: gasPrice?.value ?? .zero,
                gasLimit: try uint64(gasLimit ?? gas, "gasLimit"), to: try recipient, value: value?.value ?? .zero,
                data: try bytes))
    }

    /// The legacy transaction with the chain id written in the fields (nil when absent).
    func legacy() throws -> Transaction {
        try legacy(chainId: chainId.map { try uint64($0, "chainId") })
    }

    /// A transaction of `type`; an absent chain id is 0 for typed transactions.
    func transaction(_ type: TransactionType) throws -> Transaction {
        switch type {
        case .legacy:
            return try legacy()
        case .accessList:
            return .accessList(
                AccessListTransaction(
                    chainId: try uint64(chainId, "chainId"), nonce: try uint64(nonce, "nonce"),
                    gasPrice: gasPrice?.value ?? .zero, gasLimit: try uint64(gasLimit ?? gas, "gasLimit"),
                    to: try recipient, value: value?.value ?? .zero, data: try bytes, accessList: try entries))
        case .dynamicFee:
            return .dynamicFee(
                DynamicFeeTransaction(
                    chainId: try uint64(chainId, "chainId"), nonce: try uint64(nonce, "nonce"),
                    maxPriorityFeePerGas: maxPriorityFeePerGas?.value ?? .zero,
                    maxFeePerGas: maxFeePerGas?.value ?? .zero, gasLimit: try uint64(gasLimit ?? gas, "gasLimit"),
                    to: try recipient, value: value?.value ?? .zero, data: try bytes, accessList: try entries))
        }
    }

    /// The signature written in the fields (`v` is the y parity of a typed transaction).
    var signature: Signature {
        get throws {
            guard let v = v?.value.uint64, v <= 1, let r, let s else {
                throw TxVectorError(description: "expected v (0 or 1), r and s")
            }
            return Signature(r: r.value, s: s.value, recoveryID: UInt8(v))
        }
    }
}

/// `{r, s, v}` as 0x-hex.
struct TxSignatureJSON: Decodable, Sendable {
    let r: TxQuantity
    let s: TxQuantity
    let v: TxQuantity
}

// MARK: - Sections shared by the three files

/// sign_vectors: private key + fields -> signed raw (and, where the source gives them, payload,
/// hashes, v, r, s).
struct TxSignVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let tx: TxFieldsJSON
    let private_key: String
    let pre_eip155: Bool?
    let expected_signing_payload: String?
    let expected_signing_hash: String?
    let expected_signed_raw: String
    let expected_hash: String?
    let expected_v: TxQuantity?
    let expected_r_decimal: String?
    let expected_s_decimal: String?
    var testDescription: String { name }
}

/// encode_vectors: fields with a signature -> signed raw and signing hash.
struct TxEncodeVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let tx_with_signature: TxFieldsJSON
    let expected_signed_raw: String
    let expected_signing_hash: String
    var testDescription: String { name }
}

/// ethers testcases for typed transactions.
struct TxEthersTypedVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let private_key: String
    let tx: TxFieldsJSON
    let expected_unsigned: String
    let expected_signed_raw: String
    let expected_signature: TxSignatureJSON
    var testDescription: String { name }
}

/// ethers testcases for legacy transactions: pre-EIP-155 always, EIP-155 when a chain id is given.
struct TxEthersLegacyVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let private_key: String
    let tx: TxFieldsJSON
    let expected_unsigned_legacy: String
    let expected_signed_legacy: String
    let expected_signature_legacy: TxSignatureJSON
    let expected_unsigned_eip155: String?
    let expected_signed_eip155: String?
    let expected_signature_eip155: TxSignatureJSON?
    var testDescription: String { name }
}

/// ethereum/tests TransactionTests that must decode, with their hash and sender.
struct TxDecodeVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let tx_type: Int
    let signed_raw: String
    let expected_hash: String
    let expected_sender: String
    var testDescription: String { name }
}

/// ethereum/tests TransactionTests that must be rejected.
struct TxInvalidVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let file: String
    let signed_raw: String
    let expected_exception: String
    var testDescription: String { "\(name) (\(label))" }

    /// The exception name without retesteth's `TransactionException.` prefix.
    var label: String {
        let prefix = "TransactionException."
        return expected_exception.hasPrefix(prefix) ? String(expected_exception.dropFirst(prefix.count)) : expected_exception
    }
}

struct TxRecoverVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let signed_raw: String
    let expected_sender: String
    var testDescription: String { name }
}

struct TxLegacyFile: Decodable, Sendable {
    let sign_vectors: [TxSignVector]
    let ethers: [TxEthersLegacyVector]
    let decode_vectors: [TxDecodeVector]
    let decode_invalid: [TxInvalidVector]
    let recover_example: [TxRecoverVector]
}

struct TxTypedFile: Decodable, Sendable {
    let sign_vectors: [TxSignVector]
    let encode_vectors: [TxEncodeVector]
    let ethers: [TxEthersTypedVector]
    let decode_vectors: [TxDecodeVector]
    let decode_invalid: [TxInvalidVector]
}

extension TxInvalidVector {
    /// The error kinds that fit retesteth's label: decoding errors for encoding and signature
    /// faults, ``TransactionError/Kind/invalidTransaction`` (from `validate()`) for value rules.
    var acceptableKinds: Set<TransactionError.Kind> {
        switch label {
        case "GASLIMIT_PRICE_PRODUCT_OVERFLOW", "PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
            "PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS_2", "NONCE_IS_MAX", "INTRINSIC_GAS_TOO_LOW",
            "INITCODE_SIZE_EXCEEDED":
            return [.invalidTransaction]
        case "INVALID_CHAINID":
            return [.invalidChainID, .chainIDMismatch]
        case "INVALID_SIGNATURE_VRS":
            // r or s out of range or too wide, or v = 0 with empty r and s.
            return [.invalidSignature, .invalidField, .invalidChainID]
        case "EC_RECOVERY_FAIL":
            return [.recoveryFailed, .invalidSignature]
        case "RLP_TOO_FEW_ELEMENTS", "RLP_TOO_MANY_ELEMENTS":
            return [.fieldCount]
        case "GASLIMIT_OVERFLOW", "GASPRICE_OVERFLOW", "PRIORITY_OVERFLOW":
            return [.invalidField]
        case _ where label.hasPrefix("RLP_ERROR_SIZE"):
            // A byte inserted or zeroed somewhere: whichever structure it breaks first.
            return [.malformed, .fieldCount, .invalidField]
        case _ where label.hasPrefix("ADDRESS_TOO") || label.hasPrefix("RLP_INVALID")
            || label.hasPrefix("RLP_LEADING_ZEROS"):
            // Leading zeros inside a single-byte or length prefix are the RLP layer's to find.
            return [.invalidField, .malformed]
        default:
            return []
        }
    }
}

/// Hex from a vector, or a harness failure.
func txHex(_ text: String) throws -> [UInt8] { try [UInt8](hex: text) }
