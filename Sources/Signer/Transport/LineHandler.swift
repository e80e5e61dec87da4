/// Answers request lines. The transport calls it on the connection's thread, in order, and
/// writes what it appends back to the peer.
public protocol LineHandler: Sendable {
    /// Appends the response to `line` (one JSON object, no newline) to `out`.
    func respond(to line: ArraySlice<UInt8>, peer: PeerCredentials, into out: inout [UInt8])

    /// Appends the responses to `lines`, lines that arrived together, each followed by a newline,
    /// to `out`, which the transport sends as soon as this returns. Default: one
    /// ``respond(to:peer:into:)`` per line.
    func respond(toRun lines: [ArraySlice<UInt8>], peer: PeerCredentials, into out: inout [UInt8])
}

extension LineHandler {
    public func respond(toRun lines: [ArraySlice<UInt8>], peer: PeerCredentials, into out: inout [UInt8]) {
        for line in lines {
            respond(to: line, peer: peer, into: &out)
            out.append(0x0A)
        }
    }
}
