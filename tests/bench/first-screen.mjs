// The first screen on a cheap phone (DESIGN §12, issue "Step 4"): headless Chromium with 4× CPU
// slowdown, 1.6 Mbps down, 750 kbps up and 150 ms round trip, cold cache. Starts the release
// server on a fresh SQLite database, then for each run opens /signin in a new browser context
// and reports the time until the sign-in form is usable (the WASM has mounted and its submit
// button is on the page), the bytes transferred, and the number of requests.
//
//   node tests/bench/first-screen.mjs [runs]     (./dev bench --first-screen runs it)
//
// Needs: target/release/jiayuan, portal/dist, chromium, and playwright-core (./dev installs it).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import net from "node:net";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tools = process.env.JIAYUAN_TOOLS || join(process.env.HOME, ".cache", "jiayuan");
const require = createRequire(join(tools, "playwright", "package.json"));
const { chromium } = require("playwright-core");

const runs = Number(process.argv[2] || 5);
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), "jiayuan-first-screen-"));
const server = spawn(process.env.JIAYUAN_BIN || join(root, "target", "release", "jiayuan"), [
  "serve", "--bind", `127.0.0.1:${port}`,
  "--database-url", `sqlite://${join(dir, "bench.db")}?mode=rwc`,
  "--log", "warn",
], { stdio: "ignore" });
const base = `http://127.0.0.1:${port}`;
let up = false;
for (let i = 0; i < 300 && !up; i++) {
  try { up = (await fetch(`${base}/healthz`)).ok; } catch { /* not up yet */ }
  if (!up) await new Promise((r) => setTimeout(r, 100));
}
if (!up) {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
  console.error("the server did not start");
  process.exit(1);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
}).catch((error) => {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
  throw error;
});
const times = [];
let bytes = 0, requests = 0;
try {
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8,
    });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    let runBytes = 0, runRequests = 0;
    cdp.on("Network.loadingFinished", (e) => { runBytes += e.encodedDataLength; runRequests += 1; });
    const start = Date.now();
    await page.goto(`${base}/signin`, { waitUntil: "commit" });
    await page.waitForSelector("[data-testid=signin-submit]", { timeout: 60000 });
    const ms = Date.now() - start;
    times.push(ms);
    bytes = runBytes; requests = runRequests;
    console.log(`  run ${run + 1}: sign-in usable after ${ms} ms (${runRequests} requests, ${runBytes} bytes)`);
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`first screen (4x CPU, 1.6 Mbps, 150 ms RTT, cold cache): median ${median} ms over ${runs} runs ` +
  `(min ${times[0]}, max ${times[times.length - 1]}); ${requests} requests, ${bytes} bytes on the wire; target <= 2000 ms`);
