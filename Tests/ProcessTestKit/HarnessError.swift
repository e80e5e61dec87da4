/// A test harness could not do what a test asked (a child did not start, a wait timed out, a
/// file was missing); the message says what and, where it helps, shows the child's log.
public struct HarnessError: Error, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
