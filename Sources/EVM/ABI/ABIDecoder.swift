/// Reads ABI encodings, strictly or leniently (see ``ABICodec`` for what each mode accepts).
///
/// Positions are absolute byte indices into `data`; offsets in the encoding are relative to the
/// start of the block (tuple, fixed array, or array content after its length word) that holds
/// them.
struct ABIDecoder {
    let data: UnsafeRawBufferPointer
    let strict: Bool
    /// Words a lenient decode may still produce (shared tails can multiply them): each value and
    /// each 32 bytes of `bytes`/`string` content costs one.
    private var budget: Int

    init(data: UnsafeRawBufferPointer, strict: Bool) {
        self.data = data
        self.strict = strict
        self.budget = Swift.max(4096, data.count)
    }

    /// Decodes a top-level parameter list at `base`; returns the values and where the encoding
    /// ends.
    mutating func decodeBlock(_ parameters: [ABIParameter], at base: Int) throws(ABIError) -> ([ABIValue], Int) {
        try block(parameters.lazy.map { $0.type }, at: base) { .argument($0, name: parameters[$0].name) }
    }

    private mutating func block<Types: Collection<ABIType>>(
        _ types: Types, at base: Int, component: (Int) -> ABIPath.Component
    ) throws(ABIError) -> ([ABIValue], Int) {
        var headSize = 0
        for type in types { headSize += type.headSize }
        guard headSize <= data.count - base else {
            throw .decoding(
                .truncated,
                "the data ends \(data.count - base) bytes after position \(base), but the head of \(types.count) value\(types.count == 1 ? "" : "s") there needs \(headSize)",
                path: ABIPath()
            )
        }
        var values = [ABIValue]()
        values.reserveCapacity(types.count)
        var head = base
        var cursor = base + headSize
        var end = cursor
        for (i, type) in types.enumerated() {
            do throws(ABIError) {
                if type.isDynamic {
                    let target = try readOffset(at: head, base: base, headSize: headSize)
                    if strict, target != cursor {
                        throw ABIError.decoding(
                            .invalidOffset,
                            "offset \(target - base) at position \(head) is not canonical: the value must start at offset \(cursor - base), right after the previous one (strict decoding rejects gaps, shared and reordered tails)",
                            path: ABIPath()
                        )
                    }
                    let (value, valueEnd) = try dynamicValue(type, at: target)
                    values.append(value)
                    cursor = valueEnd
                    end = Swift.max(end, valueEnd)
                    head += 32
                } else {
                    values.append(try staticValue(type, at: head))
                    head += type.headSize
                }
            } catch {
                throw error.under(component(i))
            }
        }
        return (values, strict ? cursor : end)
    }

    /// Reads an offset word at `position` and returns the absolute position it points at.
    private func readOffset(at position: Int, base: Int, headSize: Int) throws(ABIError) -> Int {
        let (w3, w2, w1, w0) = word(at: position)
        guard w3 | w2 | w1 == 0, w0 <= UInt64(data.count - base) else {
            throw .decoding(
                .invalidOffset,
                "offset \(U256(w0: w0, w1: w1, w2: w2, w3: w3).hexQuantity) at position \(position) points beyond the end of the data (\(data.count) bytes)",
                path: ABIPath()
            )
        }
        let offset = Int(w0)
        guard offset >= headSize else {
            throw .decoding(
                .invalidOffset,
                "offset \(offset) at position \(position) points into the head (\(headSize) bytes) of its own block",
                path: ABIPath()
            )
        }
        return base + offset
    }

    /// Reads a length word at `position` that counts items of `itemSize` bytes following it.
    private mutating func readLength(at position: Int, itemSize: Int, what: String) throws(ABIError) -> Int {
        guard 32 <= data.count - position else {
            throw .decoding(.truncated, "the data ends before the length of the \(what) at position \(position)", path: ABIPath())
        }
        let (w3, w2, w1, w0) = word(at: position)
        let available = (data.count - position - 32) / itemSize
        guard w3 | w2 | w1 == 0, w0 <= UInt64(available) else {
            throw .decoding(
                .invalidLength,
                "length \(U256(w0: w0, w1: w1, w2: w2, w3: w3).decimalString) of the \(what) at position \(position) exceeds what the remaining \(data.count - position - 32) bytes can hold",
                path: ABIPath()
            )
        }
        try spend(1 + Int(w0) * itemSize / 32)
        return Int(w0)
    }

    /// Counts `words` of decoded output against the lenient budget.
    private mutating func spend(_ words: Int = 1) throws(ABIError) {
        guard !strict else { return }
        budget -= words
        guard budget >= 0 else {
            throw .decoding(
                .invalidOffset,
                "the data decodes into more than \(Swift.max(4096, data.count)) words of values through shared tails; refusing to expand it further",
                path: ABIPath()
            )
        }
    }

    // MARK: Values

    private mutating func staticValue(_ type: ABIType, at p: Int) throws(ABIError) -> ABIValue {
        switch type {
        case .fixedArray(let element, let count):
            return .array(try block(repeatElement(element, count: count), at: p) { .element($0) }.0)
        case .tuple(let components):
            return .tuple(try block(components.lazy.map { $0.type }, at: p) { .field($0, name: components[$0].name) }.0)
        default:
            try spend()
            return try scalar(type, at: p)
        }
    }

