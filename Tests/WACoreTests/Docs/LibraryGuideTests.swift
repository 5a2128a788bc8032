import Foundation
import Testing

/// Docs/Library.md shows the files of `Examples/` (the auto-reply bot, its program and its tests), which the
/// package builds and tests; this keeps the guide and those files the same. `scripts/check-library-guide` pastes
/// the guide's code into a new package that depends on this one by path and runs it.
@Suite("Docs/Library.md")
struct LibraryGuideTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The guide's Swift code blocks, in order.
    static func codeBlocks() throws -> [String] {
        let guide = try String(contentsOf: root.appendingPathComponent("Docs/Library.md"), encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in guide.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.hasPrefix("```swift") {
                current = []
            } else if current != nil, line.hasPrefix("```") {
                blocks.append(current!.joined(separator: "\n") + "\n")
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test(arguments: [
        "Examples/AutoReplyBot/AutoReplyBot.swift", "Examples/auto-reply-bot/main.swift",
        "Examples/AutoReplyBotTests/AutoReplyBotTests.swift",
    ])
    func theGuideShowsTheExampleFileWhole(_ path: String) throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        #expect(try Self.codeBlocks().contains(file), "Docs/Library.md shows \(path) as it is")
    }

    @Test func everyCodeBlockIsAnExampleFileOrTheManifest() throws {
        let blocks = try Self.codeBlocks()
        #expect(blocks.count == 4)
        let manifests = blocks.filter { $0.hasPrefix("// swift-tools-version:") }
        #expect(manifests.count == 1, "one Package.swift, which scripts/check-library-guide builds")
    }
}
