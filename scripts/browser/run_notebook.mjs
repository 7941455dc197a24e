// Drives one notebook in a running JupyterLab 4 or Notebook 7 server with headless Chromium, as
// a user would: open it, Run > Run All Cells, wait until every cell has run, check what the page
// shows, save, reload the page and check that the outputs are still shown. Screenshots of every
// stage go to OUT_DIR/UI-*.png. Used by scripts/browser_test.sh, which starts the server.
//
//   node run_notebook.mjs UI URL NOTEBOOK_FILE OUT_DIR [TIMEOUT_SECONDS]
//
//   UI             lab | notebook (which front end serves URL; the checks are the same)
//   URL            the notebook's page, with ?token=...
//   NOTEBOOK_FILE  the notebook on disk (to report whether the saved file is trusted)
//
// Checks, after Run All and again after the reload:
//   - every code cell ran (an execution count) and no cell has an error output, nor stderr text
//     with "panic:", "exit status" or "error";
//   - at least one inline figure (an <img> of an image output, > 100x100 pixels, loaded);
//   - every interactive view (.iwsm-interactive, written by plot.ShowInteractive) drew its
//     points (Plotly's .scatterlayer .point), and none was skipped for a missing plotly.js;
//   - the training progress bar rendered (a "NN% |" line in a cell's output), and, after Run
//     All, how it rendered while training: in place (one line, rewritten) or line by line.
// The server signs a notebook it saves when all its outputs were made in this session; if the
// saved file is not trusted, JupyterLab would not run the interactive view's script after the
// reload, so the test says so and fails (scripts/browser_test.sh trusts nothing by itself).
//
// The server must run with --expose-app-in-browser: the page's window.jupyterapp gives the
// notebook model (cells, outputs, kernel status) and runs the same commands as the menus.
// Exit status 0 when every check passed; the last line says "ok" or "FAIL <why>".
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const [ui, url, nbFile, outDir, timeoutArg] = process.argv.slice(2);
if (!["lab", "notebook"].includes(ui) || !url || !nbFile || !outDir) {
  console.error("usage: node run_notebook.mjs lab|notebook URL NOTEBOOK_FILE OUT_DIR [TIMEOUT_SECONDS]");
  process.exit(2);
}
const timeoutMs = 1000 * Number(timeoutArg || 600);
fs.mkdirSync(outDir, { recursive: true });
const shot = (name) => path.join(outDir, `${ui}-${name}.png`);
const log = (...a) => console.log(`[${ui}]`, ...a);
const BAR = /\d+%\s*\|/; // schollz/progressbar: "iwsm gmm40 loss ... ess ...  45% |████    | (9/20, ...)"

// Waits for the notebook panel and its kernel (connected, kernel_info answered); returns once
// the page can be driven. (GoNB publishes no kernel status before the first execution, so the
// status bar shows "Go (IWSM) | Unknown" until then: the kernel's status is not waited for.)
async function openNotebook(page) {
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => {
    const app = window.jupyterapp;
    const w = app && app.shell && app.shell.currentWidget;
    const s = w && w.sessionContext;
    const k = s && s.session && s.session.kernel;
    return w && w.content && w.content.widgets && k && k.connectionStatus === "connected";
  }, null, { timeout: 180000, polling: 500 });
  await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.info);
}

