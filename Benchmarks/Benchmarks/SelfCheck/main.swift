// TEMPORARY: equivalence checks against Python-generated vectors; removed before hand-off.
import Foundation
import WACore

func hex(_ s: String) -> [UInt8] {
    var out = [UInt8](); var i = s.startIndex
    while i < s.endIndex { let j = s.index(i, offsetBy: 2); out.append(UInt8(s[i..<j], radix: 16)!); i = j }
    return out
}
let data = try! Data(contentsOf: URL(fileURLWithPath: "/tmp/selfcheck/vectors.json"))
let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
var failures = 0
func check(_ c: Bool, _ m: @autoclosure () -> String) { if !c { failures += 1; if failures < 30 { print("FAIL", m()) } } }
var other = try! APIKeyDigest(bytes: [UInt8](repeating: 7, count: 32))
for k in root["keys"] as! [[String: Any]] {
    let text = k["key"] as! String, ok = k["ok"] as! Bool, sha = k["sha"] as! String
    do {
        let key = try APIKeySecret(parsing: text)
        check(ok, "accepted out of range \(text)")
        check(key.digest.hex == sha, "sha \(text)")
        check(key.matches(key.digest), "match \(text)")
        check(key.matches(try APIKeyDigest(hex: sha.uppercased())), "match upper \(text)")
        check(!key.matches(other), "nonmatch \(text)")
        check(key.reveal() == text && key.lookupID == String(text.dropFirst(8).prefix(10)), "fields")
        other = key.digest
    } catch {
        check(!ok, "rejected valid \(text): \(error)")
        check(error.code == .malformedAPIKey, "code")
        if !ok { check(error.message == "API key secret is out of range", "msg \(error.message)") }
    }
}
for m in root["macs"] as! [[String: Any]] {
    let key = hex(m["key"] as! String), payload = hex(m["payload"] as! String)
    let id = m["id"] as! String, ts = (m["ts"] as! NSNumber).int64Value
    let hub = HubSignature256(key: key)
    let expectedHub = "sha256=" + (m["hub"] as! String)
    check(hub.signature(payload: payload) == expectedHub, "hub \(key.count) \(payload.count)")
    check(hub.isValid(headerValue: expectedHub, payload: payload), "hub valid")
    check(hub.isValid(headerValue: "sha256=" + (m["hub"] as! String).uppercased(), payload: payload), "hub valid upper")
    check(!hub.isValid(headerValue: String(expectedHub.dropLast()) + (expectedHub.last == "0" ? "1" : "0"), payload: payload), "hub invalid")
    check(!hub.isValid(headerValue: expectedHub + "0", payload: payload), "hub long")
    check(!hub.isValid(headerValue: String(expectedHub.dropLast()), payload: payload), "hub short")
    check(!hub.isValid(headerValue: String(expectedHub.dropLast()) + "g", payload: payload), "hub nonhex")
    check(!hub.isValid(headerValue: "sha256=é" + String(expectedHub.dropFirst(8)), payload: payload), "hub unicode")
    if let std = m["std"] as? String {
        let secret = try! WebhookSecret(bytes: key)
        check(secret.text == "whsec_" + (m["b64key"] as! String), "b64 \(key.count)")
        check(try! WebhookSecret(parsing: secret.text).bytes == key, "b64 roundtrip")
        let signer = StandardWebhookSigner(secret: secret)
        check(signer.signature(id: id, timestamp: ts, payload: payload) == "v1," + std, "std \(key.count) \(payload.count) \(ts) \(id.count)")
        let two = try! StandardWebhookSigner(secrets: [secret, try! WebhookSecret(bytes: [1, 2, 3])])
        let sig2 = two.signature(id: id, timestamp: ts, payload: payload)
        check(sig2.hasPrefix("v1," + std + " v1,") && sig2.utf8.count == 47 * 2 + 1, "two \(sig2)")
        let three = try! StandardWebhookSigner(secrets: [secret, secret, secret])
        check(three.signature(id: id, timestamp: ts, payload: payload) == ["v1," + std, "v1," + std, "v1," + std].joined(separator: " "), "three")
        if ts > 0 && ts < 4_000_000_000 {
            do {
                try StandardWebhookVerifier(secret: secret).verify(payload: payload, id: id, timestamp: String(ts), signature: "v1," + std, now: Date(timeIntervalSince1970: TimeInterval(ts)))
            } catch { check(false, "verify \(error)") }
        }
    }
}
for bad in ["", "0", "zz", "0g", "abc"] { check((try? APIKeyDigest(hex: bad)) == nil, "hex bad \(bad)") }
print(failures == 0 ? "ALL OK" : "FAILURES: \(failures)")
