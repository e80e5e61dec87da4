public import EVM
public import Foundation

extension JSONValue {
    /// The compact JSON text as `Data`, for HTTP bodies.
    public var serializedData: Data { Data(serialized.utf8) }
}
