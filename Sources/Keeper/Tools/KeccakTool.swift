import EVM

/// `keeper keccak`: Keccak-256 of text or bytes.
public enum KeccakTool {
    /// The `0x`-prefixed Keccak-256 of `input`: `0x`-prefixed valid hex (`0x`, `0xdeadbeef`) is
    /// hashed as the bytes it spells; anything else as its UTF-8 text.
    public static func hash(_ input: String) -> String {
        if input.hasPrefix("0x") || input.hasPrefix("0X"), let bytes = try? Hex.decode(input) {
            return Hex.encode(Keccak256.hash(bytes))
        }
        return Hex.encode(Keccak256.hash(input))
    }
}
