/// The Solidity contract ABI encoding (`abi.encode`, calldata, return data) and its strict
/// decoding.
///
/// ## Encoding
/// ``encode(_:_:)`` checks every value against its type first (width, length, count), then
/// writes the whole encoding into one buffer of the exact size.
///
/// ## Strict decoding (the default)
/// The signer decodes untrusted calldata to check argument constraints, so two byte strings that
/// decode to the same values must not both be accepted: with `strict: true` the decoder accepts
/// exactly the canonical encoding that ``encode(_:_:)`` produces, and rejects
/// - padding that is not zero: high bits of `uintN`, sign extension of `intN`, the 12 high bytes
///   of an `address`, a `bool` other than 0 or 1, the low bytes of `bytesN`, and the tail
///   padding of `bytes` and `string`;
/// - offsets that do not point exactly at the end of the previous tail (no gaps, no shared or
///   backward tails, nothing into the head, nothing beyond the data);
/// - lengths that the remaining data cannot hold (checked before anything is allocated, so a
///   hostile length costs nothing);
/// - strings that are not UTF-8;
/// - bytes after the end of the encoding (Solidity ignores trailing calldata; a signer must not,
///   since the bytes it did not check would still reach the contract).
///
/// With `strict: false` the decoder follows what Solidity itself accepts: offsets may point
/// anywhere past the head that the data holds, tails may be shared, `bytes`/`string` padding is
/// not checked (and may be missing at the very end), invalid UTF-8 is replaced with U+FFFD, and
/// trailing bytes are ignored. Value padding (`uintN`, `intN`, `address`, `bool`, `bytesN`) is
/// checked in both modes, as Solidity's decoder does. Because shared tails can make small data
/// decode into many values, a lenient decode stops after `max(4096, data.count)` values (each
/// 32 bytes of `bytes` or `string` content counting as one), which bounds its memory.
public enum ABICodec {
    /// `abi.encode(values...)` for a parameter list of `types`.
    public static func encode(_ types: [ABIType], _ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        try encode(prefix: [], parameters: types.map { ABIParameter(type: $0) }, values)
    }

    /// `abi.encode` of a parameter list, naming parameters in errors.
    public static func encode(_ parameters: [ABIParameter], _ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        try encode(prefix: [], parameters: parameters, values)
    }

    /// The encoding of one value (a one-element parameter list: a dynamic value starts with its
    /// `0x20` offset).
    public static func encode(_ value: ABIValue, as type: ABIType) throws(ABIError) -> [UInt8] {
        try encode([type], [value])
    }

    /// Calldata: the 4-byte `selector` followed by the encoding of `values`.
    public static func encodeCall(selector: [UInt8], _ parameters: [ABIParameter], _ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        guard selector.count == 4 else {
            throw .valueMismatch("a selector is 4 bytes, not \(selector.count)")
        }
        return try encode(prefix: selector, parameters: parameters, values)
    }

    static func encode(prefix: [UInt8], parameters: [ABIParameter], _ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        guard parameters.count == values.count else {
            throw .valueMismatch("expected \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), got \(values.count)")
        }
        let count = parameters.count
        // One pass checks the values and measures them; the sizes and dynamic flags it finds
        // (kept on the stack) place the heads and tails in the second, writing pass.
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(count, 1)) { (sizes) throws(ABIError) -> [UInt8] in
            var headSize = 0
            var total = 0
            for i in 0..<count {
                let type = parameters[i].type
                let valueSize: Int
                do throws(ABIError) {
                    valueSize = try ABIEncoder.size(of: values[i], as: type)
                } catch {
                    throw error.under(.argument(i, name: parameters[i].name))
                }
                // Negative: a dynamic value's tail size; positive: a static value's head size.
                if type.isDynamic {
                    sizes[i] = -valueSize
                    headSize += 32
                    total += 32 + valueSize
                } else {
                    sizes[i] = valueSize
                    headSize += valueSize
                    total += valueSize
                }
            }
            var out = [UInt8](repeating: 0, count: prefix.count + total)
            out.withUnsafeMutableBytes { raw in
                for (i, b) in prefix.enumerated() { raw[i] = b }
                var encoder = ABIEncoder(buffer: raw)
                let base = prefix.count
                var head = base
                var tail = base + headSize
                for i in 0..<count {
                    let size = sizes[i]
                    if size < 0 || (size == 0 && parameters[i].type.isDynamic) {
                        encoder.writeOffset(tail - base, at: head)
                        tail = encoder.write(values[i], as: parameters[i].type, at: tail)
                        head += 32
                    } else {
                        _ = encoder.write(values[i], as: parameters[i].type, at: head)
                        head += size
                    }
                }
            }
            return out
        }
    }

    /// Decodes `abi.encode` output for the parameter list `types`.
    public static func decode(_ types: [ABIType], from data: [UInt8], strict: Bool = true) throws(ABIError) -> [ABIValue] {
        try decode(types.map { ABIParameter(type: $0) }, from: data, at: 0, strict: strict)
    }

    /// Decodes one value encoded by ``encode(_:as:)``.
    public static func decode(_ type: ABIType, from data: [UInt8], strict: Bool = true) throws(ABIError) -> ABIValue {
        let values = try decode([type], from: data, strict: strict)
        return values[0]
    }

    /// Decodes a parameter list from `data[start...]`, naming parameters in errors.
    public static func decode(_ parameters: [ABIParameter], from data: [UInt8], at start: Int = 0, strict: Bool = true) throws(ABIError) -> [ABIValue] {
        precondition(start >= 0 && start <= data.count, "start is outside the data")
        for (i, parameter) in parameters.enumerated() {
            do throws(ABIError) {
                try parameter.type.validate()
            } catch {
                throw error.under(.argument(i, name: parameter.name))
            }
        }
        let result: Result<[ABIValue], ABIError> = data.withUnsafeBytes { raw in
            var decoder = ABIDecoder(data: raw, strict: strict)
            do throws(ABIError) {
                let (values, end) = try decoder.decodeBlock(parameters, at: start)
                if strict, end != raw.count {
                    throw ABIError.decoding(
                        .trailingBytes,
                        "\(raw.count - end) byte\(raw.count - end == 1 ? "" : "s") after the end of the canonical encoding (\(end - start) bytes); strict decoding rejects bytes it cannot account for (a contract would ignore them; a signer must not)",
                        path: ABIPath()
                    )
                }
                return .success(values)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
