import Testing
import WACore

@Suite("Webhook URL policy")
struct WebhookURLPolicyTests {
    enum Expected: Sendable, CustomStringConvertible {
        case accepted(String)
        case invalid
        case forbidden

        var description: String {
            switch self {
            case .accepted(let url): "accepted \(url)"
            case .invalid: "invalid"
            case .forbidden: "forbidden"
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let input: String
        let expected: Expected
        init(_ input: String, _ expected: Expected) {
            self.input = input
            self.expected = expected
        }
        var testDescription: String { "\(input.prefix(60)) → \(expected)" }
    }

    /// The default policy: https and public targets only.
    static let standardRows: [Row] = [
        // Accepted, normalized
        Row("https://example.com/hooks", .accepted("https://example.com/hooks")),
        Row("HTTPS://Example.COM/Hooks?x=1", .accepted("https://example.com/Hooks?x=1")),
        Row("https://example.com", .accepted("https://example.com/")),
        Row("https://example.com:443/a", .accepted("https://example.com/a")),
        Row("https://example.com:08443/a", .accepted("https://example.com:8443/a")),
        Row("https://example.com?token=abc", .accepted("https://example.com/?token=abc")),
        Row("https://example.com./a", .accepted("https://example.com/a")),
        Row("https://hooks_1.example.com/wa", .accepted("https://hooks_1.example.com/wa")),
        Row("https://xn--bcher-kva.example/", .accepted("https://xn--bcher-kva.example/")),
        Row("https://example.com/path@with-at", .accepted("https://example.com/path@with-at")),
        Row("  https://example.com/x \n", .accepted("https://example.com/x")),
        Row("https://93.184.215.14/x", .accepted("https://93.184.215.14/x")),
        Row("https://8.8.8.8", .accepted("https://8.8.8.8/")),
        Row("https://0x08.0x08.0x08.0x08/", .accepted("https://8.8.8.8/")),
        Row("https://134744072/", .accepted("https://8.8.8.8/")),
        Row("https://172.15.255.255/", .accepted("https://172.15.255.255/")),
        Row("https://172.32.0.1/", .accepted("https://172.32.0.1/")),
        Row("https://100.63.255.255/", .accepted("https://100.63.255.255/")),
        Row("https://100.128.0.1/", .accepted("https://100.128.0.1/")),
        Row("https://169.253.255.255/", .accepted("https://169.253.255.255/")),
        Row("https://11.0.0.1/", .accepted("https://11.0.0.1/")),
        Row("https://[2606:4700:4700::1111]/x", .accepted("https://[2606:4700:4700::1111]/x")),
        Row("https://[2606:4700:4700:0:0:0:0:1111]:8443", .accepted("https://[2606:4700:4700::1111]:8443/")),
        Row("https://[2606:4700:4700::ABCD]/", .accepted("https://[2606:4700:4700::abcd]/")),
        Row("https://[::ffff:8.8.8.8]/", .accepted("https://[::ffff:808:808]/")),
        Row("https://[64:ff9b::8.8.8.8]/", .accepted("https://[64:ff9b::808:808]/")),

        // Malformed
        Row("", .invalid),
        Row(" \t ", .invalid),
        Row("http://example.com/", .invalid),
        Row("ftp://example.com/", .invalid),
        Row("javascript://example.com/%0aalert(1)", .invalid),
        Row("https:/example.com", .invalid),
        Row("https:example.com", .invalid),
        Row("//example.com/", .invalid),
        Row("example.com/hook", .invalid),
        Row("https://user:pass@example.com/", .invalid),
        Row("https://user@example.com/", .invalid),
        Row("https://example.com@127.0.0.1/", .invalid),
        Row("https://example.com/#fragment", .invalid),
        Row("https://exa mple.com/", .invalid),
        Row("https://example.com/a\tb", .invalid),
        Row("https://example.com\n/", .invalid),
        Row("https://example.com\\@evil.com/", .invalid),
        Row("https://exämple.com/", .invalid),
        Row("https://", .invalid),
        Row("https:///path", .invalid),
        Row("https://:443/", .invalid),
        Row("https://example.com:0/", .invalid),
        Row("https://example.com:65536/", .invalid),
        Row("https://example.com:/", .invalid),
        Row("https://example.com:44a/", .invalid),
        Row("https://example.com:+443/", .invalid),
        Row("https://exam%70le.com/", .invalid),
        Row("https://%31%32%37.0.0.1/", .invalid),
        Row("https://[::1/", .invalid),
        Row("https://[::1]x/", .invalid),
        Row("https://::1/", .invalid),
        Row("https://[fe80::1%25eth0]/", .invalid),
        Row("https://[1:2:3:4:5:6:7:8:9]/", .invalid),
        Row("https://[1::2::3]/", .invalid),
        Row("https://[::ffff:127.000.0.1]/", .invalid),
        Row("https://1.2.3.256/", .invalid),
        Row("https://1.2.3.4.5/", .invalid),
        Row("https://09.1.1.1/", .invalid),
        Row("https://4294967296/", .invalid),
        Row("https://-bad.example.com/", .invalid),
        Row("https://bad-.example.com/", .invalid),
        Row("https://a..example.com/", .invalid),
        Row("https://" + String(repeating: "a", count: 64) + ".example.com/", .invalid),
        Row("https://example.com/" + String(repeating: "a", count: 2030), .invalid),

        // Non-public targets
        Row("https://127.0.0.1/", .forbidden),
        Row("https://127.0.0.1:8443/hook", .forbidden),
        Row("https://127.1/", .forbidden),
        Row("https://127.0.1/", .forbidden),
        Row("https://2130706433/", .forbidden),
        Row("https://0177.0.0.1/", .forbidden),
        Row("https://0x7f.1/", .forbidden),
        Row("https://0x7f000001/", .forbidden),
        Row("https://0X7F.0.0.1/", .forbidden),
        Row("https://017700000001/", .forbidden),
        Row("https://127.0.0.1./", .forbidden),
        Row("https://localhost/", .forbidden),
        Row("https://LOCALHOST:8080/", .forbidden),
        Row("https://localhost./", .forbidden),
        Row("https://api.localhost/", .forbidden),
        Row("https://10.0.0.1/", .forbidden),
        Row("https://10.255.255.255/", .forbidden),
        Row("https://172.16.0.1/", .forbidden),
        Row("https://172.31.255.255/", .forbidden),
        Row("https://192.168.1.1/", .forbidden),
        Row("https://0xc0.0xa8.1.1/", .forbidden),
        Row("https://169.254.169.254/latest/meta-data/", .forbidden),
        Row("https://169.254.0.1/", .forbidden),
        Row("https://0.0.0.0/", .forbidden),
        Row("https://0/", .forbidden),
        Row("https://100.64.0.1/", .forbidden),
        Row("https://100.127.255.254/", .forbidden),
        Row("https://224.0.0.1/", .forbidden),
        Row("https://239.255.255.250/", .forbidden),
        Row("https://255.255.255.255/", .forbidden),
        Row("https://240.0.0.1/", .forbidden),
        Row("https://192.0.2.10/", .forbidden),
        Row("https://198.18.0.1/", .forbidden),
        Row("https://[::1]/", .forbidden),
        Row("https://[0:0:0:0:0:0:0:1]:8080/", .forbidden),
        Row("https://[::]/", .forbidden),
        Row("https://[::ffff:127.0.0.1]/", .forbidden),
        Row("https://[::ffff:7f00:1]/", .forbidden),
        Row("https://[::ffff:169.254.169.254]/", .forbidden),
        Row("https://[::ffff:10.0.0.1]/", .forbidden),
        Row("https://[::127.0.0.1]/", .forbidden),
        Row("https://[fc00::1]/", .forbidden),
        Row("https://[fd12:3456::1]/", .forbidden),
        Row("https://[fe80::1]/", .forbidden),
        Row("https://[febf::1]/", .forbidden),
        Row("https://[ff02::1]/", .forbidden),
        Row("https://[64:ff9b::10.0.0.1]/", .forbidden),
        Row("https://[2002:7f00:1::]/", .forbidden),
        Row("https://[2001:db8::1]/", .forbidden),
        Row("https://metadata.google.internal/computeMetadata/v1/", .forbidden),
        Row("https://metadata/", .forbidden),
        Row("https://intranet/", .forbidden),
        Row("https://printer.local/", .forbidden),
        Row("https://router.home.arpa/", .forbidden),
        Row("https://1.0.0.127.in-addr.arpa/", .forbidden),
    ]

    @Test(arguments: standardRows)
    func standardPolicy(_ row: Row) throws {
        try check(row, policy: .standard)
    }

    /// With both opt-ins, non-public targets and http are accepted (normalized); malformed URLs are still refused.
    static let permissiveRows: [Row] = [
        Row("http://localhost:8080/hook", .accepted("http://localhost:8080/hook")),
        Row("http://example.com:80/", .accepted("http://example.com/")),
        Row("https://127.1/", .accepted("https://127.0.0.1/")),
        Row("http://0177.0.0.1:3000", .accepted("http://127.0.0.1:3000/")),
        Row("http://2130706433/", .accepted("http://127.0.0.1/")),
        Row("http://[::1]:3000", .accepted("http://[::1]:3000/")),
        Row("http://[::FFFF:127.0.0.1]/", .accepted("http://[::ffff:7f00:1]/")),
        Row("https://10.0.0.5:443/x", .accepted("https://10.0.0.5/x")),
        Row("https://receiver.internal/x", .accepted("https://receiver.internal/x")),
        Row("http://intranet/", .accepted("http://intranet/")),
        Row("http://user@localhost/", .invalid),
        Row("http://localhost/#x", .invalid),
        Row("ftp://localhost/", .invalid),
        Row("http://1.2.3.256/", .invalid),
    ]

    @Test(arguments: permissiveRows)
    func permissivePolicy(_ row: Row) throws {
        try check(row, policy: .permissive)
    }

    @Test func insecureHTTPAloneStillRefusesPrivateTargets() throws {
        let policy = WebhookURLPolicy(allowInsecureHTTP: true)
        #expect(try policy.validate("http://hooks.example.com").description == "http://hooks.example.com/")
        let error = expectWAError(.webhookTargetForbidden) { try policy.validate("http://127.0.0.1/", field: "target") }
        #expect(error?.field == "target")
        let privateOnly = WebhookURLPolicy(allowPrivateTargets: true)
        #expect(!privateOnly.accepts("http://10.0.0.1/") && privateOnly.accepts("https://10.0.0.1/"))
    }

    @Test func theLengthLimitCountsBytes() {
        let base = "https://example.com/"
        let exact = base + String(repeating: "a", count: 2048 - base.utf8.count)
        #expect(WebhookURLPolicy.standard.accepts(exact))
        #expect(!WebhookURLPolicy.standard.accepts(exact + "a"))
        #expect(!WebhookURLPolicy(maximumLength: 30).accepts("https://example.com/abcdefghijkl"))
    }

    @Test func theParsedPartsAreExposed() throws {
        let url = try WebhookURLPolicy.standard.validate("https://[2606:4700::1111]:8443/a?b=c")
        #expect(url.scheme == "https" && url.host == "2606:4700::1111" && url.port == 8443)
        #expect(url.effectivePort == 8443 && url.pathAndQuery == "/a?b=c" && url.isSecure)
        #expect(url.address == IPAddress("2606:4700::1111"))
        let named = try WebhookURLPolicy.standard.validate("https://Hooks.Example.com")
        #expect(named.address == nil && named.port == nil && named.effectivePort == 443)
    }

    // MARK: Resolved addresses (DNS rebinding)

    static let resolvedAddresses: [(String, Bool)] = [
        ("127.0.0.1", true), ("127.255.0.1", true), ("10.1.2.3", true), ("172.20.0.1", true), ("192.168.0.10", true),
        ("169.254.169.254", true), ("100.64.1.1", true), ("0.0.0.0", true), ("224.0.0.251", true),
        ("255.255.255.255", true), ("::1", true), ("[::1]", true), ("::", true), ("::ffff:10.0.0.1", true),
        ("::ffff:127.0.0.1", true), ("fd00::1", true), ("fe80::1", true), ("ff05::2", true), ("2002:a00:1::1", true),
        ("fe80::1%eth0", true), ("not-an-address", true), ("", true), ("example.com", true),
        ("8.8.8.8", false), ("93.184.215.14", false), ("2606:4700:4700::1111", false), ("[2a00:1450::1]", false),
        ("::ffff:8.8.8.8", false), ("2002:808:808::1", false),
    ]

    @Test(arguments: resolvedAddresses)
    func resolvedAddressCheck(_ address: String, _ forbidden: Bool) {
        #expect(WebhookURLPolicy.standard.isForbidden(address: address) == forbidden)
    }

    @Test func privateTargetsOptInAllowsEveryWellFormedAddress() {
        let policy = WebhookURLPolicy.permissive
        #expect(!policy.isForbidden(address: "127.0.0.1") && !policy.isForbidden(address: "::1"))
        #expect(policy.isForbidden(address: "garbage"))
        #expect(policy.isForbidden(IPAddress.v4(0x7F00_0001)) == false)
        #expect(WebhookURLPolicy.standard.isForbidden(IPAddress(bytes: [127, 0, 0, 1])!))
    }

    // MARK: Explicitly allowed networks

    /// A test's loopback receiver and an on-premises block are allowed; every other non-public target is not.
    static let allowing = WebhookURLPolicy(
        allowInsecureHTTP: true, allowedNetworks: [IPNetwork("127.0.0.1")!, IPNetwork("10.20.0.0/16")!])

    static let allowedRows: [Row] = [
        Row("http://127.0.0.1:8080/hook", .accepted("http://127.0.0.1:8080/hook")),
        Row("http://0x7f.1:8080/hook", .accepted("http://127.0.0.1:8080/hook")),
        Row("http://[::ffff:127.0.0.1]/", .accepted("http://[::ffff:7f00:1]/")),
        Row("https://10.20.255.1/x", .accepted("https://10.20.255.1/x")),
        Row("https://hooks.example.com/x", .accepted("https://hooks.example.com/x")),
        Row("http://127.0.0.2:8080/hook", .forbidden),
        Row("http://[::1]:8080/hook", .forbidden),
        Row("https://10.21.0.1/x", .forbidden),
        Row("https://169.254.169.254/latest/meta-data/", .forbidden),
        // An allowed block does not vouch for internal names, even ones that resolve into it.
        Row("http://localhost:8080/hook", .forbidden),
        Row("https://receiver.internal/x", .forbidden),
    ]

    @Test(arguments: allowedRows)
    func explicitlyAllowedNetworks(_ row: Row) throws {
        try check(row, policy: Self.allowing)
    }

    @Test func resolvedAddressesInAnAllowedNetworkMayBeConnectedTo() {
        let policy = Self.allowing
        for allowed in ["127.0.0.1", "::ffff:127.0.0.1", "10.20.0.1", "10.20.255.255", "8.8.8.8"] {
            #expect(!policy.isForbidden(address: allowed), "\(allowed) is allowed")
        }
        for refused in ["127.0.0.2", "::1", "10.21.0.1", "10.0.0.1", "169.254.169.254", "fd00::1", "localhost"] {
            #expect(policy.isForbidden(address: refused), "\(refused) is refused")
        }
        #expect(WebhookURLPolicy.standard.allowedNetworks.isEmpty)
    }

    // MARK: IPNetwork

    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1/32"), ("10.0.0.0/8", "10.0.0.0/8"), ("0.0.0.0/0", "0.0.0.0/0"),
        ("::1", "::1/128"), ("[::1]", "::1/128"), ("fd00::/8", "fd00::/8"), ("2001:DB8::/32", "2001:db8::/32"),
        ("::/0", "::/0"), ("192.168.1.128/25", "192.168.1.128/25"),
    ])
    func networkParsing(_ text: String, _ canonical: String) throws {
        #expect(try #require(IPNetwork(text)).description == canonical)
    }

