import AutoReplyBot
import Testing
import WACore
import WACoreTesting

/// How a library user tests their own logic: the memory store, the simulated network and the test clock.
@Suite("Auto-reply bot")
struct AutoReplyBotTests {
    @Test func answersEachQuestionOncePerHour() async throws {
        let clock = TestClock()
        let whatsapp = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 1))
        let gateway = Gateway(environment: .testing(clock: clock), transport: whatsapp)
        let shopPhone = whatsapp.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        let ada = whatsapp.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")
        let (_, admin) = try await gateway.team.createOrganization(
            name: "Shop", slug: "shop", adminEmail: "owner@shop.example", adminName: "Owner",
            adminPassword: "correct horse battery staple")
        let owner = Principal.acting(as: admin)  // WACoreTesting: skips signing in
        try await AutoReplyBot.install(on: gateway, by: owner)
        let account = try await gateway.instances.create(name: "shop", warmUp: .disabled, by: owner)
        try await gateway.link(account.id, with: shopPhone, by: owner)

        _ = try ada.send(text: "What is the price of a bag?", to: shopPhone.number)
        try await gateway.runUntilIdle()  // typing, sending and receipts, in virtual time
        #expect(ada.inbox.map(\.body) == ["Hi Ada, our prices are at shop.example/prices"])

        _ = try ada.send(text: "And the price of a belt?", to: shopPhone.number)
        try await gateway.runUntilIdle()
        #expect(ada.inbox.count == 1, "asked again within the hour: no second answer")

        try await gateway.advance(by: .seconds(3_600))  // an hour passes, lease renewals and all
        _ = try ada.send(text: "What are your opening hours?", to: shopPhone.number)
        try await gateway.runUntilIdle()
        // People answer after a while; a message seconds after an automated reply looks like another bot's.
        try await gateway.advance(by: .seconds(60))
        _ = try ada.send(text: "What was the price again?", to: shopPhone.number)
        try await gateway.runUntilIdle()
        #expect(ada.inbox.map(\.body).dropFirst() == [
            "Hi Ada, we are open Monday to Friday, 9:00 to 18:00", "Hi Ada, our prices are at shop.example/prices",
        ])
    }
}
