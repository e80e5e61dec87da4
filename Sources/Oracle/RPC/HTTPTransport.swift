public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP response, as the RPC and GraphQL clients need it.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: Data
    /// `Retry-After`, when the server sent one in seconds.
    public var retryAfter: Duration?

    public init(status: Int, body: Data, retryAfter: Duration? = nil) {
        self.status = status
        self.body = body
        self.retryAfter = retryAfter
    }
}

/// Sends a JSON body by POST. The seam between the clients and the network: production uses
/// ``URLSessionTransport``; tests run against the real devnet.
public protocol HTTPTransport: Sendable {
    /// POSTs `body` as `application/json` and returns the response, or throws on a transport
    /// failure (connection refused, reset, timeout).
    func post(_ url: URL, body: Data, timeout: Duration) async throws -> HTTPResponse
}

/// ``HTTPTransport`` over Foundation's URLSession (libcurl on Linux), with keep-alive
/// connections reused across requests.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    public init(maxConnectionsPerHost: Int = 4) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    public func post(_ url: URL, body: Data, timeout: Duration) async throws -> HTTPResponse {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else {
            throw URLError(.badServerResponse)
        }
        let retryAfter = (http.value(forHTTPHeaderField: "Retry-After")).flatMap(Int.init).map { Duration.seconds($0) }
        return HTTPResponse(status: http.statusCode, body: data, retryAfter: retryAfter)
    }
}
