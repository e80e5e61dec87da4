import ArgumentParser
import Keeper

/// `keeper keccak TEXT|0xHEX`.
struct KeccakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keccak",
        abstract: "Print the Keccak-256 hash of text, or of bytes given as 0x hex.",
        discussion: """
            0x-prefixed valid hex is hashed as the bytes it spells; anything else
            as its UTF-8 text.

            Examples:
              keeper keccak 'Transfer(address,address,uint256)'
                0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef
              keeper keccak 0x
                0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
            """
    )

    @Argument(help: "Text, or 0x-prefixed hex bytes.")
    var input: String

    func run() {
        print(KeccakTool.hash(input))
    }
}
