// Measures WABrowser on Debian's Chromium and prints one JSON object (browser/run puts it beside Playwright's):
// the Runtime.evaluate round trip (p50, p99, calls per second), launch to first page, and the memory (PSS of every
// process of the browser) of one page on the WhatsApp Web fixture in offline mode.
import Foundation
import WABrowser

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
let fixture = arguments.count > 1 ? arguments[1] : "../Tests/WABrowserTests/Fixtures/whatsapp-web"
let calls = Int(ProcessInfo.processInfo.environment["WA_BENCH_CALLS"] ?? "") ?? 5_000
let launches = Int(ProcessInfo.processInfo.environment["WA_BENCH_LAUNCHES"] ?? "") ?? 5

/// Extra Chromium flags for experiments (`WA_BENCH_EXTRA_FLAGS`, separated by spaces).
let extraFlags = (ProcessInfo.processInfo.environment["WA_BENCH_EXTRA_FLAGS"] ?? "").split(separator: " ").map(String.init)

func options(_ directory: String) -> ChromiumLaunchOptions {
    ChromiumLaunchOptions(userDataDirectory: directory, extraArguments: extraFlags)
}

func profile() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("wa-browser-bench-\(UUID().uuidString)").path
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
}

/// PSS in KiB of `pid` and every process below it (from /proc/<pid>/smaps_rollup).
func pssOfTree(_ root: Int32) -> Int {
    var children: [Int32: [Int32]] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(pid) }
    }
    var total = 0
    var queue = [root]
    while let pid = queue.popLast() {
        queue += children[pid] ?? []
        guard let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { continue }
        for line in rollup.split(separator: "\n") where line.hasPrefix("Pss:") {
            total += Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
    }
    return total
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}

let clock = ContinuousClock()

// Launch to first page: start the browser, open a page, load about:blank.
var launchTimes: [Double] = []
for _ in 0..<launches {
    let directory = profile()
    let started = clock.now
    let browser = try await Browser.launch(options(directory))
    let page = try await browser.newPage()
    try await page.navigate(to: "about:blank")
    launchTimes.append(milliseconds(clock.now - started))
    await browser.close()
    try? FileManager.default.removeItem(atPath: directory)
}

// Round trips and memory on one browser.
let directory = profile()
let browser = try await Browser.launch(options(directory))
let page = try await browser.newPage()
let interception = try await page.serveOffline(OfflineSite(directory: fixture))
try await page.navigate(to: "https://web.whatsapp.com/")
for _ in 0..<200 { _ = try await page.evaluate("1 + 1", as: Int.self) }
var roundTrips: [Double] = []
roundTrips.reserveCapacity(calls)
let loop = clock.now
for _ in 0..<calls {
    let start = clock.now
    _ = try await page.evaluate("1 + 1", as: Int.self)
    roundTrips.append(milliseconds(clock.now - start))
}
let elapsed = milliseconds(clock.now - loop) / 1_000
try await Task.sleep(for: .seconds(3))  // let the page settle
let pss = pssOfTree(browser.process?.pid ?? 0)
await interception.stop()

// Page.crash to the crash being reported (Inspector.targetCrashed), on a page of its own.
var crashTimes: [Double] = []
for _ in 0..<3 {
    let victim = try await browser.newPage()
    let crashes = await victim.events(["Inspector.targetCrashed"])
    let crashedAt = clock.now
    try await victim.crash()
    for await _ in crashes { break }
    crashTimes.append(milliseconds(clock.now - crashedAt))
}

roundTrips.sort()
launchTimes.sort()
crashTimes.sort()
await browser.close()
try? FileManager.default.removeItem(atPath: directory)
let result: [String: Double] = [
    "evaluate_p50_ms": percentile(roundTrips, 0.5), "evaluate_p99_ms": percentile(roundTrips, 0.99),
    "evaluate_per_second": Double(calls) / elapsed, "launch_to_first_page_ms": percentile(launchTimes, 0.5),
    "pss_mib": Double(pss) / 1024, "crash_reported_ms": crashTimes.last ?? 0,
]
let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
