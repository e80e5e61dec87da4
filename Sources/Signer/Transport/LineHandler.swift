/// Answers one request line. The transport calls it on the connection's thread, in order, and
/// writes what it appends (plus a newline) back to the peer.
public protocol LineHandler: Sendable {
    /// Appends the response to `line` (one JSON object, no newline) to `out`.
    func respond(to line: ArraySlice<UInt8>, peer: PeerCredentials, into out: inout [UInt8])
}
