import TOML

/// A compact, type-tagged rendering of a parsed document, so a test can state the whole
/// expected tree on one line: strings quoted, floats as `f(1.5)`, dates as `d(text)`.
func render(_ value: TOML.Value) -> String {
    switch value {
    case .string(let s): return "\"" + s.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() + "\""
    case .integer(let i): return "\(i)"
    case .float(let d): return "f(\(d))"
    case .boolean(let b): return "\(b)"
    case .dateTime(let d): return "d(\(d.text))"
    case .array(let a): return "[" + a.map { render($0.value) }.joined(separator: ",") + "]"
    case .table(let t): return render(t)
    }
}

func render(_ table: TOML.Table) -> String {
    "{" + table.entries.map { "\($0.key)=\(render($0.value))" }.joined(separator: ",") + "}"
}
