import Foundation
import Testing
import WACore
import WACoreTesting

/// Opt-out keywords and automations: the gateway answers `STOP` itself, once; automations do not also run.
@Suite("Automations and opt-out keywords")
struct AutomationOptOutTests {
    @Test func anOptOutKeywordDoesNotAlsoFireAutomations() async throws {
        let h = try await AutomationHarness()
        try await h.autoReply(.keyword("stop", wholeMessage: false), text: "Sorry to see you go", extra: [.tagContact("churn")])
        try await h.autoReply(.firstMessageFromNewContact, text: "Welcome!")

        // Bob's first message ever is STOP: no welcome, no keyword reply, no tag; one confirmation.
        let bob = try h.phone("2222222", name: "Bob")
        _ = try bob.send(text: "STOP", to: h.shop.phone.number)
        let org = h.shop.organization.id
        _ = try await h.clock.waitFor("Bob opted out") {
            let contact = try await h.env.store.transaction(.organization(org)) {
                try await $0.contacts.find(phone: bob.number, in: org)
            }
            return contact?.optedOut == true ? contact : nil
        }
        try await h.dispatchAll()
        #expect(h.texts(bob) == [OptOutSettings.defaultConfirmation])
        #expect(try await h.automatedReplies().isEmpty)
        #expect(try await h.auditEvents(AutomationRunRecord.fired).isEmpty)
        #expect(try await h.contact(bob).tags.isEmpty)
        #expect(h.shop.processed.value == 0, "the keyword was not handed to the engine")

        // A sentence containing the word is an ordinary message: the automations run as before.
        let carol = try h.phone("3333333", name: "Carol")
        _ = try carol.send(text: "Please don't stop the newsletter", to: h.shop.phone.number)
        try await h.clock.waitUntil("Carol's message handled") { h.shop.processed.value == 1 }
        try await h.dispatchAll()
        #expect(Set(h.texts(carol)) == ["Sorry to see you go", "Welcome!"])
        #expect(try await h.contact(carol).tags.contains("churn"))
        #expect(try await !h.contact(carol).optedOut)
        #expect(h.errors.all.isEmpty)
    }
}
