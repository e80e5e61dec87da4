import ArgumentParser
import Keeper

/// `keeper abi decode SIG 0xCALLDATA`.
struct ABIDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode calldata: one argument per line ('name: value' when named), or JSON.",
        discussion: """
            Calldata decoding is strict, as the signer's: the selector must match,
            padding must be zero, offsets canonical, and nothing may follow the
            encoding. Return data (--output) is decoded as a contract caller would.

            Examples:
              keeper abi decode 'transfer(address to, uint256 amount)' 0xa9059cbb0000...
                to: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
                amount: 1000
              keeper abi decode --json 'transfer(address,uint256)' 0xa9059cbb0000...
                [{"name":"","type":"address","value":"0x5aAe..."},
                 {"name":"","type":"uint256","value":"1000"}]
              keeper abi decode --output 'balanceOf(address)(uint256)' 0x0000...03e8
                1000
            """
    )

    @Flag(help: "Print a JSON array of {name, type, value} objects (numbers as decimal strings).")
    var json = false

    @Flag(help: "Decode return data (no selector) against the signature's return types.")
    var output = false

    @Argument(help: "The function signature, with parameter names to label the output.")
    var signature: String

    @Argument(help: "The calldata (or, with --output, the return data) as 0x hex.")
    var data: String

    func run() throws {
        do throws(ToolError) {
            print(try ABITool.decode(signature: signature, data: data, json: json, output: output))
        } catch {
            printError("error: \(error.message)")
            throw ToolExit.badInput
        }
    }
}
