#if canImport(Glibc)
internal import Glibc
#endif

/// scrypt (RFC 7914) for the parameters OpenSSL refuses (n ≥ 2^(16·r), such as geth's
/// n=262144, r=1, p=8 vector): PBKDF2-HMAC-SHA256 from libcrypto around our own ROMix with
/// Salsa20/8. Callers bound n, r and p first (``Keystore/Limits``).
enum Scrypt {
    /// Derives `output.count` bytes.
    static func derive(
        password: UnsafeRawBufferPointer, salt: [UInt8], n: Int, r: Int, p: Int, into output: UnsafeMutableRawBufferPointer
    ) throws(KeystoreError) {
        let blockWords = 32 * r  // 128·r bytes
        let blockBytes = 128 * r
        // B = PBKDF2(P, S, 1, p·128·r)
        let b = SecretBuffer(count: p * blockBytes)
        try salt.withUnsafeBytes { s in
            Result { () throws(KeystoreError) in
                try KeystoreCrypto.pbkdf2(
                    password: password, salt: s, iterations: 1,
                    into: UnsafeMutableRawBufferPointer(start: b.baseAddress, count: b.count))
            }
        }.get()

        let v = UnsafeMutablePointer<UInt32>.allocate(capacity: n * blockWords)
        let xy = UnsafeMutablePointer<UInt32>.allocate(capacity: 2 * blockWords)
        defer {
            explicit_bzero(v, n * blockWords * 4)
            v.deallocate()
            explicit_bzero(xy, 2 * blockWords * 4)
            xy.deallocate()
        }
        let bytes = b.bytes
        for i in 0..<p {
            smix(bytes + i * blockBytes, r: r, n: n, v: v, xy: xy)
        }
        // DK = PBKDF2(P, B, 1, dkLen)
        try KeystoreCrypto.pbkdf2(
            password: password, salt: UnsafeRawBufferPointer(start: b.baseAddress, count: b.count), iterations: 1,
            into: output)
    }

    /// ROMix on one 128·r-byte block, in place.
    private static func smix(
        _ block: UnsafeMutablePointer<UInt8>, r: Int, n: Int, v: UnsafeMutablePointer<UInt32>, xy: UnsafeMutablePointer<UInt32>
    ) {
        let words = 32 * r
        let x = xy
        let y = xy + words
        for k in 0..<words {
            let o = 4 * k
            x[k] = UInt32(block[o]) | UInt32(block[o + 1]) &<< 8 | UInt32(block[o + 2]) &<< 16 | UInt32(block[o + 3]) &<< 24
        }
        for i in 0..<n {
            (v + i * words).update(from: x, count: words)
            blockMix(x, y, r: r)
        }
        let mask = UInt32(n - 1)
        for _ in 0..<n {
            let j = Int(x[(2 * r - 1) * 16] & mask)
            let vj = v + j * words
            for k in 0..<words { x[k] ^= vj[k] }
            blockMix(x, y, r: r)
        }
        for k in 0..<words {
            let w = x[k]
            let o = 4 * k
            block[o] = UInt8(truncatingIfNeeded: w)
            block[o + 1] = UInt8(truncatingIfNeeded: w &>> 8)
            block[o + 2] = UInt8(truncatingIfNeeded: w &>> 16)
            block[o + 3] = UInt8(truncatingIfNeeded: w &>> 24)
        }
    }

    /// BlockMix with Salsa20/8 on `b` (2r 64-byte sub-blocks), using `y` as scratch; result in `b`.
    private static func blockMix(_ b: UnsafeMutablePointer<UInt32>, _ y: UnsafeMutablePointer<UInt32>, r: Int) {
        var t = Salsa(b + (2 * r - 1) * 16)
        for i in 0..<(2 * r) {
            let bi = b + i * 16
            t.xor(bi)
            t.salsa8()
            // Even sub-blocks go to the first half, odd ones to the second.
            let target = y + ((i & 1) * r + (i >> 1)) * 16
            t.store(target)
        }
        b.update(from: y, count: 32 * r)
    }

    /// One 64-byte Salsa20 state held in sixteen scalars, so that even unoptimised builds keep it
    /// out of arrays.
    private struct Salsa {
        var s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15: UInt32