// What the notebook model holds: per code cell its execution count, output types, the text of
// its stream outputs and error outputs.
function modelState(page) {
  return page.evaluate(() => {
    const nb = window.jupyterapp.shell.currentWidget;
    const cells = nb.content.widgets.filter((c) => c.model.type === "code");
    return {
      status: nb.sessionContext.kernelDisplayStatus,
      cells: cells.map((c) => {
        const outs = c.model.outputs.toJSON();
        return {
          count: c.model.executionCount,
          running: c.model.executionState === "running" || (c.promptNode ? /\*/.test(c.promptNode.textContent) : false),
          source: c.model.sharedModel.getSource().split("\n").find((l) => l.trim() && l.trim() !== "%%") || "",
          types: outs.map((o) => o.output_type),
          stdout: outs.filter((o) => o.output_type === "stream" && o.name === "stdout").map((o) => [].concat(o.text).join("")).join(""),
          stderr: outs.filter((o) => o.output_type === "stream" && o.name === "stderr").map((o) => [].concat(o.text).join("")).join(""),
          errors: outs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`),
        };
      }),
    };
  });
}

// The DOM: loaded inline images, interactive views and their drawn points, the rendered text
// of the progress bar's output. Scrolls each view into sight first (JupyterLab may not lay out
// cells outside the viewport).
async function pageState(page) {
  for (const el of await page.$$(".iwsm-interactive")) {
    await el.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
  }
  for (const el of await page.$$(".jp-OutputArea-output img")) {
    await el.scrollIntoViewIfNeeded();
  }
  await page.waitForTimeout(500);
  return page.evaluate((barSource) => {
    const bar = new RegExp(barSource);
    const imgs = [...document.querySelectorAll(".jp-OutputArea-output img")]
      .map((e) => [e.naturalWidth, e.naturalHeight]);
    const views = [...document.querySelectorAll(".iwsm-interactive")]
      .map((e) => e.querySelectorAll(".scatterlayer .point").length);
    const texts = [...document.querySelectorAll(".jp-OutputArea-output")].map((e) => e.innerText);
    const barOutputs = texts.filter((t) => bar.test(t));
    return {
      imgs, views,
      skipped: texts.filter((t) => /interactive view skipped/.test(t)).length,
      barLines: barOutputs.map((t) => t.split("\n").filter((l) => bar.test(l)).length),
      barText: barOutputs.map((t) => t.split("\n").filter((l) => bar.test(l)).slice(-1)[0] || ""),
    };
  }, BAR.source);
}

// The checks shared by both stages; returns a list of problems.
function problems(stage, m, d) {
  const p = [];
  m.cells.forEach((c, i) => {
    const where = `code cell ${i + 1} \`${c.source.slice(0, 60)}\``;
    if (typeof c.count !== "number") p.push(`${stage}: ${where} did not run`);
    for (const e of c.errors) p.push(`${stage}: ${where}: error output ${e.slice(0, 300)}`);
    for (const l of c.stderr.split("\n")) {
      if (/panic:|exit status \d+|error/i.test(l)) p.push(`${stage}: ${where}: stderr: ${l.slice(0, 300)}`);
    }
    if (/panic:|exit status \d+/.test(c.stdout)) p.push(`${stage}: ${where}: stdout reports a failure: ${c.stdout.match(/.*(panic:|exit status \d+).*/)[0].slice(0, 300)}`);
  });
  if (!d.imgs.some(([w, h]) => w > 100 && h > 100)) p.push(`${stage}: no inline figure displayed (images ${JSON.stringify(d.imgs)})`);
  if (d.skipped) p.push(`${stage}: an interactive view was skipped: plotly.js is not installed in the kernel`);
  if (d.views.length === 0) p.push(`${stage}: no interactive view (.iwsm-interactive) on the page`);
  if (d.views.some((n) => n < 10)) p.push(`${stage}: an interactive view drew no points ${JSON.stringify(d.views)} (its script did not run: an untrusted notebook?)`);
  if (d.barLines.length === 0) p.push(`${stage}: no training progress bar ("NN% |") in any output`);
  return p;
}

async function screenshotOutputs(page, name) {
  await page.screenshot({ path: shot(name) });
  const view = await page.$(".iwsm-interactive");
  if (view) {
    await view.scrollIntoViewIfNeeded();
    await view.screenshot({ path: shot(`${name}-interactive`) });
  }
  for (const el of await page.$$(".jp-OutputArea-output")) {
    if (BAR.test(await el.innerText())) {
      await el.scrollIntoViewIfNeeded();
      await el.screenshot({ path: shot(`${name}-progress`) });
      break;
    }
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = [];
const t0 = Date.now();
const secs = () => `${Math.round((Date.now() - t0) / 1000)} s`;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on("pageerror", (e) => log("page error:", e.message));

  // 1. Open, Run All, wait; meanwhile watch the progress bar's output as it is drawn.
  await openNotebook(page);
  log(`kernel connected (${secs()}); Run > Run All Cells`);
  await page.screenshot({ path: shot("1-opened") });
  // (Outputs saved in the file would count as "done": clear them, and their execution counts, first.)
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute("notebook:clear-all-cell-outputs");
    window.jupyterapp.commands.execute("notebook:run-all-cells");
  });
  const seen = { states: new Set(), maxLines: 0 };
  const deadline = Date.now() + timeoutMs;
  let m;
  for (;;) {
    m = await modelState(page);
    const bars = await page.$$eval(".jp-OutputArea-output", (els, src) => els.map((e) => e.innerText)
      .filter((t) => new RegExp(src).test(t)), BAR.source);
    for (const t of bars) {
      const lines = t.split("\n").filter((l) => BAR.test(l));
      seen.maxLines = Math.max(seen.maxLines, lines.length);
      if (lines.length) seen.states.add(lines[lines.length - 1].replace(/\s+/g, " "));
    }
    if (m.status !== "busy" && m.cells.every((c) => typeof c.count === "number" && !c.running)) break;
    if (Date.now() > deadline) throw new Error(`cells still running after ${timeoutArg || 600} s`);
    await page.waitForTimeout(250);
  }
  log(`all ${m.cells.length} code cells ran (${secs()})`);
  let d = await pageState(page);
  log(`after Run All: images ${JSON.stringify(d.imgs)}, interactive views (points) ${JSON.stringify(d.views)}, progress bar lines per output ${JSON.stringify(d.barLines)}`);
  log(`progress bar while training: ${seen.states.size} distinct states seen, at most ${seen.maxLines} bar line(s) in its output at once -> ` +
    (seen.states.size > 1 && seen.maxLines <= 1 ? "updates in place" : seen.maxLines > 1 ? "one new line per update" : "only one state seen (run too short to tell)"));
  log(`last progress line: ${JSON.stringify(d.barText[0] || "")}`);
  await screenshotOutputs(page, "2-ran");
  failed.push(...problems("after Run All", m, d));

  // 2. Save, and see whether the saved file is trusted (signed by the server).
  await page.evaluate(() => window.jupyterapp.commands.execute("docmanager:save"));
  await page.waitForFunction(() => !window.jupyterapp.shell.currentWidget.context.model.dirty, null, { timeout: 60000 });
  let trusted = "unknown";
  if (process.env.IWSM_PY) {
    trusted = execFileSync(process.env.IWSM_PY, ["-c",
      "import sys, nbformat; from nbformat.sign import NotebookNotary\n" +
      "nb = nbformat.read(sys.argv[1], 4); print('yes' if NotebookNotary().check_signature(nb) else 'no')", nbFile],
    { encoding: "utf8" }).trim();
  }
  log(`saved (${secs()}); the saved notebook is trusted (signed): ${trusted}`);

  // 3. Reload the page: the outputs come from the saved file now.
  await openNotebook(page);
  m = await modelState(page);
  d = await pageState(page);
  log(`after reload: images ${JSON.stringify(d.imgs)}, interactive views (points) ${JSON.stringify(d.views)}, progress bar lines ${JSON.stringify(d.barLines)}`);
  await screenshotOutputs(page, "3-reloaded");
  failed.push(...problems("after reload", m, d));
} catch (e) {
  failed.push(String(e));
  await Promise.all(browser.contexts().flatMap((c) => c.pages()).map((p) => p.screenshot({ path: shot("failed") }).catch(() => {})));
} finally {
  await browser.close();
}
if (failed.length) {
  for (const f of failed) log("FAIL", f);
  process.exit(1);
}
log(`ok (${secs()}): screenshots ${outDir}/${ui}-*.png`);