    @Test(arguments: [
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.1/8", "fd00::1/8", "10.0.0.0/08", "10.0.0.0/-1",
        "10.0.0.0/8/8", "10.0.0.0/ 8", "localhost", "localhost/32", "fe80::1%eth0/64",
    ])
    func malformedNetworks(_ text: String) {
        #expect(IPNetwork(text) == nil)
    }

    @Test func networkMembership() throws {
        let v4 = try #require(IPNetwork("172.16.0.0/12"))
        #expect(v4.contains(try #require(IPAddress("172.16.0.0"))))
        #expect(v4.contains(try #require(IPAddress("172.31.255.255"))))
        #expect(!v4.contains(try #require(IPAddress("172.32.0.0"))))
        #expect(!v4.contains(try #require(IPAddress("172.15.255.255"))))
        // IPv6 forms that stand for an IPv4 address are judged by it, as the classification does.
        #expect(v4.contains(try #require(IPAddress("::ffff:172.20.1.1"))))
        #expect(v4.contains(try #require(IPAddress("64:ff9b::172.20.1.1"))))
        #expect(!v4.contains(try #require(IPAddress("fd00::ac14:101"))))
        let v6 = try #require(IPNetwork("fd00:1::/32"))
        #expect(v6.contains(try #require(IPAddress("fd00:1:ffff::1"))))
        #expect(!v6.contains(try #require(IPAddress("fd00:2::1"))))
        #expect(!v6.contains(try #require(IPAddress("10.0.0.1"))))
        #expect(try #require(IPNetwork("0.0.0.0/0")).contains(try #require(IPAddress("255.255.255.255"))))
        #expect(!(try #require(IPNetwork("::/0")).contains(try #require(IPAddress("1.2.3.4")))))
        #expect(IPNetwork(address: .v4(0x0A00_0000), prefixLength: 8)?.description == "10.0.0.0/8")
        #expect(IPNetwork(address: .v4(0x0A00_0001), prefixLength: 8) == nil)
    }

