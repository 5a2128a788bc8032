import Foundation

/// The Python reference implementations that cross-checks run against, pinned in `scripts/requirements.txt`
/// (`scripts/test` installs them).
///
/// Without `python3` or a package a cross-check is skipped locally, but on CI (the `CI` environment variable set,
/// as when `.ci/run` runs) it runs and fails naming what is missing, so a cross-check cannot silently vanish:
///
/// ```swift
/// @Test(.enabled(if: ReferencePython.shouldRun("bcrypt"), "python3 with bcrypt is not installed"))
/// func crossCheck() throws {
///     try ReferencePython.require("bcrypt")
///     …
/// }
/// ```
enum ReferencePython {
    /// The package root (the folder of `Package.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // WACoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// Whether this run is on CI: `CI` is set to anything but empty, `0` or `false`.
    static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !["", "0", "false"].contains(value.lowercased())
    }()

    /// The pinned versions of `scripts/requirements.txt`, by package name.
    static let pinnedVersions: [String: String] = {
        let url = packageRoot.appendingPathComponent("scripts/requirements.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var pins: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let requirement = line.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            guard let range = requirement.range(of: "==") else { continue }
            pins[String(requirement[..<range.lowerBound])] = String(requirement[range.upperBound...])
        }
        return pins
    }()

    /// Whether `python3` can import `module`.
    static func canImport(_ module: String) -> Bool {
        (try? run(["-c", "import \(module)"]))?.status == 0
    }

    /// Whether a cross-check that needs `module` runs: when `python3` can import it, and always on CI.
    static func shouldRun(_ module: String) -> Bool { isCI || canImport(module) }

    /// Throws ``Missing`` naming `module` unless `python3` can import it; cross-checks call it first.
    static func require(_ module: String) throws {
        guard canImport(module) else { throw Missing(module: module) }
    }

    /// Runs `python3` with `arguments` in the package root; returns its status and its standard output and error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = packageRoot
        let pipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readAllRetryingInterrupts()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// A reference module that `python3` cannot import (or no `python3` at all).
    struct Missing: Error, CustomStringConvertible {
        let module: String
        var description: String {
            "python3 cannot import the reference module '\(module)': install the pinned packages with "
                + "`python3 -m pip install -r scripts/requirements.txt`"
                + (ReferencePython.isCI ? " (on CI every cross-check must run)" : "")
        }
    }
}
