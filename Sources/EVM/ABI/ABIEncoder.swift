/// Writes ABI encodings into a pre-sized, zeroed buffer. Values must have been checked with
/// ``size(of:as:)`` first: writing does not check anything.
struct ABIEncoder {
    let buffer: UnsafeMutableRawBufferPointer

    init(buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
    }

    // MARK: Size and validation

    /// The encoded size of `value` as `type` (for a dynamic type, the tail only, without the
    /// offset word in the parent's head); throws when the value does not fit the type.
    static func size(of value: ABIValue, as type: ABIType) throws(ABIError) -> Int {
        switch value {
        case .uint(let v):
            if case .uint(let bits) = type {
                guard bits == 256 || v.bitLength <= bits else {
                    throw .valueMismatch("\(v.decimalString) does not fit in uint\(bits) (at most 2^\(bits)-1)")
                }
                return 32
            }
        case .int(let v):
            if case .int(let bits) = type {
                guard v.fits(bitWidth: bits) else {
                    throw .valueMismatch("\(v) does not fit in int\(bits) (-2^\(bits - 1) to 2^\(bits - 1)-1)")
                }
                return 32
            }
        case .address:
            if case .address = type { return 32 }
        case .bool:
            if case .bool = type { return 32 }
        case .fixedBytes(let b):
            if case .fixedBytes(let n) = type {
                guard b.count == n else { throw .valueMismatch("bytes\(n) needs exactly \(n) bytes, got \(b.count)") }
                return 32
            }
        case .bytes(let b):
            if case .bytes = type { return 32 + paddedLength(b.count) }
        case .string(let s):
            if case .string = type { return 32 + paddedLength(s.utf8.count) }
        case .array(let values):
            switch type {
            case .array(let element):
                return try 32 + blockSize(repeatElement(element, count: values.count), values) { .element($0) }
            case .fixedArray(let element, let count):
                guard values.count == count else {
                    throw .valueMismatch("\(type.canonicalName) needs exactly \(count) elements, got \(values.count)")
                }
                return try blockSize(repeatElement(element, count: count), values) { .element($0) }
            default: break
            }
        case .tuple(let values):
            if case .tuple(let components) = type {
                guard values.count == components.count else {
                    throw .valueMismatch("\(type.canonicalName) has \(components.count) components, got \(values.count) values")
                }
                return try blockSize(components.lazy.map { $0.type }, values) { .field($0, name: components[$0].name) }
            }
        }
        throw .valueMismatch("expected a \(type.canonicalName) value, got \(value.kindName) \(value.shortText)")
    }

    private static func blockSize<Types: Collection<ABIType>>(
        _ types: Types, _ values: [ABIValue], component: (Int) -> ABIPath.Component
    ) throws(ABIError) -> Int {
        var total = 0
        for (i, (type, value)) in zip(types, values).enumerated() {
            do throws(ABIError) {
                let size = try size(of: value, as: type)
                total += type.isDynamic ? 32 + size : size
            } catch {
                throw error.under(component(i))
            }
        }
        return total
    }

    @inline(__always)
    static func paddedLength(_ n: Int) -> Int { (n + 31) & ~31 }

    // MARK: Writing

    /// Writes a head/tail block of `values` at `base` and returns where its last tail ends.
    mutating func writeBlock<Types: Collection<ABIType>>(_ types: Types, _ values: [ABIValue], at base: Int) -> Int {
        var headSize = 0
        for type in types { headSize += type.headSize }
        var head = base
        var tail = base + headSize
        var i = 0
        for type in types {
            if type.isDynamic {
                writeWord(UInt64(tail - base), at: head)
                tail = write(values[i], as: type, at: tail)
                head += 32
            } else {
                head = write(values[i], as: type, at: head)
            }
            i += 1
        }
        return tail
    }

    /// Writes `value` at `position` and returns where it ends.
    mutating func write(_ value: ABIValue, as type: ABIType, at position: Int) -> Int {
        switch value {
        case .uint(let v):
            writeWord(v, at: position)
            return position + 32
        case .int(let v):
            writeWord(v.bits, at: position)
            return position + 32
        case .address(let a):
            copy(a.bytes, to: position + 12)
            return position + 32
        case .bool(let b):
            buffer[position + 31] = b ? 1 : 0
            return position + 32
        case .fixedBytes(let b):
            copy(b, to: position)
            return position + 32
        case .bytes(let b):
            writeWord(UInt64(b.count), at: position)
            copy(b, to: position + 32)
            return position + 32 + ABIEncoder.paddedLength(b.count)
        case .string(let s):
            var s = s
            let count = s.withUTF8 { utf8 in
                copy(utf8, to: position + 32)
                return utf8.count
            }
            writeWord(UInt64(count), at: position)
            return position + 32 + ABIEncoder.paddedLength(count)
        case .array(let values):
            switch type {
            case .array(let element):
                writeWord(UInt64(values.count), at: position)
                return writeBlock(repeatElement(element, count: values.count), values, at: position + 32)
            case .fixedArray(let element, _):
                return writeBlock(repeatElement(element, count: values.count), values, at: position)
            default:
                preconditionFailure("ABIEncoder.write called with an unchecked value")
            }
        case .tuple(let values):
            guard case .tuple(let components) = type else {
                preconditionFailure("ABIEncoder.write called with an unchecked value")
            }
            return writeBlock(components.lazy.map { $0.type }, values, at: position)
        }
    }

    /// Writes an offset word.
    @inline(__always)
    func writeOffset(_ offset: Int, at position: Int) {
        writeWord(UInt64(offset), at: position)
    }

    @inline(__always)
    private func writeWord(_ v: U256, at position: Int) {
        buffer.storeBytes(of: v.w3.bigEndian, toByteOffset: position, as: UInt64.self)
        buffer.storeBytes(of: v.w2.bigEndian, toByteOffset: position + 8, as: UInt64.self)
        buffer.storeBytes(of: v.w1.bigEndian, toByteOffset: position + 16, as: UInt64.self)
        buffer.storeBytes(of: v.w0.bigEndian, toByteOffset: position + 24, as: UInt64.self)
    }

    @inline(__always)
    private func writeWord(_ v: UInt64, at position: Int) {
        buffer.storeBytes(of: v.bigEndian, toByteOffset: position + 24, as: UInt64.self)
    }

    @inline(__always)
    private func copy(_ bytes: [UInt8], to position: Int) {
        bytes.withUnsafeBufferPointer { copy($0, to: position) }
    }

    @inline(__always)
    private func copy(_ bytes: UnsafeBufferPointer<UInt8>, to position: Int) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        (buffer.baseAddress! + position).copyMemory(from: source, byteCount: bytes.count)
    }
}

extension ABIValue {
    /// `uint`, `int`, `address`... for error messages.
    var kindName: String {
        switch self {
        case .uint: "uint"
        case .int: "int"
        case .address: "address"
        case .bool: "bool"
        case .fixedBytes(let b): "bytes\(b.count)"
        case .bytes: "bytes"
        case .string: "string"
        case .array(let e): "array of \(e.count)"
        case .tuple(let e): "tuple of \(e.count)"
        }
    }

    /// The value's text, cut to 60 characters, for error messages.
    var shortText: String {
        let text = description
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}
