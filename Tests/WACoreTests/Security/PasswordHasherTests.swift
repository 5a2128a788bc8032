import Testing
import WACore

@Suite("Password hashing")
struct PasswordHasherTests {
    /// security.md §4.1 (pyca/bcrypt tests; the `U*U` family is the OpenBSD/Openwall set). Vectors whose password is
    /// not valid UTF-8 (`b"\xa3"`, `b"\xff\xff\xa3"`) cannot be expressed as a Swift `String` and are covered in
    /// ``nonUTF8VectorsAreNotRepresentable()``.
    static let vectors: [(password: String, hash: String)] = [
        ("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
        ("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"),
        ("U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"),
        ("Kk4DQuMMfZL9o", "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"),
        ("9IeRXmnGxMYbs", "$2b$04$pQ7gRO7e6wx/936oXhNjrOUNOHL1D0h1N2IDbJZYs.1ppzSof6SPy"),
        ("xVQVbwa1S0M8r", "$2b$04$SQe9knOzepOVKoYXo9xTteNYr6MBwVz4tpriJVe3PNgYufGIsgKcW"),
    ]

    static let hasher: BcryptPasswordHasher = {
        do { return try BcryptPasswordHasher(cost: 4) } catch { fatalError("cost 4 is valid") }
    }()

    @Test(arguments: 0..<6)
    func publishedVectorVerifies(index: Int) {
        let (password, hash) = Self.vectors[index]
        #expect(Self.hasher.verify(password, against: hash))
        #expect(!Self.hasher.verify(password + "x", against: hash))
        #expect(!Self.hasher.verify(String(password.dropLast()), against: hash))
        #expect(!Self.hasher.verify(password.lowercased() == password ? password.uppercased() : password.lowercased(),
                                    against: hash))
    }

    @Test func dollarTwoYIsVerifiedAsTwoB() {
        // $2y$ (crypt_blowfish) is the same function as $2b$ for inputs ≤ 72 bytes; HummingbirdBcrypt alone
        // rejects the prefix, the hasher maps it.
        for (password, hash) in Self.vectors {
            let asY = "$2y" + hash.dropFirst(3)
            #expect(Self.hasher.verify(password, against: asY))
            #expect(!Self.hasher.verify(password + "!", against: asY))
            let asX = "$2x" + hash.dropFirst(3)
            #expect(!Self.hasher.verify(password, against: asX))
        }
    }

    @Test func nonUTF8VectorsAreNotRepresentable() {
        // b"\xa3" is not valid UTF-8: decoding repairs it to U+FFFD, whose UTF-8 bytes differ, so the published
        // hash must not verify for that String (nor for "£", whose UTF-8 is C2 A3).
        let repaired = String(decoding: [0xA3] as [UInt8], as: UTF8.self)
        #expect(Array(repaired.utf8) == [0xEF, 0xBF, 0xBD])
        let hash = "$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"
        #expect(!Self.hasher.verify(repaired, against: hash))
        #expect(!Self.hasher.verify("£", against: hash))
        #expect(!Self.hasher.verify("\u{A3}", against: "$2y" + hash.dropFirst(3)))
    }

    @Test func ownHashesVerify() throws {
        let passwords = ["correct horse battery staple", "ünïcødé-pässwörd", "emoji 🔐🦊 password", "a",
                         String(repeating: "x", count: 72), "tab\tinside", "مرحبا بالعالم 123"]
        for password in passwords {
            let hash = try Self.hasher.hash(password)
            #expect(hash.hasPrefix("$2b$04$"))
            #expect(hash.utf8.count == 60)
            #expect(Self.hasher.verify(password, against: hash))
            #expect(!Self.hasher.verify(password + " ", against: hash))
            #expect(try Self.hasher.hash(password) != hash)  // fresh salt
        }
    }

    @Test func seventyTwoBytePolicy() throws {
        let exactly72 = String(repeating: "a", count: 72)
        let hash = try Self.hasher.hash(exactly72)
        #expect(Self.hasher.verify(exactly72, against: hash))
        // 73 bytes: refused at hash time, and never verifies, even though bcrypt would truncate it to a match.
        let seventyThree = exactly72 + "b"
        #expect(!Self.hasher.verify(seventyThree, against: hash))
        do {
            _ = try Self.hasher.hash(seventyThree)
            Issue.record("hashed a 73-byte password")
        } catch {
            #expect(error.code == .weakPassword)
        }
        // Multi-byte: 24 × "€" (3 bytes each) = 72 bytes is fine, one more character is not.
        let euros = String(repeating: "€", count: 24)
        #expect(Self.hasher.verify(euros, against: try Self.hasher.hash(euros)))
        expectWAError(.weakPassword) { try Self.hasher.hash(euros + "€") }
        expectWAError(.weakPassword) { try Self.hasher.hash(String(repeating: "a", count: 71) + "é") }
    }

    @Test func nulAndEmptyPasswordsAreRefused() throws {
        expectWAError(.weakPassword) { try Self.hasher.hash("") }
        expectWAError(.weakPassword) { try Self.hasher.hash("abc\0def-ghij") }
        let hash = try Self.hasher.hash("abc")
        // The C implementation would stop at NUL and accept this; the hasher refuses it.
        #expect(!Self.hasher.verify("abc\0anything", against: hash))
        #expect(!Self.hasher.verify("", against: hash))
    }

    @Test(arguments: [0, 1, 3, 32, 100, -1])
    func invalidCostsThrowInsteadOfTrapping(cost: Int) {
        do {
            _ = try BcryptPasswordHasher(cost: cost)
            Issue.record("accepted cost \(cost)")
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func validCostsAndDefaults() throws {
        #expect(BcryptPasswordHasher().cost == 12)
        #expect(try BcryptPasswordHasher(cost: 4).cost == 4)
        #expect(try BcryptPasswordHasher(cost: 31).cost == 31)
        #expect(BcryptPasswordHasher.minimumProductionCost >= 10)
    }

    @Test(arguments: [
        "", "not a hash", "$2b$04$short",
        "$2c$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
        "$2b$03$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
        "$2b$32$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
        "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YE",
        "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm=",
        "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YE!",
        "$insecure-sha256$00$00",
    ])
    func malformedHashesNeverVerify(hash: String) {
        #expect(!Self.hasher.verify("Kk4DQuMMfZL9o", against: hash))
        #expect(Self.hasher.needsRehash(hash))
    }

    @Test func needsRehash() throws {
        let strong = try BcryptPasswordHasher(cost: 5)
        #expect(strong.needsRehash(Self.vectors[3].hash))  // $2b$04$
        #expect(strong.needsRehash(Self.vectors[0].hash))  // $2a$05$
        #expect(!strong.needsRehash(try strong.hash("some password")))
        #expect(!Self.hasher.needsRehash(Self.vectors[3].hash))
    }

    @Test func insecureFastHasherWorksButIsRecognisable() throws {
        let hasher = InsecureFastPasswordHasher(random: SeededRandomSource(seed: 1))
        let hash = try hasher.hash("correct horse battery staple")
        #expect(hash.hasPrefix(InsecureFastPasswordHasher.prefix))
        #expect(hasher.verify("correct horse battery staple", against: hash))
        #expect(!hasher.verify("correct horse battery stapl", against: hash))
        #expect(try hasher.hash("correct horse battery staple") != hash)
        #expect(!hasher.verify("x", against: Self.vectors[3].hash))
        #expect(!Self.hasher.verify("correct horse battery staple", against: hash))
        expectWAError(.weakPassword) { try hasher.hash(String(repeating: "a", count: 73)) }
        expectWAError(.weakPassword) { try hasher.hash("") }
        // Tampering with the digest or salt fails.
        var tampered = Array(hash)
        tampered[tampered.count - 1] = tampered[tampered.count - 1] == "0" ? "1" : "0"
        #expect(!hasher.verify("correct horse battery staple", against: String(tampered)))
    }

    @Test func hashersAreUsableThroughTheProtocol() throws {
        let hashers: [any PasswordHasher] = [Self.hasher, InsecureFastPasswordHasher(random: SeededRandomSource(seed: 2))]
        for hasher in hashers {
            let hash = try hasher.hash("a passphrase")
            #expect(hasher.verify("a passphrase", against: hash))
            #expect(!hasher.verify("a passphrasf", against: hash))
        }
    }
}
