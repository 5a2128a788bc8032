import Foundation

/// How an endpoint's signing secrets are kept in ``WebhookEndpoint/sealedSecrets``.
///
/// Each element is a ``SecretBox`` envelope sealed for the context (organization id, `webhook_secret`). Its
/// plaintext is a small JSON object, `{"retires_at":1767312000,"secret":"whsec_…"}`: the secret's text form and,
/// for a previous secret kept during a rotation, the Unix second after which it no longer signs. The first element
/// is the current secret (no `retires_at`). A plaintext that is not JSON is read as bare secret text, so
/// endpoints written by other tools keep working.
enum WebhookSigningKeys {
    /// The ``SecretBox`` purpose of webhook secrets.
    static let purpose = "webhook_secret"

    /// One unsealed secret.
    struct Key: Sendable {
        var secret: WebhookSecret
        /// When a previous secret stops signing; `nil` for the current one.
        var retiresAt: Date?

        func isActive(at now: Date) -> Bool { retiresAt.map { now < $0 } ?? true }
    }

    private struct Plaintext: Codable {
        var secret: String
        var retiresAt: Int64?

        enum CodingKeys: String, CodingKey {
            case secret
            case retiresAt = "retires_at"
        }
    }

    static func context(_ organization: OrganizationID) -> SecretBox.Context {
        SecretBox.Context(organization: organization.description, purpose: purpose)
    }

    static func seal(_ key: Key, for organization: OrganizationID, with box: SecretBox) throws(WAError) -> [UInt8] {
        let plaintext = Plaintext(
            secret: key.secret.text, retiresAt: key.retiresAt.map { Int64($0.timeIntervalSince1970.rounded(.up)) })
        return try box.seal(Job.encodePayload(plaintext), context: context(organization))
    }

    /// Every secret of the endpoint, current first.
    static func open(_ endpoint: WebhookEndpoint, with box: SecretBox) throws(WAError) -> [Key] {
        var keys: [Key] = []
        for envelope in endpoint.sealedSecrets {
            let bytes = try box.open(envelope, context: context(endpoint.organizationID))
            if bytes.first == UInt8(ascii: "{") {
                let plaintext: Plaintext
                do {
                    plaintext = try JSONDecoder().decode(Plaintext.self, from: Data(bytes))
                } catch {
                    throw WAError(.decryptionFailed, "a webhook secret could not be read")
                }
                keys.append(
                    Key(secret: try WebhookSecret(parsing: plaintext.secret),
                        retiresAt: plaintext.retiresAt.map { Date(timeIntervalSince1970: TimeInterval($0)) }))
            } else {
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw WAError(.decryptionFailed, "a webhook secret could not be read")
                }
                keys.append(Key(secret: try WebhookSecret(parsing: text), retiresAt: nil))
            }
        }
        return keys
    }

    /// The secrets that sign at `now`: the current one and any previous one still inside its rotation window.
    static func signing(_ endpoint: WebhookEndpoint, at now: Date, with box: SecretBox) throws(WAError)
        -> [WebhookSecret]
    {
        let keys = try open(endpoint, with: box)
        return keys.enumerated().filter { $0.offset == 0 || $0.element.isActive(at: now) }.map(\.element.secret)
    }

    /// The endpoint's envelopes without previous secrets whose window has ended; `nil` when nothing changes (or
    /// the secrets cannot be opened, in which case they are left alone).
    static func pruned(_ endpoint: WebhookEndpoint, at now: Date, with box: SecretBox) -> [[UInt8]]? {
        guard endpoint.sealedSecrets.count > 1 else { return nil }
        let keys: [Key]
        do {
            keys = try open(endpoint, with: box)
        } catch {
            // Left as they are: signing reports the unreadable secret when it is needed.
            return nil
        }
        var kept: [[UInt8]] = []
        for (index, key) in keys.enumerated() where index == 0 || key.isActive(at: now) {
            kept.append(endpoint.sealedSecrets[index])
        }
        return kept.count == endpoint.sealedSecrets.count ? nil : kept
    }
}
