/// Recognises and validates the four TOML 1.0 date/time forms.
enum DateTimeParser {
    /// Exactly `YYYY-MM-DD`, a valid calendar date.
    static func isDate(_ text: [UInt8]) -> Bool {
        var index = 0
        return text.count == 10 && parseDate(text, &index)
    }

    /// The kind of date/time `text` is, or `nil` if it is not a valid one.
    static func parse(_ text: [UInt8]) -> TOML.DateTime.Kind? {
        var index = 0
        if text.count >= 10, text[4] == UInt8(ascii: "-") {
            guard parseDate(text, &index) else { return nil }
            if index == text.count { return .localDate }
            guard [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(text[index]) else { return nil }
            index += 1
            guard parseTime(text, &index) else { return nil }
            if index == text.count { return .localDateTime }
            if text[index] == UInt8(ascii: "Z") || text[index] == UInt8(ascii: "z") {
                index += 1
            } else if text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
                index += 1
                guard let hours = number(text, &index, digits: 2), hours <= 23, expect(text, &index, ":"),
                    let minutes = number(text, &index, digits: 2), minutes <= 59
                else { return nil }
            } else {
                return nil
            }
            return index == text.count ? .offsetDateTime : nil
        }
        guard parseTime(text, &index), index == text.count else { return nil }
        return .localTime
    }

    private static func parseDate(_ text: [UInt8], _ index: inout Int) -> Bool {
        guard let year = number(text, &index, digits: 4), expect(text, &index, "-"),
            let month = number(text, &index, digits: 2), expect(text, &index, "-"),
            let day = number(text, &index, digits: 2), (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// `HH:MM:SS` with an optional fraction; TOML 1.0 requires the seconds.
    private static func parseTime(_ text: [UInt8], _ index: inout Int) -> Bool {
        guard let hour = number(text, &index, digits: 2), hour <= 23, expect(text, &index, ":"),
            let minute = number(text, &index, digits: 2), minute <= 59, expect(text, &index, ":"),
            let second = number(text, &index, digits: 2), second <= 60
        else { return false }
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < text.count, TOMLParser.isDigit(text[index]) { index += 1 }
            return index > start
        }
        return true
    }

    private static func number(_ text: [UInt8], _ index: inout Int, digits: Int) -> Int? {
        guard index + digits <= text.count else { return nil }
        var value = 0
        for byte in text[index..<(index + digits)] {
            guard TOMLParser.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += digits
        return value
    }

    private static func expect(_ text: [UInt8], _ index: inout Int, _ character: Unicode.Scalar) -> Bool {
        guard index < text.count, text[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }
}
