import ArgumentParser
import Keeper

/// `keeper abi selector SIG`.
struct ABISelectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selector",
        abstract: "Print the 4-byte selector of a function or error, or the topic0 of an event.",
        discussion: """
            Examples:
              keeper abi selector 'transfer(address,uint256)'
                0xa9059cbb
              keeper abi selector \\
                'function balanceOf(address owner) external view returns (uint256)'
                0x70a08231
              keeper abi selector 'error InsufficientBalance(uint256,uint256)'
                0xcf479181
              keeper abi selector \\
                'event Transfer(address indexed from, address indexed to, uint256 value)'
                0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef
            """
    )

    @Argument(help: "The function, error ('error Name(...)') or event ('event Name(...)') signature.")
    var signature: String

    func run() throws {
        do throws(ToolError) {
            print(try ABITool.selector(signature: signature))
        } catch {
            printError("error: \(error.message)")
            throw ToolExit.badInput
        }
    }
}
