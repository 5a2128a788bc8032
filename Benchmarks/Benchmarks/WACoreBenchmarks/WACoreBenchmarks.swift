import Benchmark
import Crypto
import Foundation
import WACore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 1_000,
        maxDuration: .seconds(5),
        maxIterations: 10_000_000
    )

    // MARK: Rate limiting

    // One 3-tier decision (20/min, 100/h, 1000/day) for a key drawn from 100,000 live keys, through the memory
    // store's synchronous entry point. Keys are visited in a shuffled order so the table is not walked
    // sequentially; the clock moves 1 ms per decision so most decisions are allowed and write state.
    let keyCount = 100_000
    let random = SeededRandomSource(seed: 42)
    let store = MemoryRateLimitStore()
    let tiers = try! TieredRateLimit(InstanceRateLimits.standard)
    let keys: [RateLimitKey] = (0..<keyCount).map { _ in
        RateLimitKey(scope: .instanceSends, primaryHigh: random.next(), primaryLow: random.next())
    }
    var order = Array(0..<keyCount)
    var generator = random.generator
    order.shuffle(using: &generator)
    let start = RateLimitInstant(nanosecondsSinceEpoch: 1_767_225_600_000_000_000)
    for key in keys { _ = store.evaluate(key, tiers: tiers, now: start) }

    Benchmark(
        "RateLimit: 3-tier decision, 100k keys",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        var now = start
        var position = 0
        for _ in benchmark.scaledIterations {
            now = now + .milliseconds(1)
            let decision = store.evaluate(keys[order[position]], tiers: tiers, now: now)
            blackHole(decision)
            position = position == keyCount - 1 ? 0 : position + 1
        }
    }

    // The caps decision (below) in exactly the shape of the GCRA benchmark above: the same keys, order and clock
    // step, and no history before the run but one send per key at `start`, so each key's log holds only the sends
    // this benchmark records (one every 100 s of benchmark time).
    let freshCapsStore = MemoryRateLimitStore()
    let freshCaps = try! SendCaps(InstanceRateLimits.standard)
    for key in keys { _ = freshCapsStore.evaluate(key, caps: freshCaps, now: start) }

    Benchmark(
        "RateLimit: 3-cap send decision, 100k keys, no history before the run",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        var now = start
        var position = 0
        for _ in benchmark.scaledIterations {
            now = now + .milliseconds(1)
            let decision = freshCapsStore.evaluate(keys[order[position]], caps: freshCaps, now: now)
            blackHole(decision)
            position = position == keyCount - 1 ? 0 : position + 1
        }
    }

    // The same decision as exact sliding-window caps (issue #10): SendCaps (20 in any 60 s, 100 in any 3,600 s,
    // 1,000 in any 86,400 s) over each key's SendLog, through the memory store's synchronous entry point. Same
    // key count, shuffled order and 1 ms clock step as above. Each key is warmed with 100–1,200 sends (uniformly
    // drawn) spread evenly, with jitter, over the 30 hours before `start`: about 80 % of them fall in the last day,
    // so the day cap's window holds 80–960 sends, and keys with more than 1,000 sends have wrapped rings. At
    // ~40 sends an hour per key the caps rarely bind, so most decisions are allowed and record a send.
    let caps = try! SendCaps(InstanceRateLimits.standard)
    let capsStore = MemoryRateLimitStore()
    func warmedPacing(_ generator: inout RandomSourceGenerator) -> RateLimitState {
        let sends = Int.random(in: 100...1_200, using: &generator)
        let history: Int64 = 30 * 3_600 * 1_000_000_000
        let step = history / Int64(sends)
        var log = SendLog(capacity: caps.largestCount)
        for index in 0..<sends {
            let at = start.nanosecondsSinceEpoch - history + Int64(index) * step + Int64.random(in: 0..<step, using: &generator)
            log.record(RateLimitInstant(nanosecondsSinceEpoch: at))
        }
        return .sendPacing(SendPacingState(log: log, horizon: caps.longestWindow))
    }
    for key in keys {
        let warmed = warmedPacing(&generator)
        capsStore.withState(key, now: start) { $0 = warmed }
    }

    Benchmark(
        "RateLimit: 3-cap send decision (exact sliding windows), 100k keys",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        var now = start
        var position = 0
        for _ in benchmark.scaledIterations {
            now = now + .milliseconds(1)
            let decision = capsStore.evaluate(keys[order[position]], caps: caps, now: now)
            blackHole(decision)
            position = position == keyCount - 1 ? 0 : position + 1
        }
    }

    // A whole send admission (SendAdmission.admit: organization quota, the caps above and the pause on the
    // instance's log, the instance × recipient pair limit), atomically over three keys through the store's
    // async multi-key update, as the send path calls it. The same 100k warmed instances (in their own store),
    // 1,000 organizations (quota 10 million a day, so it never binds) and one recipient per instance (revisited
    // every 100 s, past the 6 s pair limit); no pause after a send, so the pause never binds either.
    let admission = SendAdmission(dailyQuota: try! DailyQuota(limit: 10_000_000), instanceCaps: caps)
    let admissionStore = MemoryRateLimitStore()
    let admissionKeys: [SendAdmission.Keys] = keys.enumerated().map { index, key in
        SendAdmission.Keys(
            quota: RateLimitKey(scope: .organizationMessages, primaryHigh: 1, primaryLow: UInt64(index % 1_000)),
            instance: key,
            recipient: RateLimitKey(
                scope: .recipient, primaryHigh: key.primaryHigh, primaryLow: key.primaryLow,
                secondaryHigh: random.next(), secondaryLow: random.next()))
    }
    for keys in admissionKeys {
        let warmed = warmedPacing(&generator)
        admissionStore.withState(keys.instance, now: start) { $0 = warmed }
    }

    Benchmark(
        "RateLimit: send admission (quota + caps + pause + pair), 100k instances",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        var now = start
        var position = 0
        for _ in benchmark.scaledIterations {
            now = now + .milliseconds(1)
            let decision = try await admission.admit(admissionKeys[order[position]], in: admissionStore, now: now)
            blackHole(decision)
            position = position == keyCount - 1 ? 0 : position + 1
        }
    }

    // MARK: Webhook signing

    // Standard Webhooks v1: HMAC-SHA256 (swift-crypto's HMAC<SHA256>) over "id.timestamp.payload" for a 1 KiB
    // body, base64 output. Read it against the one-shot HMAC primitive below (see Docs/Performance.md).
    let secret = try! WebhookSecret.generate(using: random)
    let signer = StandardWebhookSigner(secret: secret)
    let body = random.bytes(1024)
    let messageID = "evt_01JD3ZK7Q8T9V6W2X4Y5Z6A7B8"
    Benchmark(
        "Webhooks: Standard Webhooks signature, 1 KiB body",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(signer.signature(id: messageID, timestamp: 1_767_225_600, payload: body))
        }
    }

    // The receiving side of the same message: header parsing, timestamp window, HMAC and constant-time compare.
    let verifier = StandardWebhookVerifier(secret: secret)
    let signatureHeader = signer.signature(id: messageID, timestamp: 1_767_225_600, payload: body)
    let verifiedAt = Date(timeIntervalSince1970: 1_767_225_600)
    Benchmark(
        "Webhooks: Standard Webhooks verification, 1 KiB body",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            try verifier.verify(
                payload: body, id: messageID, timestamp: "1767225600", signature: signatureHeader, now: verifiedAt)
        }
    }

    // MARK: Primitives

    // What the primitives underneath cost on this machine, so the WACore figures above and below can be read
    // against them (Docs/Performance.md). All use swift-crypto (BoringSSL on Linux) directly.
    let hmacKey = SymmetricKey(data: secret.bytes)
    Benchmark(
        "Primitives: HMAC-SHA256 one-shot (swift-crypto), 1 KiB",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HMAC<SHA256>.authenticationCode(for: body, using: hmacKey))
        }
    }

    // HMAC with the ipad/opad key blocks hashed once up front (the standard HMAC precomputation): per message only
    // the state copies, 1 KiB plus the inner digest are hashed. The earlier hand-written signer was built this way;
    // kept so the figures in Docs/Performance.md can be compared.
    var innerState = SHA256()
    var outerState = SHA256()
    do {
        var block = [UInt8](repeating: 0, count: SHA256.blockByteCount)
        block.replaceSubrange(0..<secret.bytes.count, with: secret.bytes)
        innerState.update(data: block.map { $0 ^ 0x36 })
        outerState.update(data: block.map { $0 ^ 0x5C })
    }
    let (precomputedInner, precomputedOuter) = (innerState, outerState)
    Benchmark(
        "Primitives: HMAC-SHA256 from precomputed key states (swift-crypto), 1 KiB",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            var inner = precomputedInner
            body.withUnsafeBytes { inner.update(bufferPointer: $0) }
            var outer = precomputedOuter
            inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
            blackHole(outer.finalize())
        }
    }

    Benchmark(
        "Primitives: SHA-256 (swift-crypto), 1 KiB",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(body.withUnsafeBytes { bytes in
                var hasher = SHA256()
                hasher.update(bufferPointer: bytes)
                return hasher.finalize()
            })
        }
    }

    // MARK: API keys

    // Authentication's CPU work per request besides the store lookup: parse the presented text (format and
    // CRC-32 checksum), SHA-256 it, and compare with the stored digest in constant time.
    let apiKey = APIKeySecret.generate(environment: .live, using: random)
    let presented = apiKey.reveal()
    let stored = apiKey.digest
    // Scaled ×1000 like the others: unscaled, each sample is one ~0.3 µs iteration and the harness's own per-sample
    // work (about 16 mallocs and ~0.2 µs) would be counted with it.
    Benchmark(
        "API key verification (parse + SHA-256 + constant-time compare)",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let parsed = try APIKeySecret(parsing: presented)
            blackHole(parsed.matches(stored))
        }
    }

    // The SHA-256 part alone: one 68-byte key (two compression blocks), as the verification above hashes it.
    let presentedBytes = Array(presented.utf8)
    Benchmark(
        "Primitives: SHA-256 (swift-crypto), 68 B API key",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(presentedBytes.withUnsafeBytes { bytes in
                var hasher = SHA256()
                hasher.update(bufferPointer: bytes)
                return hasher.finalize()
            })
        }
    }

    // MARK: Phone numbers

    // Parsing with the full validity check (the default), over sixteen inputs in international, national and
    // IDD forms from eleven countries, round-robin; the metadata patterns are compiled before the run.
    let phoneInputs: [(String, String?)] = [
        ("+44 20 7946 0958", nil), ("(020) 7946 0958", "GB"), ("+1 650 253 0000", nil), ("(650) 253-0000", "US"),
        ("030 123456", "DE"), ("+49 170 1234567", nil), ("06 1234 5678", "IT"), ("+55 11 91234 5678", nil),
        ("+91 98765 43210", nil), ("011 44 20 7946 0958", "US"), ("+7 912 345 67 89", nil), ("+86 138 0013 8000", nil),
        ("+81 90 1234 5678", nil), ("0151 23456789", "DE"), ("+33 6 12 34 56 78", nil), ("+234 803 123 4567", nil),
    ]
    for (text, region) in phoneInputs { _ = try! PhoneNumber(text, defaultRegion: region) }
    Benchmark(
        "PhoneNumber: parse and validate, 16 mixed inputs",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        var position = 0
        for _ in benchmark.scaledIterations {
            let (text, region) = phoneInputs[position]
            blackHole(try? PhoneNumber(text, defaultRegion: region))
            position = position == phoneInputs.count - 1 ? 0 : position + 1
        }
    }

    // MARK: Media inspection

    // The whole-file check of a PNG fed in 64 KiB pieces, as an upload streams: 1 MiB and 16 MiB of image data
    // (64 KiB IDAT chunks). Memory must not grow with the file: the malloc count is the same for both sizes.
    func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(value >> $0 & 0xFF) } }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in Array(type.utf8) + data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return bigEndian(UInt32(data.count)) + Array(type.utf8) + data + bigEndian(crc ^ 0xFFFF_FFFF)
    }
    let idat = pngChunk("IDAT", [UInt8](repeating: 0x5A, count: 64 * 1024))
    func png(mebibytes: Int) -> [UInt8] {
        let header = pngChunk("IHDR", [0, 0, 4, 0, 0, 0, 4, 0, 8, 2, 0, 0, 0])
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + header
            + Array([[UInt8]](repeating: idat, count: 16 * mebibytes).joined()) + pngChunk("IEND", [])
    }
    for mebibytes in [1, 16] {
        let file = png(mebibytes: mebibytes)
        Benchmark(
            "MediaInspection: PNG with \(mebibytes) MiB of image data, 64 KiB pieces",
            configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxIterations: 200)
        ) { benchmark in
            for _ in benchmark.scaledIterations {
                var inspection = MediaInspection(SniffedMedia(type: .png))
                var offset = 0
                while offset < file.count {
                    try? inspection.consume(file[offset..<min(file.count, offset + 65_536)])
                    offset += 65_536
                }
                blackHole(try? inspection.finish())
            }
        }
    }

    // Zip archives and text, fed the same way. A zip of four entries of pseudo-random bytes (a `P` every 256 bytes or
    // so, as in compressed data), a quarter of the file each, written with sizes in each local header (skipped) or
    // with data descriptors after the data (searched for); and UTF-8 text, validated to its last byte.
    func littleEndian(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(value >> (8 * $0) & 0xFF) } }
    func pseudoRandomBytes(_ count: Int) -> [UInt8] {
        var seed: UInt64 = 0x5EED
        return (0..<count).map { _ -> UInt8 in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
    }
    func zipArchive(mebibytes: Int, descriptors: Bool) -> [UInt8] {
        let entryData = pseudoRandomBytes(mebibytes << 18)
        var bytes: [UInt8] = []
        var central: [UInt8] = []
        for index in 0..<4 {
            let name = Array("part-\(index).bin".utf8)
            let offset = bytes.count
            let sizes = littleEndian(entryData.count, 4) + littleEndian(entryData.count, 4)
            bytes += [0x50, 0x4B, 0x03, 0x04] + littleEndian(20, 2) + littleEndian(descriptors ? 8 : 0, 2)
                + littleEndian(0, 2) + littleEndian(0, 4) + littleEndian(0, 4)
                + (descriptors ? littleEndian(0, 8) : sizes) + littleEndian(name.count, 2) + littleEndian(0, 2) + name
                + entryData
            if descriptors { bytes += [0x50, 0x4B, 0x07, 0x08] + littleEndian(0, 4) + sizes }
            central += [0x50, 0x4B, 0x01, 0x02] + littleEndian(20, 2) + littleEndian(20, 2)
                + littleEndian(descriptors ? 8 : 0, 2) + littleEndian(0, 2) + littleEndian(0, 4) + littleEndian(0, 4)
                + sizes + littleEndian(name.count, 2) + littleEndian(0, 12) + littleEndian(offset, 4) + name
        }
        let directoryOffset = bytes.count
        bytes += central
        bytes += [0x50, 0x4B, 0x05, 0x06] + littleEndian(0, 4) + littleEndian(4, 2) + littleEndian(4, 2)
            + littleEndian(central.count, 4) + littleEndian(directoryOffset, 4) + littleEndian(0, 2)
        return bytes
    }
    let line = Array("A line of plain text, with UTF-8 here and there: naïve café ✓\n".utf8)
    let inspected: [(String, MediaType, (Int) -> [UInt8])] = [
        ("zip, sizes in local headers", .zip, { zipArchive(mebibytes: $0, descriptors: false) }),
        ("zip, data descriptors", .zip, { zipArchive(mebibytes: $0, descriptors: true) }),
        ("UTF-8 text", .plainText, { Array(repeating: line, count: $0 * (1 << 20) / line.count).flatMap { $0 } }),
    ]
    for (label, type, make) in inspected {
        for mebibytes in [1, 16] {
            let file = make(mebibytes)
            Benchmark(
                "MediaInspection: \(label), \(mebibytes) MiB, 64 KiB pieces",
                configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxIterations: 200)
            ) { benchmark in
                for _ in benchmark.scaledIterations {
                    var inspection = MediaInspection(SniffedMedia(type: type, textEncoding: type == .plainText ? .utf8 : nil))
                    var offset = 0
                    while offset < file.count {
                        try? inspection.consume(file[offset..<min(file.count, offset + 65_536)])
                        offset += 65_536
                    }
                    precondition((try? inspection.finish()) != nil, "the benchmark's \(label) must pass")
                }
            }
        }
    }
}
