import AutoReplyBot
import WACore

// Everything in this process's memory, on the system clock; WhatsApp is the simulated network.
let environment = ServiceEnvironment.inMemory()
let whatsapp = SimulatedWhatsApp(clock: environment.clock, random: environment.random)
let gateway = Gateway(environment: environment, transport: whatsapp)
let shopPhone = whatsapp.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
let ada = whatsapp.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")

// An organization, its owner signed in, and the bot.
_ = try await gateway.team.createOrganization(
    name: "Shop", slug: "shop", adminEmail: "owner@shop.example", adminName: "Owner",
    adminPassword: "correct horse battery staple")
let (owner, _) = try await gateway.team.authenticate(
    organizationSlug: "shop", email: "owner@shop.example", password: "correct horse battery staple")
try await AutoReplyBot.install(on: gateway, by: owner)

// Watch what happens inside, as it commits: the same events webhooks carry, numbered in order.
let watcher = Task {
    for try await logged in gateway.events.subscribe(from: .oldest, by: owner) {
        print("  event \(logged.sequence): \(logged.event.type)")
    }
}

// The shop's WhatsApp account, linked by scanning its QR code with the shop's phone.
let workers = Task { try await gateway.runUntilCancelled() }
let account = try await gateway.instances.create(name: "shop", warmUp: .disabled, by: owner)
_ = try await gateway.instances.start(account.id, by: owner)
var qr = try await gateway.instances.linkCode(account.id, by: owner)
while qr == nil {
    try await Task.sleep(for: .milliseconds(10))
    qr = try await gateway.instances.linkCode(account.id, by: owner)
}
try whatsapp.scan(qrCode: qr!.value, with: shopPhone.number)

// A customer asks; the bot answers, typing like a person.
_ = try ada.send(text: "What is the price of a bag?", to: shopPhone.number)
while ada.inbox.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
print("Ada asked:    What is the price of a bag?")
print("Shop replied: \(ada.inbox[0].body ?? "")")
workers.cancel()
watcher.cancel()
