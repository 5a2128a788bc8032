/// Why the gateway cannot start or a command cannot run, said for the operator (a path, a setting, what to do).
struct SetupError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
