import EVM
import PropertyBased
import Testing

/// Random ABI types and values of those types, for round-trip properties.
enum ABIRandom {
    static func type(depth: Int, using rng: inout some RandomNumberGenerator) -> ABIType {
        let choice = Int.random(in: 0..<(depth > 0 ? 11 : 7), using: &rng)
        switch choice {
        case 0: return .uint(bits: 8 * Int.random(in: 1...32, using: &rng))
        case 1: return .int(bits: 8 * Int.random(in: 1...32, using: &rng))
        case 2: return .address
        case 3: return .bool
        case 4: return .fixedBytes(Int.random(in: 1...32, using: &rng))
        case 5: return .bytes
        case 6: return .string
        case 7: return .array(type(depth: depth - 1, using: &rng))
        case 8: return .fixedArray(type(depth: depth - 1, using: &rng), count: Int.random(in: 1...3, using: &rng))
        default:
            let count = Int.random(in: 1...4, using: &rng)
            return .tuple((0..<count).map { i in
                ABIParameter(name: Bool.random(using: &rng) ? "f\(i)" : "", type: type(depth: depth - 1, using: &rng))
            })
        }
    }

    static func word(using rng: inout some RandomNumberGenerator) -> U256 {
        U256(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next())
    }

    static func bytes(_ count: Int, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func value(of type: ABIType, using rng: inout some RandomNumberGenerator) -> ABIValue {
        switch type {
        case .uint(let bits):
            // Edge values as often as random ones.
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return .uint(.zero)
            case 1: return .uint(U256.max >> (256 - bits))
            default: return .uint(word(using: &rng) >> (256 - bits))
            }
        case .int(let bits):
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: return .int(I256(-1))
            case 1: return .int(I256(bits: ~(U256.max >> (bits - 1))))  // min
            case 2: return .int(I256(bits: U256.max >> (257 - bits)))  // max
            default:
                // A random value sign-extended from `bits`.
                let raw = word(using: &rng) >> (256 - bits)
                let negative = raw.bit(bits - 1)
                return .int(I256(bits: negative && bits < 256 ? raw | ~(U256.max >> (256 - bits)) : raw))
            }
        case .address:
            return .address(Address(word: word(using: &rng)))
        case .bool:
            return .bool(Bool.random(using: &rng))
        case .fixedBytes(let n):
            return .fixedBytes(bytes(n, using: &rng))
        case .bytes:
            return .bytes(bytes(Int.random(in: 0...70, using: &rng), using: &rng))
        case .string:
            let alphabet = Array("ab ,[]()\"\\é🚀\n")
            return .string(String((0..<Int.random(in: 0...20, using: &rng)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }))
        case .array(let element):
            return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(of: element, using: &rng) })
        case .fixedArray(let element, let count):
            return .array((0..<count).map { _ in value(of: element, using: &rng) })
        case .tuple(let components):
            return .tuple(components.map { value(of: $0.type, using: &rng) })
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var types: [ABIType]
        var values: [ABIValue]
        var description: String { "\(types) = \(values)" }
    }

    static let cases = Generator<Case, Shrink.None<Case>> { rng in
        let count = Int.random(in: 0...4, using: &rng)
        let types = (0..<count).map { _ in type(depth: 3, using: &rng) }
        return Case(types: types, values: types.map { value(of: $0, using: &rng) })
    }
}

@Suite("ABI properties")
struct ABIPropertyTests {
    @Test func decodeOfEncodeIsIdentity() async {
        await propertyCheck(count: 500, input: ABIRandom.cases) { c throws in
            let encoded = try ABICodec.encode(c.types, c.values)
            #expect(try ABICodec.decode(c.types, from: encoded, strict: true) == c.values)
            #expect(try ABICodec.decode(c.types, from: encoded, strict: false) == c.values)
        }
    }

    /// Strict decoding accepts only canonical encodings: whatever it accepts re-encodes to the
    /// very same bytes, so no two byte strings decode to the same values.
    @Test func strictDecodingAcceptsOnlyCanonicalBytes() async {
        await propertyCheck(count: 1000, input: ABIRandom.cases, Gen.int(in: 0...Int.max), Gen.uint8(in: 0...255)) { c, where_, byte throws in
            var data = try ABICodec.encode(c.types, c.values)
            guard !data.isEmpty else { return }
            let position = where_ % data.count
            // Set one byte, biased towards small values that make plausible offsets and lengths.
            data[position] = position % 3 == 0 ? byte : byte & 0x7f
            if let decoded = try? ABICodec.decode(c.types, from: data, strict: true) {
                #expect(try ABICodec.encode(c.types, decoded) == data)
            }
            // Lenient decoding of the same bytes may fail, but never traps.
            _ = try? ABICodec.decode(c.types, from: data, strict: false)
        }
    }

    @Test func calldataRoundTripsAndRejectsAnyExtraByte() async {
        await propertyCheck(count: 200, input: ABIRandom.cases) { c throws in
            let function = ABIFunction(name: "f", inputs: c.types.map { ABIParameter(type: $0) })
            let calldata = try function.encodeCall(c.values)
            #expect(try function.decodeCall(calldata) == c.values)
            #expect(throws: ABIError.self) { try function.decodeCall(calldata + [0]) }
        }
    }

    @Test func descriptionParsesBack() async {
        await propertyCheck(count: 300, input: ABIRandom.cases) { c throws in
            for (type, value) in zip(c.types, c.values) {
                #expect(try ABIValue.parse(value.description, as: type) == value, "\(type): \(value)")
            }
        }
    }

    @Test func typeNamesParseBack() async {
        await propertyCheck(count: 300, input: ABIRandom.cases) { c throws in
            for type in c.types {
                #expect(try ABIType(parsing: type.canonicalName).canonicalName == type.canonicalName)
            }
        }
    }
}
