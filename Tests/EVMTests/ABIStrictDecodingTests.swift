import EVM
import Testing

/// Hostile and non-canonical encodings that the signer must reject.
@Suite("ABI strict decoding")
struct ABIStrictDecodingTests {
    static func word(_ hex: String) -> [UInt8] {
        let digits = String(repeating: "0", count: 64 - hex.count) + hex
        return (try? [UInt8](hex: digits)) ?? []
    }

    static func expectKind(_ kind: ABIError.Kind, _ types: [ABIType], _ data: [UInt8], strict: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            _ = try ABICodec.decode(types, from: data, strict: strict)
        } throws: { error in
            (error as? ABIError)?.kind == kind
        }
    }

    struct DirtyWord: Sendable, CustomTestStringConvertible {
        var type: String
        var word: String
        var kind: ABIError.Kind
        var testDescription: String { "\(type) \(word)" }
    }

    static let dirtyWords: [DirtyWord] = [
        DirtyWord(type: "uint8", word: "100", kind: .dirtyPadding),
        DirtyWord(type: "uint248", word: "01" + String(repeating: "00", count: 31), kind: .dirtyPadding),
        DirtyWord(type: "int8", word: "80", kind: .dirtyPadding),  // 128 is not a sign-extended int8
        DirtyWord(type: "int8", word: String(repeating: "ff", count: 30) + "007f", kind: .dirtyPadding),
        DirtyWord(type: "address", word: "01" + String(repeating: "00", count: 20), kind: .dirtyPadding),
        DirtyWord(type: "bool", word: "2", kind: .invalidBool),
        DirtyWord(type: "bool", word: "100", kind: .invalidBool),
        DirtyWord(type: "bytes4", word: "1234567801" + String(repeating: "00", count: 27), kind: .dirtyPadding),
    ]

    @Test("dirty value padding is rejected in both modes", arguments: dirtyWords)
    func dirtyPadding(_ c: DirtyWord) throws {
        let type = try ABIType(parsing: c.type)
        Self.expectKind(c.kind, [type], Self.word(c.word))
        Self.expectKind(c.kind, [type], Self.word(c.word), strict: false)
    }

    @Test func cleanSignedWordsDecode() throws {
        let minus1 = [UInt8](repeating: 0xff, count: 32)
        #expect(try ABICodec.decode([.int(bits: 8)], from: minus1) == [.int(I256(-1))])
        let minus128 = [UInt8](repeating: 0xff, count: 31) + [0x80]
        #expect(try ABICodec.decode([.int(bits: 8)], from: minus128) == [.int(I256(-128))])
    }

    @Test func bytesTailPadding() throws {
        var data = try ABICodec.encode([.bytes], [.bytes([0xab])])
        #expect(data.count == 96)
        data[64 + 5] = 1
        Self.expectKind(.dirtyPadding, [.bytes], data)
        #expect(try ABICodec.decode([.bytes], from: data, strict: false) == [.bytes([0xab])])
        // Missing padding at the very end: strict rejects, lenient accepts (as Solidity).
        let short = Array(data.prefix(65))
        Self.expectKind(.truncated, [.bytes], short)
        #expect(try ABICodec.decode([.bytes], from: short, strict: false) == [.bytes([0xab])])
    }

    @Test func offsets() throws {
        let good = try ABICodec.encode([.string], [.string("hi")])
        var beyond = good
        beyond.replaceSubrange(0..<32, with: Self.word("ffffffffffffffffffffffff"))
        Self.expectKind(.invalidOffset, [.string], beyond)
        Self.expectKind(.invalidOffset, [.string], beyond, strict: false)

        var intoHead = good
        intoHead.replaceSubrange(0..<32, with: Self.word("0"))
        Self.expectKind(.invalidOffset, [.string], intoHead)
        Self.expectKind(.invalidOffset, [.string], intoHead, strict: false)

        // A gap before the tail: a valid but non-canonical encoding.
        var gap = Self.word("40") + Self.word("0") + Array(good[32...])
        Self.expectKind(.invalidOffset, [.string], gap)
        #expect(try ABICodec.decode([.string], from: gap, strict: false) == [.string("hi")])
        gap.replaceSubrange(0..<32, with: Self.word("41"))
        Self.expectKind(.invalidOffset, [.string], gap)

        // Two arguments sharing one tail.
        let shared = Self.word("40") + Self.word("40") + Array(good[32...])
        Self.expectKind(.invalidOffset, [.string, .string], shared)
        #expect(try ABICodec.decode([.string, .string], from: shared, strict: false) == [.string("hi"), .string("hi")])
    }

    @Test func hostileLengthsAllocateNothing() throws {
        let hugeBytes = Self.word("20") + Self.word("ffffffffffffffff")
        Self.expectKind(.invalidLength, [.bytes], hugeBytes)
        Self.expectKind(.invalidLength, [.bytes], hugeBytes, strict: false)
        let hugeArray = Self.word("20") + Self.word("1000000000") + Self.word("1")
        Self.expectKind(.invalidLength, [.array(.uint256)], hugeArray)
        Self.expectKind(.invalidLength, [.array(.uint256)], hugeArray, strict: false)
        let overflowingLength = Self.word("20") + Self.word(String(repeating: "f", count: 64))
        Self.expectKind(.invalidLength, [.array(.array(.uint256))], overflowingLength, strict: false)
    }

    @Test func sharedTailBombStopsLenientDecoding() throws {
        // uint256[][] whose 3000 elements all point at one 3000-element array: 9 million values
        // from ~200 kB of data.
        let n = 3000
        var data = Self.word("20") + Self.word(String(n, radix: 16))
        let inner = 32 * n
        for _ in 0..<n { data += Self.word(String(inner, radix: 16)) }
        data += Self.word(String(n, radix: 16))
        for i in 0..<n { data += Self.word(String(i, radix: 16)) }
        Self.expectKind(.invalidOffset, [.array(.array(.uint256))], data, strict: false)
        Self.expectKind(.invalidOffset, [.array(.array(.uint256))], data)
    }

    @Test func sharedStringBombStopsLenientDecoding() throws {
        // string[] whose 2000 elements all point at one 60 kB string: 120 MB from 124 kB.
        let n = 2000
        let length = 60_000
        var data = Self.word("20") + Self.word(String(n, radix: 16))
        for _ in 0..<n { data += Self.word(String(32 * n, radix: 16)) }
        data += Self.word(String(length, radix: 16)) + [UInt8](repeating: 0x61, count: length)
        data += [UInt8](repeating: 0, count: ABIStrictDecodingTests.padding(length))
        Self.expectKind(.invalidOffset, [.array(.string)], data, strict: false)
    }

    static func padding(_ n: Int) -> Int { (32 - n % 32) % 32 }

    @Test func oversizedTypesAreRejectedBeforeDecoding() throws {
        #expect(throws: ABIError.self) { try ABIType(parsing: "uint256[999999999][999999999]") }
        let huge = ABIType.fixedArray(.fixedArray(.uint256, count: 1 << 30), count: 1 << 30)
        Self.expectKind(.invalidType, [huge], [])
        Self.expectKind(.invalidType, [.tuple([])], [])
    }

    @Test func trailingBytesAndTruncation() throws {
        let good = try ABICodec.encode([.uint256, .bool], [.uint(7), .bool(true)])
        Self.expectKind(.trailingBytes, [.uint256, .bool], good + [0])
        #expect(try ABICodec.decode([.uint256, .bool], from: good + Self.word("1"), strict: false) == [.uint(7), .bool(true)])
        Self.expectKind(.truncated, [.uint256, .bool], Array(good.dropLast()))
        Self.expectKind(.truncated, [.uint256, .bool], Array(good.dropLast()), strict: false)
    }

    @Test func invalidUTF8() throws {
        let data = try ABICodec.encode([.bytes], [.bytes([0xff, 0xfe])])
        Self.expectKind(.invalidUTF8, [.string], data)
        #expect(try ABICodec.decode([.string], from: data, strict: false) == [.string("\u{FFFD}\u{FFFD}")])
    }

    @Test func errorsNameThePath() throws {
        let function = try ABIFunction(parsing: "protect(address vault, (address token, uint256 amount)[] limits, uint256 deadline)")
        let token = try Address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
        var calldata = try function.encodeCall([
            .address(token),
            .array([.tuple([.address(token), .uint(1)]), .tuple([.address(token), .uint(2)])]),
            .uint(3),
        ])
        // Head: vault, offset, deadline; tail: length, [0].token, [0].amount, [1].token, ...
        let secondToken = 4 + 32 * 3 + 32 + 64
        calldata[secondToken] = 0x01
        do {
            _ = try function.decodeCall(calldata)
            Issue.record("dirty address decoded")
        } catch {
            #expect(error.kind == .dirtyPadding)
            #expect(error.path.description == "argument 2 (limits) [1].token")
            #expect(error.description.hasPrefix("argument 2 (limits) [1].token: address word"))
        }
    }

    @Test func selectorIsChecked() throws {
        let function = try ABIFunction(parsing: "transfer(address,uint256)")
        let calldata = try function.encodeCall([.address(.zero), .uint(1)])
        var wrong = calldata
        wrong[0] ^= 0xff
        #expect(throws: ABIError.self) { try function.decodeCall(wrong) }
        #expect(throws: ABIError.self) { try function.decodeCall([0xa9, 0x05]) }
        #expect(try function.decodeCall(calldata) == [.address(.zero), .uint(1)])
    }

    @Test func encoderChecksValues() {
        #expect(throws: ABIError.self) { try ABICodec.encode([.uint(bits: 8)], [.uint(256)]) }
        #expect(throws: ABIError.self) { try ABICodec.encode([.int(bits: 8)], [.int(I256(128))]) }
        #expect(throws: ABIError.self) { try ABICodec.encode([.int(bits: 8)], [.int(I256(-129))]) }
        #expect(throws: ABIError.self) { try ABICodec.encode([.fixedBytes(4)], [.fixedBytes([1, 2, 3])]) }
        #expect(throws: ABIError.self) { try ABICodec.encode([.fixedArray(.bool, count: 2)], [.array([.bool(true)])]) }
        #expect(throws: ABIError.self) { try ABICodec.encode([.bool], [.uint(1)]) }
        #expect(throws: ABIError.self) { try ABICodec.encode([.bool, .bool], [.bool(true)]) }
        #expect(throws: ABIError.self) { try ABICodec.encodePacked([.tuple(types: [.bool])], [.tuple([.bool(true)])]) }
    }
}
