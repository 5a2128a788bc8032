import Foundation
import Testing
import WACore

/// `PhoneNumber` against libphonenumber (Python `phonenumbers`, the pinned version) over the inputs
/// `scripts/phone-cross-check.py` generates: every region's example numbers, in every form, mutated the way real
/// contact lists mutate them.
@Suite("PhoneNumber cross-check with libphonenumber")
struct PhoneNumberCrossCheckTests {
    /// One generated input and libphonenumber's verdict.
    struct Line {
        let input: String
        let region: String?
        let category: String
        /// `nil`: refused in every mode.
        let verdict: (e164: String, valid: Bool, type: String)?
    }

    /// The outcome of one input in one mode, comparable with the verdict.
    private static func outcome(_ line: Line, _ validation: PhoneNumberValidation) -> String {
        do {
            let number = try PhoneNumber(line.input, defaultRegion: line.region, validation: validation)
            return "\(number.e164) \(number.isValid) \(number.type.rawValue)"
        } catch {
            return "refused"
        }
    }

    private static func expected(_ line: Line, _ validation: PhoneNumberValidation) -> String {
        guard let verdict = line.verdict, verdict.valid || validation == .possible else { return "refused" }
        return "\(verdict.e164) \(verdict.valid) \(verdict.type)"
    }

    static func lines() throws -> [Line] {
        let run = try ReferencePython.run(["scripts/phone-cross-check.py"])
        guard run.status == 0 else { throw ScriptFailed(output: run.output) }
        return try run.output.split(separator: "\n").map { text in
            let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any]
            guard let array, array.count == 4, let input = array[0] as? String, let category = array[2] as? String
            else { throw ScriptFailed(output: String(text)) }
            var verdict: (String, Bool, String)?
            if let parts = array[3] as? [Any], parts.count == 3, let e164 = parts[0] as? String,
                let valid = parts[1] as? Bool, let type = parts[2] as? String
            {
                verdict = (e164, valid, type)
            }
            return Line(input: input, region: array[1] as? String, category: category, verdict: verdict)
        }
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        let output: String
        var description: String { "scripts/phone-cross-check.py failed: \(output.prefix(2_000))" }
    }

    @Test(.enabled(if: ReferencePython.shouldRun("phonenumbers"), "python3 with phonenumbers is not installed"))
    func everyVerdictAndTypeAgrees() throws {
        try ReferencePython.require("phonenumbers")
        let lines = try Self.lines()
        #expect(lines.count >= 10_000, "the script generates at least 10,000 inputs (\(lines.count))")
        var disagreements: [String: [String]] = [:]
        var compared = 0
        for line in lines {
            for validation in [PhoneNumberValidation.valid, .possible] {
                let actual = Self.outcome(line, validation)
                let expected = Self.expected(line, validation)
                compared += 1
                if actual != expected {
                    disagreements[line.category, default: []].append(
                        "\(validation) \(line.input.debugDescription) in \(line.region ?? "-"): \(actual), libphonenumber \(expected)")
                }
            }
        }
        let total = disagreements.values.map(\.count).reduce(0, +)
        let report = disagreements.sorted { $0.key < $1.key }.map { category, cases in
            "\(category): \(cases.count)\n  " + cases.prefix(5).joined(separator: "\n  ")
        }.joined(separator: "\n")
        #expect(total == 0, "\(total) of \(compared) outcomes disagree with libphonenumber\n\(report)")
    }
}
