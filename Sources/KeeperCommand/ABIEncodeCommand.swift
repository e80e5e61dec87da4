import ArgumentParser
import Keeper

/// `keeper abi encode SIG ARG...`.
struct ABIEncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Print the calldata (selector + encoded arguments) of a function call as 0x hex.",
        discussion: """
            Examples:
              keeper abi encode 'baz(uint32,bool)' 69 true
                0xcdcd77c0...0045...0001
              keeper abi encode 'transfer(address,uint256)' \\
                0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed 1.5e18
              keeper abi encode 'protect(address,(address,uint256)[],uint256)' \\
                0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed \\
                '[(0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359,1000)]' 1700000000
              keeper abi encode 'setDelta(int256)' -5
            """
    )

    @Argument(help: "The function signature, e.g. 'transfer(address,uint256)'.")
    var signature: String

    @Argument(parsing: .allUnrecognized, help: "One cast-style value per parameter (negative numbers are accepted as they are).")
    var arguments: [String] = []

    func run() throws {
        do throws(ToolError) {
            print(try ABITool.encode(signature: signature, arguments: arguments))
        } catch {
            printError("error: \(error.message)")
            throw ToolExit.badInput
        }
    }
}
