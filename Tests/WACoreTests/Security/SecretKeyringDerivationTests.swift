import Testing
import WACore
import WACoreTesting

@Suite struct SecretKeyringDerivationTests {
    @Test func aDerivedSecretIsStablePerKeyAndPurposeAndIndependentAcrossThem() throws {
        let material = (0..<32).map { UInt8($0) }
        let key = try SecretKeyring.Key(id: 1, bytes: material)
        let sameMaterial = try SecretKeyring.Key(id: 2, bytes: material)
        let other = try SecretKeyring.Key(id: 1, bytes: material.map { $0 ^ 0xFF })
        let session = key.derivedSecret(purpose: "wa-gateway/session-token/v1")
        #expect(session.count == 32)
        #expect(session == sameMaterial.derivedSecret(purpose: "wa-gateway/session-token/v1"))
        #expect(session != key.derivedSecret(purpose: "wa-gateway/session-token/v2"))
        #expect(session != other.derivedSecret(purpose: "wa-gateway/session-token/v1"))
        #expect(session != material, "the derived secret is not the key itself")
    }
}
