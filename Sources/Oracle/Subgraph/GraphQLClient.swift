public import EVM
public import Foundation

/// How far behind the chain a subgraph is, from its `_meta` field.
public struct SubgraphMeta: Sendable, Hashable {
    /// The last block the subgraph has indexed.
    public var blockNumber: UInt64
    /// Whether the indexer reported errors (its data may be incomplete).
    public var hasIndexingErrors: Bool
}

/// Why a subgraph query failed.
public struct GraphQLError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Transport, HTTP status or unparseable body: retried.
        case transport
        /// The server answered with `errors`.
        case query
        /// The answer lacks the fields asked for.
        case malformed
    }

    public let kind: Kind
    public let subgraph: String
    public let message: String
    public let cause: (any Error)?

    public var description: String {
        "subgraph '\(subgraph)': \(message)" + (cause.map { " (cause: \($0))" } ?? "")
    }
}

/// A client for The Graph's GraphQL endpoints. The subgraph is for discovery only: callers read
/// the truth they act on from the chain at a pinned block.
public struct GraphQLClient: Sendable {
    /// The Graph refuses `first` above 1000.
    public static let maxPageSize = 1000

    public let name: String
    public let url: URL
    let transport: any HTTPTransport
    let retry: RetryPolicy

    public init(name: String, url: URL, transport: any HTTPTransport = URLSessionTransport(), retry: RetryPolicy = RetryPolicy()) {
        self.name = name
        self.url = url
        self.transport = transport
        self.retry = retry
    }

    /// Runs a query; returns its `data`. Transport failures and garbled answers are retried with
    /// backoff; GraphQL `errors` are returned at once.
    public func query(_ text: String, variables: [String: JSONValue] = [:]) async throws(GraphQLError) -> JSONValue {
        let body = JSONValue.object(["query": .string(text), "variables": .object(variables)]).serializedData
        var rng = SystemRandomNumberGenerator()
        var last: GraphQLError?
        for attempt in 0..<retry.maxAttempts {
            if attempt > 0 { try? await Task.sleep(for: retry.delay(beforeRetry: attempt, using: &rng)) }
            do {
                let response = try await transport.post(url, body: body, timeout: retry.requestTimeout)
                guard (200..<300).contains(response.status) else {
                    last = GraphQLError(kind: .transport, subgraph: name, message: "HTTP \(response.status)", cause: nil)
                    continue
                }
                let json = try JSONValue.parse(response.body)
                if let errors = json["errors"]?.arrayValue, !errors.isEmpty {
                    let messages = errors.compactMap { $0["message"]?.stringValue }.joined(separator: "; ")
                    throw GraphQLError(kind: .query, subgraph: name, message: messages.isEmpty ? "query failed" : messages, cause: nil)
                }
                guard let data = json["data"], !data.isNull else {
                    throw GraphQLError(kind: .malformed, subgraph: name, message: "answer has no data", cause: nil)
                }
                return data
            } catch let error as GraphQLError {
                throw error
            } catch {
                last = GraphQLError(kind: .transport, subgraph: name, message: "request failed", cause: error)
            }
        }
        throw last ?? GraphQLError(kind: .transport, subgraph: name, message: "no attempt made", cause: nil)
    }

    /// The subgraph's indexing head.
    public func meta() async throws(GraphQLError) -> SubgraphMeta {
        let data = try await query("{ _meta { block { number } hasIndexingErrors } }")
        guard case .number(let n)? = data["_meta"]?["block"]?["number"], let number = UInt64(n) else {
            throw GraphQLError(kind: .malformed, subgraph: name, message: "_meta.block.number missing", cause: nil)
        }
        let errors: Bool = if case .bool(let b)? = data["_meta"]?["hasIndexingErrors"] { b } else { false }
        return SubgraphMeta(blockNumber: number, hasIndexingErrors: errors)
    }

    /// Every entity of a collection, paged by `id_gt` in id order (The Graph's recommended way:
    /// `skip` gets slow and is capped). `fields` is the selection set without braces; `filter`
    /// is extra `where` conditions such as `borrowedReservesCount_gt: 0`.
    public func all(_ collection: String, fields: String, filter: String = "", pageSize: Int = maxPageSize)
        async throws(GraphQLError) -> [JSONValue]
    {
        let size = min(max(1, pageSize), Self.maxPageSize)
        let condition = filter.isEmpty ? "id_gt: $after" : "id_gt: $after, \(filter)"
        let text = """
            query page($after: String!, $first: Int!) {
              items: \(collection)(first: $first, orderBy: id, orderDirection: asc, where: { \(condition) }) { id \(fields) }
            }
            """
        var out: [JSONValue] = []
        var after = ""
        while true {
            let data = try await query(text, variables: ["after": .string(after), "first": .number(String(size))])
            guard let items = data["items"]?.arrayValue else {
                throw GraphQLError(kind: .malformed, subgraph: name, message: "\(collection) is not a list", cause: nil)
            }
            out.append(contentsOf: items)
            guard items.count == size, let last = items.last?["id"]?.stringValue else { return out }
            guard last > after else {
                throw GraphQLError(kind: .malformed, subgraph: name, message: "ids are not increasing ('\(last)' after '\(after)')", cause: nil)
            }
            after = last
        }
    }
}
