// Opens a notebook in a running Jupyter server with headless Chromium, runs all its cells
// the way a user would (Cell > Run All), waits for them to finish and checks that the page
// shows an inline PNG plot, an interactive Plotly view with its points drawn (when the
// notebook has one: an .iwsm-interactive output) and no error output. Saves screenshots for
// CI artefacts.
//
//   node run_notebook.mjs URL OUT_DIR [TIMEOUT_SECONDS]
//
// Exit status 0 when the notebook ran without errors and displayed at least one image (and
// every interactive view it has drew points).
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const [url, outDir, timeoutArg] = process.argv.slice(2);
if (!url || !outDir) {
  console.error("usage: node run_notebook.mjs URL OUT_DIR [TIMEOUT_SECONDS]");
  process.exit(2);
}
const timeoutMs = 1000 * Number(timeoutArg || 600);
fs.mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = "";
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on("pageerror", (e) => console.log("page error:", e.message));
  await page.goto(url, { waitUntil: "load" });
  // The classic notebook UI: wait for the kernel to connect.
  await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel &&
    Jupyter.notebook.kernel.is_connected(), null, { timeout: 120000 });
  console.log("kernel connected; running all cells");
  await page.evaluate(() => Jupyter.notebook.execute_all_cells());
  // Done when no code cell is queued or running ("*") and every one has a prompt number.
  await page.waitForFunction(() => {
    const cells = Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code");
    return cells.every((c) => typeof c.input_prompt_number === "number") && !Jupyter.notebook.kernel_busy;
  }, null, { timeout: timeoutMs, polling: 1000 });
  const images = await page.$$eval(".output_png img", (els) => els.map((e) => [e.naturalWidth, e.naturalHeight]));
  const errors = await page.$$eval(".output_error, .output_stderr", (els) => els.map((e) => e.innerText.slice(0, 300)));
  const bad = errors.filter((e) => /panic|exit status|error/i.test(e));
  console.log(`cells done: ${images.length} inline image(s) ${JSON.stringify(images)}, ${bad.length} error output(s)`);
  await page.screenshot({ path: path.join(outDir, "notebook.png"), fullPage: true });
  const first = await page.$(".output_png img");
  if (first) await first.screenshot({ path: path.join(outDir, "first_plot.png") });
  // Interactive views: the div plot.ShowInteractive writes, filled by plotly.js with an SVG
  // whose scatter layer holds one path per drawn point.
  const views = await page.$$eval(".iwsm-interactive", (els) => els.map((e) => e.querySelectorAll(".scatterlayer .point").length));
  const skipped = await page.$$eval(".output_text", (els) => els.filter((e) => /interactive view skipped/.test(e.innerText)).length);
  console.log(`interactive views: ${views.length}, points drawn ${JSON.stringify(views)}, skipped ${skipped}`);
  const view = await page.$(".iwsm-interactive");
  if (view) await view.screenshot({ path: path.join(outDir, "interactive.png") });
  if (bad.length) failed = "error output: " + bad.join(" | ");
  else if (!images.some(([w, h]) => w > 100 && h > 100)) failed = "no inline plot was displayed";
  else if (skipped) failed = "an interactive view was skipped: plotly.js is not installed in the kernel";
  else if (views.some((n) => n < 10)) failed = "an interactive view drew no points: " + JSON.stringify(views);
} catch (e) {
  failed = String(e);
} finally {
  await browser.close();
}
if (failed) {
  console.log("FAIL", failed);
  process.exit(1);
}
console.log("ok: screenshots in", outDir);
