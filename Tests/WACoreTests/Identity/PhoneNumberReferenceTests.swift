import Foundation
import Testing

@testable import WACore

/// The phone-number metadata and the expected results in `PhoneNumberTests` come from one pinned version of
/// libphonenumber (Python `phonenumbers`, `scripts/requirements.txt`).
@Suite("PhoneNumber against the pinned libphonenumber")
struct PhoneNumberReferenceTests {
    @Test func theMetadataWasGeneratedFromThePinnedVersion() throws {
        let pinned = try #require(ReferencePython.pinnedVersions["phonenumbers"], "scripts/requirements.txt pins phonenumbers")
        #expect(PhoneNumberMetadata.sourceVersion == pinned)
    }

    /// `scripts/generate-phone-table.py --check`: the table in `PhoneNumberTests` is what libphonenumber answers.
    @Test(.enabled(if: ReferencePython.shouldRun("phonenumbers"), "python3 with phonenumbers is not installed"))
    func theTestTableMatchesLibphonenumber() throws {
        try ReferencePython.require("phonenumbers")
        let version = try ReferencePython.run(["-c", "import phonenumbers; print(phonenumbers.__version__)"])
        #expect(
            version.output.trimmingCharacters(in: .whitespacesAndNewlines) == ReferencePython.pinnedVersions["phonenumbers"],
            "the installed phonenumbers is the pinned one")
        let check = try ReferencePython.run(["scripts/generate-phone-table.py", "--check"])
        #expect(check.status == 0, "scripts/generate-phone-table.py --check: \(check.output)")
    }

    /// `scripts/generate-phone-metadata.py`: the committed table is what the pinned libphonenumber generates.
    @Test(.enabled(if: ReferencePython.shouldRun("phonenumbers"), "python3 with phonenumbers is not installed"))
    func theMetadataTableIsWhatTheScriptGenerates() throws {
        try ReferencePython.require("phonenumbers")
        let generated = try ReferencePython.run(["scripts/generate-phone-metadata.py"])
        #expect(generated.status == 0, "\(generated.output.prefix(2_000))")
        let committed = try String(
            contentsOf: ReferencePython.packageRoot.appendingPathComponent(
                "Sources/WACore/Identity/PhoneNumberMetadata+Table.swift"),
            encoding: .utf8)
        #expect(generated.output == committed, "regenerate it: python3 scripts/generate-phone-metadata.py > Sources/WACore/Identity/PhoneNumberMetadata+Table.swift")
    }
}
