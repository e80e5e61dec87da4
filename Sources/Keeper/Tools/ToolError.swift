/// Bad input to a `keeper` tool (`keeper abi ...`, `keeper keccak`): the message names the input
/// at fault and says what was expected. The command prints it as `error: <message>` on stderr
/// and exits with status 2.
public struct ToolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong, naming the argument at fault.
    public let message: String

    /// An error with this message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
