/// The `[socket]` settings of signer.toml: where the socket is, who may connect, and the
/// limits that keep a misbehaving or hostile peer from exhausting the signer.
public struct TransportConfiguration: Sendable, Hashable {
    /// The group that owns the socket file: by name (looked up at bind time) or by id.
    public enum Group: Sendable, Hashable {
        case name(String)
        case id(UInt32)
    }

    /// The socket path (ignored when systemd passes a socket).
    public var socketPath: String
    /// The socket file's mode; 0660 lets the owner and the group connect.
    public var socketMode: UInt32
    /// The socket file's group; nil keeps the signer's primary group.
    public var socketGroup: Group?
    /// Peers whose uid is listed may connect. When both lists are empty, only the signer's own
    /// uid may.
    public var allowedUIDs: [UInt32]
    /// Peers whose (primary, effective) gid is listed may connect.
    public var allowedGIDs: [UInt32]
    /// Open connections beyond this are closed at once with the `overloaded` error.
    public var maximumConnections: Int
    /// A connection with no request in progress is closed after this long.
    public var idleTimeout: Duration
    /// A request line that has started must be complete within this long; also bounds how long
    /// the signer waits for a peer to take a response.
    public var readTimeout: Duration
    /// The longest accepted request line, in bytes, without its newline.
    public var maximumLineBytes: Int

    public static let defaultSocketPath = "/run/keeper-signer/signer.sock"

    public init(
        socketPath: String = TransportConfiguration.defaultSocketPath,
        socketMode: UInt32 = 0o660,
        socketGroup: Group? = nil,
        allowedUIDs: [UInt32] = [],
        allowedGIDs: [UInt32] = [],
        maximumConnections: Int = 64,
        idleTimeout: Duration = .seconds(60),
        readTimeout: Duration = .seconds(5),
        maximumLineBytes: Int = 128 * 1024
    ) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.socketGroup = socketGroup
        self.allowedUIDs = allowedUIDs
        self.allowedGIDs = allowedGIDs
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.maximumLineBytes = maximumLineBytes
    }

    /// Whether a peer may connect: its uid or gid is listed, or, with both lists empty, it
    /// runs as `ownUID`.
    public func allows(_ peer: PeerCredentials, ownUID: UInt32) -> Bool {
        if allowedUIDs.isEmpty && allowedGIDs.isEmpty { return peer.uid == ownUID }
        return allowedUIDs.contains(peer.uid) || allowedGIDs.contains(peer.gid)
    }
}

extension TransportConfiguration {
    /// The transport settings of `signer.toml`'s `[socket]` section. A group written as digits
    /// is a gid, anything else a group name.
    public init(socket: SignerConfig.Socket) {
        let group: Group? = socket.group.map { text in
            if let gid = UInt32(text) { return .id(gid) }
            return .name(text)
        }
        self.init(
            socketPath: socket.path, socketMode: socket.mode, socketGroup: group,
            allowedUIDs: socket.allowedUIDs, allowedGIDs: socket.allowedGIDs,
            maximumConnections: socket.maxConnections, idleTimeout: socket.idleTimeout, readTimeout: socket.readTimeout)
    }
}
