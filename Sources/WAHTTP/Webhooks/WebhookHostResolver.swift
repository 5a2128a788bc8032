public import WACore

/// Turns a webhook target's host name into IP addresses, for ``HTTPWebhookSender``.
///
/// The sender checks every address the resolver returns with the request's ``WebhookURLPolicy`` and then connects
/// to one of exactly those addresses, so the resolver is the only name lookup an attempt makes (no second lookup
/// that a rebinding DNS server could answer differently). ``SystemWebhookHostResolver`` (the system's
/// `getaddrinfo`) is the default; tests and deployments with their own DNS pass another.
public protocol WebhookHostResolver: Sendable {
    /// Every address `host` resolves to, IPv4 and IPv6, in the order connections should prefer. Throws when the
    /// name does not resolve; an empty answer counts as not resolved. `host` is a lowercase host name, never an
    /// IP literal.
    func addresses(of host: String) async throws -> [IPAddress]
}
