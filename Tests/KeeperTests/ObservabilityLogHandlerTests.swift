@testable import ServiceLogging
import Foundation

#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import Testing

@testable import Keeper

/// Golden lines from ``ServiceLogHandler`` in both formats, with values that need quoting.
@Suite struct ObservabilityLogHandlerTests {
    /// 2023-11-14T22:13:20.250Z
    static let time = Date(timeIntervalSince1970: 1_700_000_000.250)

    /// Collects what a logger writes.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        var sink: LogLineSink { LogLineSink { line in self.lines.withLock { $0.append(line) } } }
    }

    static func logger(
        _ format: LogFormat, _ lines: Lines, level: Logger.Level = .info, provider: Logger.MetadataProvider? = nil
    ) -> Logger {
        Logger(label: "keeper") { label in
            ServiceLogHandler(
                label: label, format: format, level: level, metadata: ["keeper.instance": "main"],
                metadataProvider: provider, sink: lines.sink, now: { Self.time })
        }
    }

    @Test func logfmtLineWithMergedMetadata() {
        let lines = Lines()
        var logger = Self.logger(.logfmt, lines)
        logger[metadataKey: "keeper.strategy"] = "twap-push"
        logger.info("tick done", metadata: ["keeper.block": "1234", "keeper.intents": "2"])
        #expect(lines.all == [
            #"ts=2023-11-14T22:13:20.250Z level=info msg="tick done" logger=keeper keeper.block=1234 keeper.instance=main keeper.intents=2 keeper.strategy=twap-push"# + "\n"
        ])
    }

    @Test func jsonLineWithMergedMetadata() {
        let lines = Lines()
        var logger = Self.logger(.json, lines)
        logger[metadataKey: "keeper.strategy"] = "twap-push"
        logger.info("tick done", metadata: ["keeper.block": "1234"])
        #expect(lines.all == [
            #"{"ts":"2023-11-14T22:13:20.250Z","level":"info","msg":"tick done","logger":"keeper","keeper.block":"1234","keeper.instance":"main","keeper.strategy":"twap-push"}"# + "\n"
        ])
    }

    @Test func logfmtQuotesAndEscapesTrickyValues() {
        let lines = Lines()
        let logger = Self.logger(.logfmt, lines)
        logger.warning(
            "revert: \"too late\"\nretrying",
            metadata: [
                "space": "two words", "quote": "say \"hi\"", "newline": "a\nb", "equals": "a=b", "empty": "",
                "backslash": #"C:\x"#, "tab": "a\tb", "bell": "\u{07}", "unicode": "prix €", "plain": "ok-1.5",
                "bad key": "v", "msg": "shadowed",
            ])
        #expect(lines.all == [
            #"ts=2023-11-14T22:13:20.250Z level=warning msg="revert: \"too late\"\nretrying" logger=keeper backslash="C:\\x" bad_key=v bell="\u0007" empty="" equals="a=b" keeper.instance=main _msg=shadowed newline="a\nb" plain=ok-1.5 quote="say \"hi\"" space="two words" tab="a\tb" unicode="prix €""# + "\n"
        ])
    }

    @Test func jsonEscapesTrickyValuesAndKeepsStructure() {
        let lines = Lines()
        let logger = Self.logger(.json, lines)
        logger.error(
            "line1\nline2 \"q\"",
            metadata: [
                "newline": "a\nb", "quote": "\"", "bell": "\u{07}", "separator": "\u{2028}", "unicode": "prix €",
                "nested": ["b": "2", "a": ["x", "y z"]], "level": "shadowed",
            ])
        #expect(lines.all == [
            #"{"ts":"2023-11-14T22:13:20.250Z","level":"error","msg":"line1\nline2 \"q\"","logger":"keeper","bell":"\u0007","keeper.instance":"main","_level":"shadowed","nested":{"a":["x","y z"],"b":"2"},"newline":"a\nb","quote":"\"","separator":"\u2028","unicode":"prix €"}"# + "\n"
        ])
    }

    @Test func logfmtFlattensDictionariesAndWritesArrays() {
        let lines = Lines()
        let logger = Self.logger(.logfmt, lines)
        logger.info("x", metadata: ["keeper.tx": ["nonce": "7", "fees": ["tip": "2"]], "list": ["a", "b c"]])
        #expect(lines.all == [
            #"ts=2023-11-14T22:13:20.250Z level=info msg=x logger=keeper keeper.instance=main keeper.tx.fees.tip=2 keeper.tx.nonce=7 list="[a,b c]""# + "\n"
        ])
    }

    @Test func precedenceIsHandlerThenProviderThenMessageAndErrorsAreAdded() {
        struct Refused: Error, CustomStringConvertible {
            var description: String { "signer refused: max_fee_per_gas" }
        }
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["keeper.tick": "9", "keeper.instance": "provided"] }
        var logger = Self.logger(.logfmt, lines, provider: provider)
        logger[metadataKey: "keeper.tick"] = "1"
        logger.error("sign failed", error: Refused(), metadata: ["keeper.tick": "10"])
        let line = lines.all.first ?? ""
        #expect(line.contains(" keeper.instance=provided "))
        #expect(line.contains(" keeper.tick=10"))
        #expect(line.contains(#" error.message="signer refused: max_fee_per_gas" "#))
        #expect(line.contains(" error.type="))
    }

    @Test func levelsBelowTheHandlerLevelAreDropped() {
        let lines = Lines()
        let logger = Self.logger(.logfmt, lines, level: .notice)
        logger.info("hidden")
        logger.debug("hidden")
        logger.notice("shown")
        logger.critical("shown too")
        #expect(lines.all.count == 2)
        #expect(lines.all.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().allSatisfy { $0 != "\n" } })
        #expect(lines.all.last?.contains("level=critical") == true)
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_700_000_000.999_9, "2023-11-14T22:13:20.999Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500Z"),
        (-0.5, "1969-12-31T23:59:59.500Z"),
    ])
    func timestampsAreRFC3339UTCWithMilliseconds(seconds: Double, text: String) {
        #expect(ServiceLogHandler.rfc3339(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test func aFileDescriptorSinkWritesWholeLines() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        let logger = Logger(label: "keeper") { label in
            ServiceLogHandler(label: label, format: .json, sink: LogLineSink(fileDescriptor: ends[1]), now: { Self.time })
        }
        logger.info("one")
        logger.info("two")
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(ends[0], &buffer, buffer.count)
        #expect(String(decoding: buffer[..<max(0, count)], as: UTF8.self) == """
            {"ts":"2023-11-14T22:13:20.250Z","level":"info","msg":"one","logger":"keeper"}
            {"ts":"2023-11-14T22:13:20.250Z","level":"info","msg":"two","logger":"keeper"}

            """)
    }

    @Test func formatNamesComeFromConfig() throws {
        #expect(try LogFormat(configValue: "json") == .json)
        #expect(try LogFormat(configValue: "logfmt") == .logfmt)
        #expect(throws: LogFormatError(value: "text")) { try LogFormat(configValue: "text") }
        #expect(LogFormatError(value: "text").description == #"log format "text" is not known; set format = "logfmt" or "json""#)
    }
}
