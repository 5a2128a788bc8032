import Foundation
import Testing
import WABrowser

@Suite struct ProcessGroupMemoryTests {
    @Test func theTestsOwnProcessGroupUsesMemoryAndAnEmptyGroupIsUnknown() throws {
        let own = try #require(ProcessGroupMemory.proportionalSetSize(ofGroup: getpgrp()))
        // The test process alone has its Swift runtime and test binary mapped.
        #expect(own > 5 * 1_048_576)
        // Process group ids are process ids; pid_max is at most 2^22 on Linux.
        #expect(ProcessGroupMemory.proportionalSetSize(ofGroup: 4_194_304 + 7) == nil)
    }
}
