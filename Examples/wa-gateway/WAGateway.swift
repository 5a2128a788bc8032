import ArgumentParser

/// The `wa-gateway` command: the ready-made gateway that composes WACore with the adapters.
@main
struct WAGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wa-gateway",
        abstract: "Multi-tenant WhatsApp automation gateway.",
        subcommands: [Serve.self, Migrate.self, Keys.self, Admin.self],
        defaultSubcommand: Serve.self
    )
}