    private mutating func dynamicValue(_ type: ABIType, at p: Int) throws(ABIError) -> (ABIValue, Int) {
        switch type {
        case .bytes, .string:
            let what = type == .bytes ? "bytes" : "string"
            let length = try readLength(at: p, itemSize: 1, what: what)
            let start = p + 32
            let padded = ABIEncoder.paddedLength(length)
            var end = start + padded
            if strict {
                guard padded <= data.count - start else {
                    throw .decoding(.truncated, "the \(what) at position \(p) lacks its zero padding to a multiple of 32 bytes", path: ABIPath())
                }
                for i in (start + length)..<end where data[i] != 0 {
                    throw .decoding(
                        .dirtyPadding,
                        "the padding after the \(length)-byte \(what) at position \(p) has a nonzero byte at position \(i)",
                        path: ABIPath()
                    )
                }
            } else {
                end = Swift.min(end, data.count)
            }
            let bytes = UnsafeRawBufferPointer(rebasing: data[start..<(start + length)])
            if type == .bytes { return (.bytes(Array(bytes)), end) }
            if let text = String(validating: bytes, as: UTF8.self) { return (.string(text), end) }
            guard !strict else {
                throw .decoding(.invalidUTF8, "the string at position \(p) is not valid UTF-8; decode it as bytes instead", path: ABIPath())
            }
            return (.string(String(decoding: bytes, as: UTF8.self)), end)
        case .array(let element):
            let count = try readLength(at: p, itemSize: Swift.max(element.headSize, 1), what: "\(type.canonicalName) array")
            let (values, end) = try block(repeatElement(element, count: count), at: p + 32) { .element($0) }
            return (.array(values), end)
        case .fixedArray(let element, let count):
            let (values, end) = try block(repeatElement(element, count: count), at: p) { .element($0) }
            return (.array(values), end)
        case .tuple(let components):
            let (values, end) = try block(components.lazy.map { $0.type }, at: p) { .field($0, name: components[$0].name) }
            return (.tuple(values), end)
        default:
            preconditionFailure("dynamicValue called with static type \(type)")
        }
    }

    private func scalar(_ type: ABIType, at p: Int) throws(ABIError) -> ABIValue {
        let (w3, w2, w1, w0) = word(at: p)
        let v = U256(w0: w0, w1: w1, w2: w2, w3: w3)
        switch type {
        case .uint(let bits):
            guard v.bitLength <= bits else {
                throw dirty("uint\(bits) word \(hexWord(at: p)) has nonzero bits above its low \(bits); a canonical encoding pads uintN with zeros", at: p)
            }
            return .uint(v)
        case .int(let bits):
            if bits < 256 {
                let negative = v.bit(bits - 1)
                let high = v >> bits
                guard high == (negative ? U256.max >> bits : .zero) else {
                    throw dirty("int\(bits) word \(hexWord(at: p)) is not sign-extended from bit \(bits - 1); a canonical encoding fills the high bits with the sign", at: p)
                }
            }
            return .int(I256(bits: v))
        case .address:
            guard w3 == 0, w2 >> 32 == 0 else {
                throw dirty("address word \(hexWord(at: p)) has nonzero high 12 bytes; an address is 20 bytes, left-padded with zeros", at: p)
            }
            guard let address = Address(bytes: UnsafeRawBufferPointer(rebasing: data[(p + 12)..<(p + 32)])) else {
                preconditionFailure("20 bytes are an address")
            }
            return .address(address)
        case .bool:
            guard w3 | w2 | w1 == 0, w0 <= 1 else {
                throw .decoding(.invalidBool, "bool word \(hexWord(at: p)) is neither 0 nor 1", path: ABIPath())
            }
            return .bool(w0 == 1)
        case .fixedBytes(let n):
            for i in (p + n)..<(p + 32) where data[i] != 0 {
                throw dirty("bytes\(n) word \(hexWord(at: p)) has nonzero bytes after its first \(n); bytesN is right-padded with zeros", at: p)
            }
            return .fixedBytes(Array(UnsafeRawBufferPointer(rebasing: data[p..<(p + n)])))
        default:
            preconditionFailure("scalar called with \(type)")
        }
    }

    private func dirty(_ message: String, at p: Int) -> ABIError {
        .decoding(.dirtyPadding, message + " (position \(p))", path: ABIPath())
    }

    @inline(__always)
    private func word(at p: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        (
            data.loadUnaligned(fromByteOffset: p, as: UInt64.self).bigEndian,
            data.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self).bigEndian,
            data.loadUnaligned(fromByteOffset: p + 16, as: UInt64.self).bigEndian,
            data.loadUnaligned(fromByteOffset: p + 24, as: UInt64.self).bigEndian
        )
    }

    private func hexWord(at p: Int) -> String {
        Hex.encode(UnsafeRawBufferPointer(rebasing: data[p..<(p + 32)]))
    }
}
