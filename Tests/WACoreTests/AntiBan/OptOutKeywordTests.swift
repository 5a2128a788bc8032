import Foundation
import Testing
import WACore
import WACoreTesting

/// Which messages are opt-out and opt-in keywords (pure values; the pipeline is in `OptOutTests`).
@Suite("Opt-out keywords")
struct OptOutKeywordTests {
    static let standard = OptOutSettings.standard

    /// Whole messages that are the keyword, whatever the case, accents, punctuation, emoji, spacing or width.
    @Test(arguments: [
        ("STOP", "STOP"), ("stop", "STOP"), ("  Stop.  ", "STOP"), ("Stop!!! 🛑", "STOP"), ("🛑stop🛑", "STOP"),
        ("S T O P", "STOP"), ("S.T.O.P", "STOP"), ("ＳＴＯＰ", "STOP"), ("stop\u{FE0F}", "STOP"), ("\"stop\"", "STOP"),
        ("Stop\n", "STOP"), ("stop all", "STOPALL"), ("Unsubscribe", "UNSUBSCRIBE"), ("opt-out", "OPT OUT"),
        ("OPTOUT", "OPT OUT"), ("Opt out 🙏", "OPT OUT"), ("quit", "QUIT"), ("END.", "END"), ("cancel", "CANCEL"),
        ("Baja", "BAJA"), ("cancelar", "CANCELAR"), ("Parar", "PARAR"), ("sair", "SAIR"),
        ("Descadastrar", "DESCADASTRAR"), ("Arrêt", "ARRET"), ("ARRÊT !", "ARRET"), ("désabonner", "DESABONNER"),
        ("Désinscrire", "DESINSCRIRE"), ("Stopp", "STOPP"), ("abmelden", "ABMELDEN"), ("Abbestellen", "ABBESTELLEN"),
        ("disiscriviti", "DISISCRIVITI"), ("Cancellami", "CANCELLAMI"), ("afmelden", "AFMELDEN"),
        ("Stoppen", "STOPPEN"), ("berhenti", "BERHENTI"), ("BERHENTI 🙏🏽", "BERHENTI"),
    ])
    func keywordsMatch(_ text: String, _ keyword: String) {
        #expect(Self.standard.match(text) == .optOut(keyword: keyword))
    }

    /// A keyword inside a longer message is not a request: only the whole message counts.
    @Test(arguments: [
        "don't stop sending", "Please stop", "stop it", "stop sending me this", "stopped", "unstoppable",
        "Can I cancel my order?", "the end", "STOP 2", "stop stop", "basta", "alto", "fin", "no", "", "   ", "🛑",
        "!!!", "arrête", String(repeating: "stop ", count: 200),
    ])
    func sentencesDoNotMatch(_ text: String) {
        #expect(Self.standard.match(text) == nil)
    }

    @Test func optInKeywordsAndTheSwitch() {
        #expect(Self.standard.match("start") == .optIn(keyword: "START"))
        #expect(Self.standard.match("Unstop!") == .optIn(keyword: "UNSTOP"))
        #expect(OptOutSettings.disabled.match("STOP") == nil)
        #expect(OptOutSettings.disabled.match("START") == nil)
        var custom = OptOutSettings(keywords: ["Pare", "não quero mais"], optInKeywords: [])
        custom = try! custom.validated()
        #expect(custom.match("PARE") == .optOut(keyword: "Pare"))
        #expect(custom.match("Nao quero mais!") == .optOut(keyword: "não quero mais"))
        #expect(custom.match("stop") == nil, "custom keywords replace the defaults")
        #expect(custom.match("start") == nil)
    }

    @Test func normalization() {
        #expect(OptOutKeyword.normalize("  Arrêt ! 🛑 ") == "arret")
        #expect(OptOutKeyword.normalize("İPTAL") == "iptal")
        #expect(OptOutKeyword.normalize("ﬁn") == "fin")
        #expect(OptOutKeyword.normalize("👩‍👩‍👧 🇩🇪") == "")
        #expect(OptOutKeyword.normalize("don't stop") == "dontstop")
    }

    @Test func settingsAreValidated() throws {
        let cleaned = try OptOutSettings(keywords: [" stop ", "STOP", "Stop!", "halt"], optInKeywords: ["go"]).validated()
        #expect(cleaned.keywords == ["stop", "halt"], "trimmed, and the same keyword once")
        expectWAError(.invalidArgument) { try OptOutSettings(keywords: ["🛑"]).validated() }
        expectWAError(.invalidArgument) {
            try OptOutSettings(keywords: [String(repeating: "a", count: OptOutKeyword.maximumLength + 1)]).validated()
        }
        expectWAError(.invalidArgument) {
            try OptOutSettings(keywords: (0...OptOutSettings.maximumKeywords).map { "k\($0)" }).validated()
        }
        let both = expectWAError(.invalidArgument) {
            try OptOutSettings(keywords: ["STOP"], optInKeywords: ["stop!"]).validated()
        }
        #expect(both?.field == "opt_out.opt_in_keywords")
        expectWAError(.invalidArgument) { try OptOutSettings(confirmation: "  ").validated() }
        expectWAError(.invalidArgument) {
            try OptOutSettings(optInConfirmation: String(repeating: "x", count: 1_025)).validated()
        }
        // No confirmation at all is a choice, and so are no opt-in keywords.
        _ = try OptOutSettings(optInKeywords: [], confirmation: nil, optInConfirmation: nil).validated()
        // The defaults are valid as they are.
        #expect(try OptOutSettings.standard.validated() == .standard)
    }

    /// Records written before opt-out settings and sources existed still load, with the defaults.
    @Test func recordsFromBeforeLoad() throws {
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let organization = Organization(
            id: OrganizationID(uuid: UUID()), name: "Shop", slug: "shop", plan: .pro, createdAt: now)
        var object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(organization)) as? [String: Any])
        #expect(object["optOut"] != nil)
        object["optOut"] = nil
        let old = try JSONDecoder().decode(Organization.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.optOut == .standard && old == organization)

        let contact = Contact(
            id: ContactID(uuid: UUID()), organizationID: organization.id, optedOut: true, optedOutAt: now,
            createdAt: now)
        let decoded = try JSONDecoder().decode(Contact.self, from: JSONEncoder().encode(contact))
        #expect(decoded.optedOut && decoded.optOutSource == nil)

        let instance = Instance(id: InstanceID(uuid: UUID()), organizationID: organization.id, name: "shop", createdAt: now)
        let loaded = try JSONDecoder().decode(Instance.self, from: JSONEncoder().encode(instance))
        #expect(loaded.optOut == nil && loaded.effectiveOptOut(in: organization) == .standard)
    }

    @Test func contactsRememberHowTheyOptedOut() {
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        var contact = Contact(id: ContactID(uuid: UUID()), organizationID: OrganizationID(uuid: UUID()), createdAt: now)
        let optedOut = contact.optOut(.keyword, at: now)
        #expect(optedOut)
        #expect(contact.optedOut && contact.optedOutAt == now && contact.optOutSource == .keyword)
        let again = contact.optOut(.manual, at: now.addingTimeInterval(60))
        #expect(!again, "already opted out: nothing changes")
        #expect(contact.optOutSource == .keyword && contact.optedOutAt == now)
        let optedIn = contact.optIn()
        #expect(optedIn)
        #expect(!contact.optedOut && contact.optedOutAt == nil && contact.optOutSource == nil)
        let optedInAgain = contact.optIn()
        #expect(!optedInAgain)
    }
}
