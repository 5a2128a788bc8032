/// Typed DevTools commands and event parameters, by domain (`CDP.Target.CreateTarget`, `CDP.Runtime.Evaluate`, …):
/// the part of protocol 1.3 the gateway uses. Anything else goes through
/// ``CDPConnection/send(method:params:session:timeout:as:)``.
public enum CDP {}

/// The parameters of a command that takes none (`{}`).
public struct CDPNoParameters: Encodable, Sendable {
    public init() {}
}
