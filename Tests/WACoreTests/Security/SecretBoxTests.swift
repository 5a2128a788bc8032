import Crypto
import Foundation
import Testing
import WACore

@Suite("SecretBox (AES-256-GCM at rest)")
struct SecretBoxTests {
    struct GCMVector: Sendable, CustomTestStringConvertible {
        var name: String
        var key: String
        var iv: String
        var plaintext: String
        var aad: String
        var ciphertext: String
        var tag: String
        var testDescription: String { name }
    }

    /// McGrew & Viega test cases 13–16 (security.md §6).
    static let nistVectors: [GCMVector] = {
        let zeroKey = String(repeating: "00", count: 32)
        let key15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
        let p15 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
        let c15 = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
        return [
            GCMVector(name: "TC13", key: zeroKey, iv: "000000000000000000000000", plaintext: "", aad: "",
                      ciphertext: "", tag: "530f8afbc74536b9a963b4f1c4cb738b"),
            GCMVector(name: "TC14", key: zeroKey, iv: "000000000000000000000000",
                      plaintext: "00000000000000000000000000000000", aad: "",
                      ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
            GCMVector(name: "TC15", key: key15, iv: "cafebabefacedbaddecaf888", plaintext: p15, aad: "",
                      ciphertext: c15, tag: "b094dac5d93471bdec1a502270e3cc6c"),
            GCMVector(name: "TC16", key: key15, iv: "cafebabefacedbaddecaf888", plaintext: String(p15.dropLast(8)),
                      aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2", ciphertext: String(c15.dropLast(8)),
                      tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
        ]
    }()

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    static func key(_ id: UInt32, seed: UInt64) -> SecretKeyring.Key {
        SecretKeyring.Key.generate(id: id, using: SeededRandomSource(seed: seed))
    }

    static let orgA = SecretBox.Context(organization: "2f1c7a52-0b7e-4c1e-9f5a-7d7f1a0c0001", purpose: "webhook-secret")

    static func box(_ keyring: SecretKeyring, seed: UInt64 = 1) -> SecretBox {
        SecretBox(keyring: keyring, random: SeededRandomSource(seed: seed))
    }

    @Test(arguments: nistVectors)
    func nistVectorThroughSwiftCrypto(vector: GCMVector) throws {
        let key = SymmetricKey(data: Self.bytes(vector.key))
        let sealed = try AES.GCM.seal(
            Self.bytes(vector.plaintext), using: key, nonce: try AES.GCM.Nonce(data: Self.bytes(vector.iv)),
            authenticating: Self.bytes(vector.aad))
        #expect(Array(sealed.ciphertext) == Self.bytes(vector.ciphertext))
        #expect(Array(sealed.tag) == Self.bytes(vector.tag))
        let opened = try AES.GCM.open(sealed, using: key, authenticating: Self.bytes(vector.aad))
        #expect(Array(opened) == Self.bytes(vector.plaintext))
    }

    @Test func sha256Sanity() {
        #expect(Array(SHA256.hash(data: Array("abc".utf8))) ==
                Self.bytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }

    @Test func envelopeMatchesTheDocumentedLayoutAndNISTPrimitive() throws {
        // Key = TC15's key, nonce from the random source: the envelope body must be exactly AES-GCM with the
        // documented associated data.
        let keyBytes = Self.bytes("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        let keyring = try SecretKeyring(current: try SecretKeyring.Key(id: 0x0102_0304, bytes: keyBytes))
        let nonceSource = SeededRandomSource(seed: 77)
        let expectedNonce = SeededRandomSource(seed: 77).bytes(12)
        let box = SecretBox(keyring: keyring, random: nonceSource)
        let plaintext = Array("whsec_hello".utf8)
        let envelope = try box.seal(plaintext, context: Self.orgA)
        #expect(envelope.count == plaintext.count + SecretBox.overhead)
        #expect(Array(envelope[0..<5]) == [0x01, 0x01, 0x02, 0x03, 0x04])
        #expect(Array(envelope[5..<17]) == expectedNonce)
        var aad: [UInt8] = [0x01, 0x01, 0x02, 0x03, 0x04] + Array("wa.secretbox.v1".utf8)
        let org = Array(Self.orgA.organization.utf8)
        let purpose = Array(Self.orgA.purpose.utf8)
        aad += [0, 0, 0, UInt8(org.count)] + org + [0, 0, 0, UInt8(purpose.count)] + purpose
        let reference = try AES.GCM.seal(plaintext, using: SymmetricKey(data: keyBytes),
                                         nonce: try AES.GCM.Nonce(data: expectedNonce), authenticating: aad)
        #expect(Array(envelope[17...]) == Array(reference.ciphertext) + Array(reference.tag))
        #expect(try SecretBox.keyID(of: envelope) == 0x0102_0304)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 1000])
    func roundTrip(length: Int) throws {
        let keyring = try SecretKeyring(current: Self.key(1, seed: 10))
        let box = Self.box(keyring)
        let plaintext = SeededRandomSource(seed: UInt64(length)).bytes(length)
        let envelope = try box.seal(plaintext, context: Self.orgA)
        #expect(try box.open(envelope, context: Self.orgA) == plaintext)
        let again = try box.seal(plaintext, context: Self.orgA)
        #expect(again != envelope)  // fresh nonce
        #expect(try box.open(again, context: Self.orgA) == plaintext)
    }

    @Test func stringRoundTrip() throws {
        let box = Self.box(try SecretKeyring(current: Self.key(1, seed: 10)))
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw — ünïcødé 🔐"
        #expect(try box.openString(try box.seal(secret, context: Self.orgA), context: Self.orgA) == secret)
        let binary = try box.seal([0xFF, 0xFE], context: Self.orgA)
        expectWAError(.decryptionFailed) { try box.openString(binary, context: Self.orgA) }
    }

    @Test func flippingAnySingleByteFailsToOpen() throws {
        let box = Self.box(try SecretKeyring(current: Self.key(7, seed: 10)))
        let envelope = try box.seal(Array("a secret worth protecting".utf8), context: Self.orgA)
        for index in envelope.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var tampered = envelope
                tampered[index] ^= mask
                do {
                    _ = try box.open(tampered, context: Self.orgA)
                    Issue.record("opened with byte \(index) ^ \(mask)")
                } catch {
                    #expect([.decryptionFailed, .unknownKey].contains(error.code))
                    if (1..<5).contains(index) { #expect(error.code == .unknownKey) }
                }
            }
        }
        // Truncation and extension fail too.
        for length in 0..<envelope.count {
            expectWAError(.decryptionFailed) { try box.open(Array(envelope.prefix(length)), context: Self.orgA) }
        }
        expectWAError(.decryptionFailed) { try box.open(envelope + [0], context: Self.orgA) }
    }

    @Test func contextIsBound() throws {
        let box = Self.box(try SecretKeyring(current: Self.key(1, seed: 10)))
        let envelope = try box.seal("token", context: Self.orgA)
        let wrong: [SecretBox.Context] = [
            .init(organization: "2f1c7a52-0b7e-4c1e-9f5a-7d7f1a0c0002", purpose: "webhook-secret"),
            .init(organization: Self.orgA.organization, purpose: "session-key"),
            .init(organization: Self.orgA.organization.uppercased(), purpose: "webhook-secret"),
            .init(organization: Self.orgA.organization + "w", purpose: "ebhook-secret"),  // same concatenation
            .init(organization: "webhook-secret", purpose: Self.orgA.organization),
        ]
        for context in wrong {
            do {
                _ = try box.open(envelope, context: context)
                Issue.record("opened as \(context)")
            } catch {
                #expect(error.code == .decryptionFailed)
            }
        }
        expectWAError(.invalidArgument) { try box.seal("x", context: .init(organization: "", purpose: "p")) }
        expectWAError(.invalidArgument) { try box.seal("x", context: .init(organization: "o", purpose: "")) }
    }

    @Test func rewrittenKeyIDFailsEvenWhenTheOtherKeyIsPresent() throws {
        // Both keys hold the same material: only the key id bound in the associated data stops the swap.
        let material = SeededRandomSource(seed: 3).bytes(32)
        let keyring = try SecretKeyring(current: try .init(id: 1, bytes: material),
                                        retired: [try .init(id: 2, bytes: material)])
        let box = Self.box(keyring)
        var envelope = try box.seal("token", context: Self.orgA)
        envelope[4] = 2
        do {
            _ = try box.open(envelope, context: Self.orgA)
            Issue.record("opened under a rewritten key id")
        } catch {
            #expect(error.code == .decryptionFailed)
        }
    }

    @Test func unknownKeyAndWrongKey() throws {
        let envelope = try Self.box(try SecretKeyring(current: Self.key(1, seed: 10)))
            .seal("token", context: Self.orgA)
        let otherKeyring = Self.box(try SecretKeyring(current: Self.key(2, seed: 11)))
        do {
            _ = try otherKeyring.open(envelope, context: Self.orgA)
            Issue.record("opened with an unknown key")
        } catch {
            #expect(error.code == .unknownKey)
        }
        // Same id, different material.
        let impostor = Self.box(try SecretKeyring(current: Self.key(1, seed: 12)))
        do {
            _ = try impostor.open(envelope, context: Self.orgA)
            Issue.record("opened with the wrong material")
        } catch {
            #expect(error.code == .decryptionFailed)
        }
        var badVersion = envelope
        badVersion[0] = 0x02
        expectWAError(.decryptionFailed) { try SecretBox.keyID(of: badVersion) }
    }

    @Test func rotation() throws {
        let key1 = Self.key(1, seed: 10)
        let key2 = Self.key(2, seed: 20)
        let before = Self.box(try SecretKeyring(current: key1))
        let old = try before.seal("webhook secret", context: Self.orgA)
        #expect(try SecretBox.keyID(of: old) == 1)

        let after = try before.rotated(to: key2)
        #expect(after.keyring.current.id == 2)
        #expect(after.keyring.retired.map(\.id) == [1])
        #expect(after.keyring.keyIDs == [2, 1])
        #expect(!after.isSealedWithCurrentKey(old))
        #expect(try after.openString(old, context: Self.orgA) == "webhook secret")

        let fresh = try after.seal("new", context: Self.orgA)
        #expect(try SecretBox.keyID(of: fresh) == 2)

        let resealed = try after.reseal(old, context: Self.orgA)
        #expect(try SecretBox.keyID(of: resealed) == 2)
        #expect(after.isSealedWithCurrentKey(resealed))
        #expect(try after.openString(resealed, context: Self.orgA) == "webhook secret")
        // Resealing a current-key envelope is a verified no-op.
        #expect(try after.reseal(resealed, context: Self.orgA) == resealed)
        // ... but it still authenticates.
        expectWAError(.decryptionFailed) {
            try after.reseal(resealed, context: .init(organization: "other", purpose: "webhook-secret"))
        }

        // Once key 1 is dropped, old envelopes are unreadable but resealed ones are fine.
        let pruned = SecretBox(keyring: after.keyring.removingRetiredKey(id: 1), random: SeededRandomSource(seed: 3))
        #expect(pruned.keyring.keyIDs == [2])
        do {
            _ = try pruned.open(old, context: Self.orgA)
            Issue.record("opened a key-1 envelope without key 1")
        } catch {
            #expect(error.code == .unknownKey)
        }
        #expect(try pruned.openString(resealed, context: Self.orgA) == "webhook secret")
        // A keyring built with key 2 alone behaves the same.
        expectWAError(.unknownKey) {
            try SecretBox(keyring: try SecretKeyring(current: key2), random: SeededRandomSource(seed: 4))
                .open(old, context: Self.orgA)
        }
    }

    @Test func keyringValidation() throws {
        let key1 = Self.key(1, seed: 10)
        let key2 = Self.key(2, seed: 20)
        expectWAError(.invalidArgument) { try SecretKeyring(current: key1, retired: [Self.key(1, seed: 11)]) }
        expectWAError(.invalidArgument) { try SecretKeyring(current: key1, retired: [key2, key2]) }
        expectWAError(.invalidArgument) { try SecretKeyring.Key(id: 1, bytes: [UInt8](repeating: 0, count: 16)) }
        expectWAError(.invalidArgument) { try SecretKeyring.Key(id: 1, bytes: [UInt8](repeating: 0, count: 33)) }
        let keyring = try SecretKeyring(current: key1)
        expectWAError(.invalidArgument) { try keyring.rotated(to: key1) }
        let rotated = try keyring.rotated(to: key2)
        // Rolling back to the retired key 1 works (same material) ...
        let rolledBack = try rotated.rotated(to: key1)
        #expect(rolledBack.keyIDs == [1, 2])
        // ... but reusing id 1 for new material does not.
        expectWAError(.invalidArgument) { try rotated.rotated(to: Self.key(1, seed: 99)) }
        #expect(rotated.removingRetiredKey(id: 2).keyIDs == [2, 1])  // current key is never removed
    }

    @Test func keyMaterialNeverAppearsInDescriptions() throws {
        let material = SeededRandomSource(seed: 5).bytes(32)
        let key = try SecretKeyring.Key(id: 9, bytes: material)
        let keyring = try SecretKeyring(current: key, retired: [Self.key(3, seed: 1)])
        let box = Self.box(keyring)
        var dumped = ""
        dump(box, to: &dumped)
        dump(keyring, to: &dumped)
        dump(key, to: &dumped)
        let renderings = [
            dumped, String(describing: key), String(reflecting: key), String(describing: keyring),
            String(reflecting: keyring), String(describing: box), String(reflecting: box), "\(key)",
        ]
        let hex = material.map { String($0, radix: 16) }.joined()
        let paddedHex = material.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        for rendering in renderings {
            #expect(!rendering.contains(hex))
            #expect(!rendering.contains(paddedHex))
            #expect(!rendering.contains(String(describing: material)))
            #expect(!rendering.contains(material.map(String.init).joined(separator: ", ")))
            #expect(!rendering.contains(Data(material).base64EncodedString()))
        }
        #expect(String(describing: keyring) == "SecretKeyring(current: 9, retired: [3])")
    }
}
