import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.APIKey {
    /// The key's record; its secret is never part of it.
    init(_ key: WACore.APIKey) {
        self.init(
            id: key.id.description, name: key.name, createdBy: key.createdBy.description, hint: key.hint,
            scopes: key.scopes.sorted().map(\.rawValue), expiresAt: key.expiresAt, lastUsedAt: key.lastUsedAt,
            revokedAt: key.revokedAt, replacedBy: key.replacedBy?.description, createdAt: key.createdAt,
            version: key.version)
    }
}

extension Components.Schemas.NewAPIKey {
    /// A key just issued, with its secret: the one response that shows it.
    init(_ issued: APIKeyService.IssuedKey) {
        let key = issued.record
        self.init(
            id: key.id.description, name: key.name, createdBy: key.createdBy.description, hint: key.hint,
            scopes: key.scopes.sorted().map(\.rawValue), expiresAt: key.expiresAt, createdAt: key.createdAt,
            version: key.version, secret: issued.secret.reveal())
    }
}