        @inline(__always)
        init(_ p: UnsafeMutablePointer<UInt32>) {
            s0 = p[0]; s1 = p[1]; s2 = p[2]; s3 = p[3]
            s4 = p[4]; s5 = p[5]; s6 = p[6]; s7 = p[7]
            s8 = p[8]; s9 = p[9]; s10 = p[10]; s11 = p[11]
            s12 = p[12]; s13 = p[13]; s14 = p[14]; s15 = p[15]
        }

        @inline(__always)
        mutating func xor(_ p: UnsafeMutablePointer<UInt32>) {
            s0 ^= p[0]; s1 ^= p[1]; s2 ^= p[2]; s3 ^= p[3]
            s4 ^= p[4]; s5 ^= p[5]; s6 ^= p[6]; s7 ^= p[7]
            s8 ^= p[8]; s9 ^= p[9]; s10 ^= p[10]; s11 ^= p[11]
            s12 ^= p[12]; s13 ^= p[13]; s14 ^= p[14]; s15 ^= p[15]
        }

        @inline(__always)
        func store(_ p: UnsafeMutablePointer<UInt32>) {
            p[0] = s0; p[1] = s1; p[2] = s2; p[3] = s3
            p[4] = s4; p[5] = s5; p[6] = s6; p[7] = s7
            p[8] = s8; p[9] = s9; p[10] = s10; p[11] = s11
            p[12] = s12; p[13] = s13; p[14] = s14; p[15] = s15
        }

        @inline(__always)
        static func rotl(_ a: UInt32, _ k: UInt32) -> UInt32 { (a &<< k) | (a &>> (32 &- k)) }

        /// The Salsa20/8 core: 8 rounds, then the input added back.
        @inline(__always)
        mutating func salsa8() {
            var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
            var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15
            for _ in 0..<4 {
                // Columns.
                x4 ^= Salsa.rotl(x0 &+ x12, 7); x8 ^= Salsa.rotl(x4 &+ x0, 9)
                x12 ^= Salsa.rotl(x8 &+ x4, 13); x0 ^= Salsa.rotl(x12 &+ x8, 18)
                x9 ^= Salsa.rotl(x5 &+ x1, 7); x13 ^= Salsa.rotl(x9 &+ x5, 9)
                x1 ^= Salsa.rotl(x13 &+ x9, 13); x5 ^= Salsa.rotl(x1 &+ x13, 18)
                x14 ^= Salsa.rotl(x10 &+ x6, 7); x2 ^= Salsa.rotl(x14 &+ x10, 9)
                x6 ^= Salsa.rotl(x2 &+ x14, 13); x10 ^= Salsa.rotl(x6 &+ x2, 18)
                x3 ^= Salsa.rotl(x15 &+ x11, 7); x7 ^= Salsa.rotl(x3 &+ x15, 9)
                x11 ^= Salsa.rotl(x7 &+ x3, 13); x15 ^= Salsa.rotl(x11 &+ x7, 18)
                // Rows.
                x1 ^= Salsa.rotl(x0 &+ x3, 7); x2 ^= Salsa.rotl(x1 &+ x0, 9)
                x3 ^= Salsa.rotl(x2 &+ x1, 13); x0 ^= Salsa.rotl(x3 &+ x2, 18)
                x6 ^= Salsa.rotl(x5 &+ x4, 7); x7 ^= Salsa.rotl(x6 &+ x5, 9)
                x4 ^= Salsa.rotl(x7 &+ x6, 13); x5 ^= Salsa.rotl(x4 &+ x7, 18)
                x11 ^= Salsa.rotl(x10 &+ x9, 7); x8 ^= Salsa.rotl(x11 &+ x10, 9)
                x9 ^= Salsa.rotl(x8 &+ x11, 13); x10 ^= Salsa.rotl(x9 &+ x8, 18)
                x12 ^= Salsa.rotl(x15 &+ x14, 7); x13 ^= Salsa.rotl(x12 &+ x15, 9)
                x14 ^= Salsa.rotl(x13 &+ x12, 13); x15 ^= Salsa.rotl(x14 &+ x13, 18)
            }
            s0 = s0 &+ x0; s1 = s1 &+ x1; s2 = s2 &+ x2; s3 = s3 &+ x3
            s4 = s4 &+ x4; s5 = s5 &+ x5; s6 = s6 &+ x6; s7 = s7 &+ x7
            s8 = s8 &+ x8; s9 = s9 &+ x9; s10 = s10 &+ x10; s11 = s11 &+ x11
            s12 = s12 &+ x12; s13 = s13 &+ x13; s14 = s14 &+ x14; s15 = s15 &+ x15
        }
    }
}