    // MARK: IPAddress

    @Test(arguments: [
        ("0:0:0:0:0:0:0:1", "::1"), ("0:0:0:0:0:0:0:0", "::"), ("1:0:0:0:0:0:0:0", "1::"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"), ("::ffff:1.2.3.4", "::ffff:102:304"), ("127.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"), ("3232235777", "192.168.1.1"),
    ])
    func canonicalText(_ input: String, _ canonical: String) throws {
        #expect(try #require(IPAddress(input)).description == canonical)
    }

    @Test func bytesRoundTrip() throws {
        let v6 = try #require(IPAddress("2001:db8::ff00:42:8329"))
        #expect(IPAddress(bytes: v6.bytes) == v6 && v6.bytes.count == 16)
        #expect(IPAddress(bytes: [192, 168, 1, 1])?.description == "192.168.1.1")
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    @Test(arguments: [
        ("127.0.0.1", IPAddress.SpecialUse.loopback), ("10.0.0.1", .privateUse), ("169.254.169.254", .linkLocal),
        ("100.64.0.1", .sharedAddressSpace), ("0.0.0.0", .unspecified), ("224.0.0.1", .multicast),
        ("255.255.255.255", .broadcast), ("203.0.113.7", .documentation), ("240.0.0.1", .reserved),
        ("::1", .loopback), ("::", .unspecified), ("fc00::1", .privateUse), ("fe80::1", .linkLocal),
        ("ff02::1", .multicast), ("::ffff:127.0.0.1", .loopback), ("2001:db8::1", .documentation),
        ("100::1", .reserved), ("2001::1", .reserved), ("4000::1", .reserved),
    ])
    func classification(_ text: String, _ use: IPAddress.SpecialUse) throws {
        #expect(try #require(IPAddress(text)).specialUse == use)
    }

    // MARK: Helpers

    private func check(_ row: Row, policy: WebhookURLPolicy) throws {
        switch row.expected {
        case .accepted(let normalized):
            let url = try policy.validate(row.input)
            #expect(url.description == normalized)
            // Normalization is idempotent: the stored form validates to itself.
            #expect(try policy.validate(url.description).description == normalized)
        case .invalid:
            let error = expectWAError(.invalidWebhookURL) { try policy.validate(row.input) }
            #expect(error?.field == "url")
        case .forbidden:
            let error = expectWAError(.webhookTargetForbidden) { try policy.validate(row.input) }
            #expect(error?.field == "url")
            // The same URL passes once private targets are allowed.
            #expect(WebhookURLPolicy.permissive.accepts(row.input))
        }
    }
}
