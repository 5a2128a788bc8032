"""Playwright for Python on the same Chromium, measured the way wa-browser-bench measures WABrowser (browser/run):
the evaluate round trip (p50, p99, calls per second), launch to first page, and the memory (PSS of the browser's
processes) of one page on the WhatsApp Web fixture served at its real origin. Playwright's default launch."""
import json
import mimetypes
import os
import sys
import time

from playwright.sync_api import sync_playwright

executable = os.environ.get("WA_CHROMIUM", "/usr/lib/chromium/chromium")
fixture = sys.argv[1] if len(sys.argv) > 1 else "../Tests/WABrowserTests/Fixtures/whatsapp-web"
calls = int(os.environ.get("WA_BENCH_CALLS", "5000"))
launches = int(os.environ.get("WA_BENCH_LAUNCHES", "5"))


def pss_of_tree(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split(" ")
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, queue = 0, [root]
    while queue:
        pid = queue.pop()
        queue += children.get(pid, [])
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if "chrom" not in exe:  # the Node driver is Playwright's, not the browser's
            continue
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total


def serve(route):
    url = route.request.url
    if url.startswith("https://web.whatsapp.com/"):
        path = url[len("https://web.whatsapp.com/"):].split("?")[0] or "index.html"
        file = os.path.join(fixture, path)
        if os.path.isfile(file):
            body = open(file, "rb").read()
            route.fulfill(status=200, body=body, content_type=mimetypes.guess_type(file)[0] or "text/html")
            return
        route.fulfill(status=404, body=b"not found")
        return
    route.abort("internetdisconnected")


def percentile(values, p):
    return values[min(len(values) - 1, int(len(values) * p))]


with sync_playwright() as p:
    launch_times = []
    for _ in range(launches):
        started = time.perf_counter()
        browser = p.chromium.launch(executable_path=executable)
        page = browser.new_page()
        page.goto("about:blank")
        launch_times.append((time.perf_counter() - started) * 1000)
        browser.close()

    browser = p.chromium.launch(executable_path=executable)
    page = browser.new_page()
    page.route("**/*", serve)
    page.goto("https://web.whatsapp.com/")
    for _ in range(200):
        page.evaluate("1 + 1")
    round_trips = []
    loop = time.perf_counter()
    for _ in range(calls):
        start = time.perf_counter()
        page.evaluate("1 + 1")
        round_trips.append((time.perf_counter() - start) * 1000)
    elapsed = time.perf_counter() - loop
    time.sleep(3)
    pss = pss_of_tree(os.getpid())
    browser.close()

round_trips.sort()
launch_times.sort()
print(json.dumps({
    "evaluate_p50_ms": percentile(round_trips, 0.5), "evaluate_p99_ms": percentile(round_trips, 0.99),
    "evaluate_per_second": calls / elapsed, "launch_to_first_page_ms": percentile(launch_times, 0.5),
    "pss_mib": pss / 1024,
}, sort_keys=True))
