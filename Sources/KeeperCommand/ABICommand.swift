import ArgumentParser

/// `keeper abi`: selectors, calldata encoding and decoding.
struct ABICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abi",
        abstract: "Compute selectors, encode and decode calldata.",
        discussion: """
            Signatures are written as in Solidity or cast:
              transfer(address,uint256)
              function resolve(uint256 marketId, bool outcome) external
              event Transfer(address indexed from, address indexed to, uint256 value)
            'uint' and 'int' mean uint256 and int256.

            Arguments are written as in Foundry's cast: numbers in decimal, 0x hex
            or scientific notation (1000, 0x3e8, 1e18, 1.5 ether, 30gwei; a leading
            '-' for intN); addresses as 0x + 40 hex digits (mixed case must carry a
            valid EIP-55 checksum); true or false; bytes as 0x hex; strings as they
            are (quotes optional); arrays as [a,b] and tuples as (a,b), nested
            freely. Quote each argument for the shell.

            Bad input prints a message naming the argument at fault on stderr and
            exits with status 2, with nothing on stdout.
            """,
        subcommands: [ABISelectorCommand.self, ABIEncodeCommand.self, ABIDecodeCommand.self]
    )
}
