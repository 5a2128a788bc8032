public import WACore

/// A shop's auto-reply bot: answers questions about prices and opening hours on every WhatsApp account of the
/// organization, at most once an hour per customer and question, and tells the shop's systems (an
/// `automation.price` or `automation.hours` event) what was asked.
public enum AutoReplyBot {
    /// Installs the bot's templates and automations in the organization `principal` acts for.
    public static func install(on gateway: Gateway, by principal: Principal) async throws {
        let answers = [
            ("price", "Hi {{name}}, our prices are at shop.example/prices"),
            ("hours", "Hi {{name}}, we are open Monday to Friday, 9:00 to 18:00"),
        ]
        for (keyword, answer) in answers {
            let template = try await gateway.templates.create(name: keyword, body: answer, by: principal)
            _ = try await gateway.automations.create(
                name: keyword, trigger: .keyword(keyword, wholeMessage: false),
                actions: [.replyWithTemplate(template.id), .emitWebhookEvent(keyword)], cooldownSeconds: 3_600,
                by: principal)
        }
    }
}
