/**
 * The evidence page in a real browser: Debian's Chromium, headless, renders a page twice —
 * `--dump-dom` (the DOM after parsing: the timeline is SVG, every phase drawn and labelled) and
 * `--screenshot` (the pixels: each phase's marker is on screen in its colour).
 *
 * - Always: a rehearsal-style drill page (simulated, with clients' traffic), rendered by the one
 *   renderer from a report the real report builder made. A few seconds.
 * - With REPORT_BROWSER_REHEARSAL=1: the page `npm start` writes — the default scenario ("full")
 *   rehearsed in the simulated AWS, its evidence written by sim/rehearsal/evidence.ts — which
 *   costs the scenario's 8–10 s of CPU, so it runs on request (the file is part of `npm run test:e2e`):
 *   `REPORT_BROWSER_REHEARSAL=1 npx jest --config jest.e2e.config.js test/sim/report-browser.test.ts`
 *
 * Chromium is found as `chromium` on the PATH (Debian: `apt-get install -y chromium`; .ci/run
 * installs it) or at $CHROMIUM. Without it the tests are skipped, saying so.
 *
 * What this cannot prove: how other browsers lay the page out, or that it prints well (print
 * styles are not exercised), or that it is pleasant to read.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { inflateSync } from "node:zlib";
import { evidenceKeys } from "../../runbooks/domain/evidence-manifest";
import { buildReport } from "../../runbooks/domain/report";
import { type ObservedRun, PHASE_COLOURS, PHASES, renderReportHtml } from "../../runbooks/domain/report-html";
import { provenanceFromState } from "../../runbooks/domain/report-provenance";
import { at, drillState } from "../runbooks/support/report-states";

function findChromium(): string | undefined {
  if (process.env.CHROMIUM && existsSync(process.env.CHROMIUM)) return process.env.CHROMIUM;
  return (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "chromium"))
    .find((p) => existsSync(p));
}

const CHROMIUM = findChromium();
const SKIP_REASON = "skipped: Chromium is not installed (apt-get install -y chromium, or set CHROMIUM to its path)";
if (!CHROMIUM) process.stderr.write(`test/sim/report-browser.test.ts: ${SKIP_REASON}\n`);
const REHEARSAL = process.env.REPORT_BROWSER_REHEARSAL === "1";

const WIDTH = 1100;
const HEIGHT = 1100;

/** Runs headless Chromium on `url` with a throwaway profile; resolves with stdout. */
function chromium(args: string[], url: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    `--user-data-dir=${profile}`,
    `--window-size=${WIDTH},${HEIGHT}`,
    "--force-device-scale-factor=1",
    "--hide-scrollbars",
    ...args,
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM as string, flags, { maxBuffer: 32 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (error) reject(new Error(`chromium ${args.join(" ")} failed: ${error.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

/** RGBA pixels of a PNG as Chromium writes it (8-bit RGB or RGBA, not interlaced). */
function decodePng(file: Buffer): { width: number; height: number; rgba: Buffer } {
  expect(file.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  let offset = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const idat: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.subarray(offset + 4, offset + 8).toString("ascii");
    const data = file.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[12]]).toEqual([8, 0]); // 8 bits per channel, not interlaced
      colourType = data[9];
    } else if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  const channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
  expect(channels).toBeGreaterThan(0);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(width * height * 4);
  let previous = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = previous[i];
      const c = i >= channels ? previous[i - channels] : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      line[i] = (line[i] + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      line.copy(out, (y * width + x) * 4, x * channels, x * channels + 3);
      out[(y * width + x) * 4 + 3] = channels === 4 ? line[x * channels + 3] : 255;
    }
    previous = line;
  }
  return { width, height, rgba: out };
}

/** How many pixels have exactly `hex` as their colour. */
function pixelsOf(png: { rgba: Buffer }, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < png.rgba.length; i += 4) if (png.rgba[i] === r && png.rgba[i + 1] === g && png.rgba[i + 2] === b) n += 1;
  return n;
}

interface Rendered {
  dom: string;
  png: ReturnType<typeof decodePng>;
}

/** Renders `page` in Chromium: its DOM after parsing and a screenshot, side by side. */
async function render(page: string, dir: string): Promise<Rendered> {
  const shot = join(dir, "page.png");
  const [dom] = await Promise.all([chromium(["--dump-dom"], `file://${page}`), chromium([`--screenshot=${shot}`], `file://${page}`)]);
  return { dom, png: decodePng(readFileSync(shot)) };
}

/** The phase groups of the rendered timeline: id → label. */
function phaseLabels(dom: string): Map<string, string | undefined> {
  return new Map(
    [...dom.matchAll(/<g data-phase="([a-z-]+)">(.*?)<\/g>/g)].map((m) => {
      expect([m[1], m[2]]).toEqual([m[1], expect.stringContaining('<rect class="marker"')]);
      return [m[1], /<text class="phase"[^>]*>([^<]*)<\/text>/.exec(m[2])?.[1]];
    }),
  );
}

/** Every phase's marker on screen in its own colour (10 × 10 px points, wider bands; edges blend, insides are exact), on a page that is not blank. */
function expectEveryPhaseOnScreen(png: Rendered["png"]): void {
  expect([png.width, png.height]).toEqual([WIDTH, HEIGHT]);
  for (const id of PHASES) expect([id, pixelsOf(png, PHASE_COLOURS[id]) >= 50]).toEqual([id, true]);
  let ink = 0;
  for (let i = 0; i < png.rgba.length; i += 4) if (png.rgba[i] + png.rgba[i + 1] + png.rgba[i + 2] < 384) ink += 1;
  expect(ink).toBeGreaterThan(WIDTH * HEIGHT * 0.02);
}

const iso = (s: number) => new Date(at(s)).toISOString();

(CHROMIUM ? describe : describe.skip)(`a simulated drill's evidence page in Chromium${CHROMIUM ? "" : ` — ${SKIP_REASON}`}`, () => {
  let dir: string;
  let shown: Rendered;

  beforeAll(async () => {
    const state = drillState();
    const report = { ...buildReport(state, { now: at(305), rpoSeconds: 60, rtoSeconds: 300, environment: "dev" }), simulated: true };
    const observed: ObservedRun = {
      source: "the rehearsal's simulated clients and world",
      outage: null,
      dnsAnsweredAt: iso(93),
      firstAckAt: iso(95),
      clientRtoSeconds: 93,
      failback: null,
      payments: { acknowledged: 500, lost: 0, duplicated: 0, acceptedByDemotedRegion: 0 },
      unreplicatedAtOutage: null,
      gaps: [{ from: iso(2), seconds: 30.2 }],
      gapThresholdSeconds: 5,
      notificationsSent: 6,
      traffic: {
        from: iso(-30),
        bucketSeconds: 10,
        regions: [
          {
            region: "us-east-1",
            acknowledged: [20, 20, 20, 2, ...new Array(14).fill(0), 8, 20, 20, 20, 20, 20, 20],
            failed: [0, 0, 0, 5, 4, 3],
          },
          { region: "us-east-2", acknowledged: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 20, 20, 20, 20, 12], failed: [] },
        ],
      },
    };
    dir = mkdtempSync(join(tmpdir(), "drill-page-"));
    const page = join(dir, "report.html");
    writeFileSync(
      page,
      renderReportHtml({
        report,
        provenance: provenanceFromState(state, {
          functionName: "write-report-us-east-2-dev",
          functionVersion: "$LATEST",
          codeFile: null,
          environment: "dev",
          rpoSeconds: 60,
          rtoSeconds: 300,
          evidenceBucket: "dr-evidence-us-east-2-dev",
        }),
        evidence: [],
        evidenceLocation: dir,
        observed,
      }),
    );
    shown = await render(page, dir);
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("parses the timeline as an SVG image with a title and a description", () => {
    expect(shown.dom).toMatch(/<svg [^>]*role="img" aria-labelledby="timeline-title timeline-desc"/);
    expect(shown.dom).toContain('<title id="timeline-title">Timeline of drill manual-drill-20300304T090000Z-alice (SIMULATED)</title>');
    expect(shown.dom).toContain('<desc id="timeline-desc">Time runs left to right');
  });

  it("shows every phase on the timeline, each drawn at its time with its label", () => {
    expect([...phaseLabels(shown.dom)]).toEqual([
      ["outage", "Drain: us-east-1 drained on purpose (drill)"],
      ["detection", "Detection: the canary saw us-east-1 fail"],
      ["dns-shift", "DNS shift: the failover name answers us-east-2"],
      ["first-ack", "First payment acknowledged in us-east-2"],
      ["failback", "Failback: us-east-1 active again"],
    ]);
    expect([...shown.dom.matchAll(/<g data-step="([^"]+)">/g)].map((m) => m[1])).toEqual(
      expect.arrayContaining(["drain", "detection", "promote", "dns", "peer-failback"]),
    );
    expect([...shown.dom.matchAll(/<g data-traffic="([^"]+)">/g)].map((m) => m[1])).toEqual(["us-east-1", "us-east-2"]);
  });

  it("puts every phase's marker on screen in its own colour", () => {
    expectEveryPhaseOnScreen(shown.png);
  });
});

(CHROMIUM && REHEARSAL ? describe : describe.skip)(
  `the page npm start writes, in Chromium${CHROMIUM ? (REHEARSAL ? "" : " — skipped: set REPORT_BROWSER_REHEARSAL=1 (8–10 s of CPU for the scenario)") : ` — ${SKIP_REASON}`}`,
  () => {
    let root: string;
    let shown: Rendered;

    beforeAll(async () => {
      // Loaded here, not at the top: the simulated AWS is heavy, and only this variant needs it.
      const { deploymentFromEvaluation } = require("../../sim/deployment/deployment") as typeof import("../../sim/deployment/deployment");
      const { writeEvidence } = require("../../sim/rehearsal/evidence") as typeof import("../../sim/rehearsal/evidence");
      const { full } = require("../../sim/rehearsal/scenarios/full") as typeof import("../../sim/rehearsal/scenarios/full");
      const { SimulatedAws } = require("../../sim/testing") as typeof import("../../sim/testing");
      const { stack } = require("../support/stack") as typeof import("../support/stack");
      const deployment = deploymentFromEvaluation(await stack());
      const aws = new SimulatedAws(deployment);
      const result = await aws.rehearse(full);
      aws.dispose();
      root = mkdtempSync(join(tmpdir(), "rehearsal-page-"));
      const { dir } = writeEvidence(result, {}, undefined, root, { deployment, configuration: {} });
      const measured = result.figures.runbook;
      if (!measured) throw new Error("the full scenario measured no runbook execution");
      shown = await render(join(dir, measured.region, evidenceKeys(measured.execution).html), root);
    }, 300_000);

    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("shows every phase of the failover on the timeline: outage, detection, DNS shift, first payment in us-east-2, failback", () => {
      expect(shown.dom).toMatch(
        /<title id="timeline-title">Timeline of failover alarm-peer-health-us-east-2-dev-[0-9a-f]{16} \(SIMULATED\)<\/title>/,
      );
      expect([...phaseLabels(shown.dom)]).toEqual([
        ["outage", "Outage: us-east-1 down until it recovered"],
        ["detection", "Detection: alarm fired about us-east-1"],
        ["dns-shift", "DNS shift: the failover name answers us-east-2"],
        ["first-ack", "First payment acknowledged in us-east-2"],
        ["failback", "Failback: us-east-1 active again"],
      ]);
      expect([...shown.dom.matchAll(/<g data-step="([^"]+)">/g)].map((m) => m[1])).toEqual(
        expect.arrayContaining(["trigger", "replication", "fence", "promote", "dns"]),
      );
      expect([...shown.dom.matchAll(/<g data-traffic="([^"]+)">/g)].map((m) => m[1])).toEqual(["us-east-1", "us-east-2"]);
      expect(shown.dom).toContain('<p class="banner" role="note">SIMULATED');
    });

    it("puts every phase's marker on screen in its own colour", () => {
      expectEveryPhaseOnScreen(shown.png);
    });
  },
);
