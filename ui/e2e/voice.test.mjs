// @ts-check
/**
 * Voice end to end (issue 6), through the real binary with real SIP peers (sipp): the
 * administrator sets telephony up in the web app (agent1's extension, a trunk from
 * 127.0.0.1, an access number to the demo queue), agent1's desk phone registers with the
 * password the page showed once, a customer calls the access number through the trunk, and
 * agent1's softphone bar follows the call: ringing with the screen pop, connected with the
 * caller's number and a running timer, held, resumed and hung up from the bar. The
 * administrator then finds the call in the Calls page and plays its recording.
 *
 * Who hangs up: the agent, from the bar. Hotline then sends BYE to both the caller and the
 * desk phone, so the caller here runs `tests/sipp/caller.xml` with its ending (speak
 * SPEAK_MS, send BYE) replaced by "wait for Hotline's BYE and answer it": both sipp processes
 * exit 0 only when Hotline hung each of them up, which the test asserts.
 *
 * Then agent1 calls a customer back from the bar (click to dial): the desk phone rings first,
 * then the customer at the trunk's carrier (sipp running `tests/sipp/callee.xml`), and the bar
 * follows ringing, dialling, connected, and hangs up both.
 *
 * Last, an attended transfer: agent2 gets an extension and a phone, a customer's call reaches
 * agent1, who consults agent2 from the bar (the caller is held, agent2's phone rings and their
 * bar says who consults them), then completes the transfer once agent2 answered: agent1's
 * phone is hung up and their bar goes idle, agent2's bar has the caller, and agent2 hangs up.
 *
 * The desk phone rings for RING_MS before it answers (sipp's own `uas` answers at once,
 * quicker than the bar's one-second poll), so the bar sees the call ringing and opens the
 * screen pop; it echoes the media it receives (`-rtp_echo`), so the recording has both sides.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { launchChromium, logIn, newContext, openMenu, pick, screenshot, settle } from "./lib/browser.mjs";
import { REPO_ROOT, startHotline } from "./lib/server.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */

const SIPP = process.env.SIPP_PATH || "/usr/bin/sipp";
const EXTENSION = "2001";
const ACCESS_NUMBER = "4000";
const CALLER = "+8613800138000";
/** How long the desk phone rings before it answers. */
const RING_MS = 6_000;
/** How long after Hotline answers (at once, with queue music) the caller starts speaking: after
 * the desk phone has answered, so the recording has the caller's voice. And what they say
 * (sipp's own recording, as caller.xml's media action). */
const WAIT_MS = 8_000;
const CALLER_SPEECH = 'play_pcap_audio="/usr/share/sip-tester/g711a.pcap"';

/** @type {Awaited<ReturnType<typeof startHotline>>} */
let hotline;
/** @type {import("playwright-core").Browser} */
let browser;
/** @type {Page} */
let admin;
/** @type {Page} */
let agent;
/** Scenario files and sipp's own files (it may write logs into its working folder). */
let workDir = "";
/** Every sipp started, killed in `after` if still running. @type {Sipp[]} */
const sipps = [];

/**
 * @typedef {object} Sipp
 * @property {string} name
 * @property {import("node:child_process").ChildProcess} child
 * @property {Promise<number>} exited   the exit code (-1 when killed by a signal)
 * @property {() => string} output      the tail of what it printed
 */

/**
 * Starts sipp on loopback, without a keyboard, in the work folder.
 * @param {string} name what it plays, for failure messages
 * @param {string[]} args
 * @returns {Sipp}
 */
function sipp(name, args) {
  const child = spawn(SIPP, ["-i", "127.0.0.1", "-nostdin", ...args], { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
  let printed = "";
  /** @param {Buffer} chunk */
  const keep = (chunk) => {
    printed += String(chunk);
    if (printed.length > 40_000) printed = printed.slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  /** @type {Promise<number>} */
  const exited = new Promise((resolve) => {
    child.once("exit", (code) => resolve(code ?? -1));
    child.once("error", (error) => {
      keep(Buffer.from(`\nspawning sipp: ${error.message}\n`));
      resolve(-1);
    });
  });
  const started = { name, child, exited, output: () => printed };
  sipps.push(started);
  return started;
}

/**
 * Waits (bounded) for sipp to finish and asserts it saw its scenario through (exit code 0).
 * @param {Sipp} peer
 * @param {number} withinMs
 */
async function assertSippPassed(peer, withinMs) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve("timed out"), withinMs);
  });
  const code = await Promise.race([peer.exited, timedOut]);
  clearTimeout(timer);
  const tail = peer.output().split("\n").slice(-40).join("\n");
  assert.equal(code, 0, `${peer.name}: sipp ${code === "timed out" ? `still running after ${withinMs} ms` : `exited with ${code}`}\n${tail}`);
}

/** A UDP port free on loopback now (bound and released; fine for this test's own processes). */
async function freeUdpPort() {
  const socket = createSocket("udp4");
  await new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve(undefined));
  });
  const { port } = socket.address();
  await new Promise((resolve) => socket.close(() => resolve(undefined)));
  return port;
}

/**
 * One of `tests/sipp/`, with `values` written in place of its placeholders, saved in the work
 * folder; returns its path.
 * @param {string} name
 * @param {Record<string, string>} values
 * @param {(text: string) => string} [change] a further change to the text
 */
function scenario(name, values, change = (text) => text) {
  let text = readFileSync(join(REPO_ROOT, "tests", "sipp", name), "utf8");
  for (const [placeholder, value] of Object.entries(values)) text = text.replaceAll(placeholder, value);
  scenarios++;
  return writeScenario(`${name.replace(/\.xml$/, "")}-${scenarios}.xml`, change(text));
}

let scenarios = 0;

/** @param {string} fileName @param {string} text */
function writeScenario(fileName, text) {
  const path = join(workDir, fileName);
  writeFileSync(path, text);
  return path;
}

/** caller.xml's ending: the caller speaks for SPEAK_MS, then hangs up itself. */
const CALLER_HANGS_UP = /<pause milliseconds="SPEAK_MS"\/>[\s\S]*<\/scenario>\s*$/;

/** Instead: the caller waits for Hotline's BYE (the agent hung up) and answers it. */
const CALLER_IS_HUNG_UP = `<recv request="BYE" timeout="60000"/>

  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

/** A desk phone that rings for RING_MS, answers with PCMU and takes the BYE (sipp's `uas`,
 * with a pause between 180 and 200). */
const RINGING_PHONE = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="desk phone that rings, then answers">
  <recv request="INVITE" crlf="true"/>

  <send>
    <![CDATA[

      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

    ]]>
  </send>

  <pause milliseconds="${RING_MS}"/>

  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=phone 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>

  <recv request="ACK" optional="true" rtd="true" crlf="true"/>

  <recv request="BYE"/>

  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

/**
 * Starts a desk phone for `extension` (RINGING_PHONE: rings RING_MS, answers, echoes the
 * media, takes one call) and registers it with `password`.
 * @param {string} name
 * @param {string} extension
 * @param {string} password
 * @returns {Promise<Sipp>}
 */
async function registerPhone(name, extension, password) {
  const phonePort = await freeUdpPort();
  const phone = sipp(name, [
    "-sf", writeScenario(`ringing-phone-${extension}.xml`, RINGING_PHONE),
    "-rtp_echo", "-p", String(phonePort), "-mp", String(await freeUdpPort()), "-m", "1", "-timeout", "150s", "-timeout_error",
  ]);
  // The phone listens before it registers, so Hotline can ring it as soon as it knows it.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(phone.child.exitCode, null, `${name} is running:\n${phone.output()}`);
  const register = sipp(`registration of ${extension}`, [
    hotline.sipAddress,
    "-sf", scenario("register.xml", { EXPECTED_CODE: "200" }),
    "-m", "1", "-timeout", "20s", "-timeout_error",
    "-key", "domain", "demo", "-key", "extension", extension, "-key", "contact_port", String(phonePort),
    "-au", extension, "-ap", password,
  ]);
  await assertSippPassed(register, 30_000);
  return phone;
}

/**
 * The administrator provisions an extension for a user in the Telephony page (open); answers
 * the SIP password the page shows once.
 * @param {string} number
 * @param {string} user as the picker shows it
 */
async function provisionExtension(number, user) {
  await admin.getByTestId("telephony-provision").click();
  await admin.getByTestId("telephony-extension-number").fill(number);
  await admin.getByTestId("telephony-extension-display-name").fill(`${user}'s desk`);
  await pick(admin, admin.getByTestId("telephony-extension-user"), user);
  await admin.getByTestId("telephony-extension-save").click();
  const password = admin.getByTestId("telephony-password");
  await password.waitFor();
  const shown = ((await password.textContent()) ?? "").trim();
  assert.match(shown, /^\S{8,}$/, "a SIP password is shown once");
  const settings = (await admin.getByTestId("telephony-sip-settings").textContent()) ?? "";
  assert.ok(settings.includes(number) && settings.includes("demo"), `the SIP settings name the extension and the domain: ${settings}`);
  await admin.getByTestId("telephony-password-done").click();
  await password.waitFor({ state: "hidden" });
  await admin.getByTestId("telephony-extension-save").waitFor({ state: "hidden" });
  return shown;
}

/** Sets an agent's presence in the desk's presence control.
 * @param {Page} page @param {string} presence */
async function setPresence(page, presence) {
  await pick(page, page.getByTestId("desk-presence"), presence);
  const confirm = page.getByTestId("desk-presence-confirm");
  if (await confirm.isVisible().catch(() => false)) await confirm.click();
  await page.getByTestId("desk-presence").filter({ hasText: presence }).waitFor();
}

/**
 * @param {string} name
 * @param {() => Promise<void>} body
 */
function flow(name, body) {
  test(name, { timeout: 240_000 }, async () => {
    try {
      await body();
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      for (const [who, page] of /** @type {const} */ ([["admin", admin], ["agent", agent]])) {
        if (page && !page.isClosed()) await screenshot(page, `failure-voice-${slug}-${who}`).catch(() => {});
      }
      for (const peer of sipps) {
        console.error(`--- sipp: ${peer.name} (exit ${peer.child.exitCode}) ---\n${peer.output().split("\n").slice(-30).join("\n")}`);
      }
      console.error(`--- server output ---\n${hotline?.output().slice(-4000)}`);
      throw error;
    }
  });
}

/**
 * A GraphQL query with the page's session (as the web app's client sends it).
 * @param {Page} page
 * @param {string} query
 * @returns {Promise<any>}
 */
async function graphql(page, query) {
  return page.evaluate(async (text) => {
    const session = JSON.parse(sessionStorage.getItem("hotline.session") ?? "{}");
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ query: text }),
    });
    return response.json();
  }, query);
}

describe("voice in the browser: the softphone bar and the Calls page", { timeout: 10 * 60_000 }, () => {
  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), "hotline-e2e-sipp-"));
    hotline = await startHotline();
    browser = await launchChromium();
  });

  after(async () => {
    for (const peer of sipps) {
      if (peer.child.exitCode === null && peer.child.signalCode === null) peer.child.kill("SIGKILL");
    }
    await Promise.all(sipps.map((peer) => peer.exited));
    await browser?.close().catch(() => {});
    await hotline?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** agent1's SIP password, as the page showed it once. */
  let sipPassword = "";
  /** The call agent1's bar showed. */
  let callId = "";

  flow("the administrator provisions agent1's extension, a trunk and an access number in the web app", async () => {
    const context = await newContext(browser, { baseURL: hotline.url });
    admin = await context.newPage();
    await logIn(admin, { username: "admin", password: hotline.password });
    await openMenu(admin, ["Administration", "Telephony"]);

    // Extensions: 2001 for Demo agent one; the password shows once, with the SIP settings.
    sipPassword = await provisionExtension(EXTENSION, "Demo agent one (agent1)");
    const extensionRow = admin.getByTestId("telephony-extension-row").filter({ hasText: EXTENSION });
    await extensionRow.filter({ hasText: "Demo agent one" }).waitFor();

    // Trunks: a carrier whose calls come from 127.0.0.1 (where sipp calls from).
    await admin.getByRole("tab", { name: "Trunks" }).click();
    await admin.getByTestId("telephony-trunk-define").click();
    await admin.getByTestId("telephony-trunk-name").fill("Carrier");
    await admin.getByTestId("telephony-trunk-peers").fill("127.0.0.1");
    await admin.getByTestId("telephony-trunk-save").click();
    await admin.getByTestId("telephony-trunk-row").filter({ hasText: "Carrier" }).filter({ hasText: "127.0.0.1" }).waitFor();

    // Access numbers: 4000 leads to the demo queue.
    await admin.getByRole("tab", { name: "Access numbers" }).click();
    await admin.getByTestId("telephony-access-number-assign").click();
    await admin.getByTestId("telephony-access-number-number").fill(ACCESS_NUMBER);
    await pick(admin, admin.getByTestId("telephony-access-number-queue"), "General");
    await admin.getByTestId("telephony-access-number-description").fill("Hotline");
    await admin.getByTestId("telephony-access-number-save").click();
    await admin.locator(`[data-testid="telephony-access-number-row"][data-number="${ACCESS_NUMBER}"]`).filter({ hasText: "General" }).waitFor();
    await screenshot(admin, "voice-telephony-access-numbers");
  });

  flow("agent1's desk phone registers with that password and agent1 becomes available", async () => {
    assert.ok(sipPassword, "the first flow provisioned the extension");
    await registerPhone("desk phone 2001", EXTENSION, sipPassword);

    // The administrator sees the phone registered.
    await admin.getByRole("tab", { name: "Extensions" }).click();
    await admin.getByRole("button", { name: "Refresh" }).click();
    await admin.getByTestId("telephony-extension-row").filter({ hasText: EXTENSION }).getByTestId("telephony-extension-registered").waitFor();

    const context = await newContext(browser, { baseURL: hotline.url });
    agent = await context.newPage();
    await logIn(agent, { username: "agent1", password: hotline.password });
    await agent.goto("/desk");
    await agent.locator('[data-testid="softphone-call"][data-state="IDLE"]').waitFor();
    await setPresence(agent, "Available");
  });

  flow("a customer calls: the bar rings with the screen pop, connects, holds, resumes and hangs up", async () => {
    const phone = sipps.find((peer) => peer.name === "desk phone 2001");
    assert.ok(phone, "the second flow started the desk phone");
    const callerScenario = scenario("caller.xml", { WAIT_MS: String(WAIT_MS), CALLER_SPEECH }, (text) => {
      assert.match(text, CALLER_HANGS_UP, "caller.xml ends with the caller hanging up");
      return text.replace(CALLER_HANGS_UP, CALLER_IS_HUNG_UP);
    });
    const caller = sipp("the caller", [
      hotline.sipAddress,
      "-sf", callerScenario,
      "-s", ACCESS_NUMBER, "-key", "caller", CALLER,
      "-mp", String(await freeUdpPort()),
      "-m", "1", "-l", "1", "-timeout", "90s", "-timeout_error",
    ]);

    // Ringing on the desk phone: the bar says so, and the screen pop shows who calls.
    const bar = agent.getByTestId("softphone-call");
    await agent.locator('[data-testid="softphone-call"][data-state="RINGING"]').waitFor({ timeout: 30_000 });
    await bar.getByTestId("softphone-answer-hint").waitFor();
    const pop = agent.getByTestId("call-screen-pop");
    await pop.waitFor();
    const popText = (await pop.textContent()) ?? "";
    assert.ok(popText.includes(CALLER) && popText.includes(ACCESS_NUMBER), `the screen pop shows the caller and the number dialled: ${popText}`);
    await screenshot(agent, "voice-softphone-ringing");

    // The phone answers: connected, with the caller, the number dialled and a running timer.
    await agent.locator('[data-testid="softphone-call"][data-state="CONNECTED"]').waitFor({ timeout: 15_000 });
    callId = (await bar.getAttribute("data-call-id")) ?? "";
    assert.ok(callId, "the bar names the call");
    assert.equal(((await bar.getByTestId("softphone-state").textContent()) ?? "").trim(), "Connected");
    assert.equal(((await bar.getByTestId("softphone-caller").textContent()) ?? "").trim(), CALLER);
    assert.equal(((await bar.getByTestId("softphone-access-number").textContent()) ?? "").trim(), `dialled ${ACCESS_NUMBER}`);
    const timer = bar.getByTestId("softphone-timer");
    const first = ((await timer.textContent()) ?? "").trim();
    assert.match(first, /^\d\d:\d\d$/);
    await agent.waitForTimeout(2_200);
    const later = ((await timer.textContent()) ?? "").trim();
    assert.match(later, /^\d\d:\d\d$/);
    const seconds = (/** @type {string} */ text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3));
    assert.ok(seconds(later) > seconds(first), `the timer runs: ${first} then ${later}`);
    await screenshot(agent, "voice-softphone-connected");

    // Hold, then resume, from the bar.
    await bar.getByTestId("softphone-hold").click();
    await agent.locator('[data-testid="softphone-call"][data-state="HELD"]').waitFor();
    assert.equal(((await bar.getByTestId("softphone-state").textContent()) ?? "").trim(), "On hold");
    await bar.getByTestId("softphone-resume").waitFor();
    await screenshot(agent, "voice-softphone-held");
    await agent.waitForTimeout(1_500);
    await bar.getByTestId("softphone-resume").click();
    await agent.locator('[data-testid="softphone-call"][data-state="CONNECTED"]').waitFor();
    await bar.getByTestId("softphone-hold").waitFor();

    // Let the caller speak a while (recorded), then hang up from the bar: the bar goes idle,
    // and Hotline hangs up both the caller and the desk phone (each sipp exits 0 only then).
    await agent.waitForTimeout(3_000);
    await bar.getByTestId("softphone-hang-up").click();
    await agent.locator('[data-testid="softphone-call"][data-state="IDLE"]').waitFor();
    assert.equal(await agent.getByTestId("softphone-error").count(), 0, "no error in the bar");
    await assertSippPassed(caller, 30_000);
    await assertSippPassed(phone, 30_000);
    // It stays idle (the next polls do not bring the call back).
    await agent.waitForTimeout(1_500);
    await agent.locator('[data-testid="softphone-call"][data-state="IDLE"]').waitFor({ timeout: 1_000 });
  });

  flow("the administrator finds the call in the Calls page and plays its recording", async () => {
    assert.ok(callId, "the third flow had a call");
    // A fresh sign-in: the shell keeps the Telephony page open in a tab of its own, whose inner
    // tabs would confuse `settle`.
    await admin.context().close();
    admin = await (await newContext(browser, { baseURL: hotline.url })).newPage();
    await logIn(admin, { username: "admin", password: hotline.password });
    await openMenu(admin, ["Calls"]);
    const row = admin.locator(`[data-testid="calls-row"][data-call-id="${callId}"]`);
    // The recording is stored a moment after the call ends: refresh until it is there.
    const play = row.getByTestId("calls-play");
    for (let attempt = 1; !(await play.isVisible()); attempt++) {
      assert.ok(attempt <= 30, "the call's recording shows in the Calls page");
      await admin.waitForTimeout(500);
      await admin.getByTestId("calls-refresh").click();
      await settle(admin);
    }
    const cells = (await row.locator("td").allTextContents()).map((text) => text.trim());
    // Arrived, direction, customer's number, access number, agent, status, wait, talk, hold, recording.
    const [, directionCell, callerCell, numberCell, agentCell, statusCell, waitCell, talkCell, holdCell] = cells;
    assert.equal(directionCell, "Inbound", JSON.stringify(cells));
    assert.equal(callerCell, CALLER, JSON.stringify(cells));
    assert.equal(numberCell, ACCESS_NUMBER, JSON.stringify(cells));
    assert.equal(agentCell, "Demo agent one", JSON.stringify(cells));
    assert.equal(statusCell, "Agent hung up", JSON.stringify(cells));
    assert.match(waitCell ?? "", /^\d\d:\d\d$/, JSON.stringify(cells));
    const seconds = (/** @type {string | undefined} */ text) => {
      const match = /^(\d\d):(\d\d)$/.exec(text ?? "");
      return match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
    };
    assert.ok(seconds(talkCell) >= 4, `talked at least four seconds: ${JSON.stringify(cells)}`);
    assert.ok(seconds(holdCell) >= 1, `held at least a second: ${JSON.stringify(cells)}`);

    // The Calls page has no queue column: the queue is the call record's, checked through
    // GraphQL with the administrator's session.
    const records = await graphql(admin, "{ calls(first: 10) { id queueId agentId recordingSeconds } acdQueues { id name } acdAgents { agentId username } }");
    assert.equal(records.errors, undefined, JSON.stringify(records.errors));
    const record = records.data.calls.find((/** @type {{ id: string }} */ call) => call.id === callId);
    assert.ok(record, JSON.stringify(records.data.calls));
    const queue = records.data.acdQueues.find((/** @type {{ id: string }} */ candidate) => candidate.id === record.queueId);
    assert.equal(queue?.name, "General", `the call went through the demo queue: ${JSON.stringify(records.data)}`);
    const agent1 = records.data.acdAgents.find((/** @type {{ agentId: string }} */ candidate) => candidate.agentId === record.agentId);
    assert.equal(agent1?.username, "agent1");

    // Play: the recording downloads with the session as audio/wav and feeds the player.
    const download = admin.waitForResponse((response) => response.url().includes(`/api/calls/recordings/`));
    await play.click();
    const response = await download;
    assert.equal(response.status(), 200);
    assert.equal(response.headers()["content-type"], "audio/wav");
    const audio = admin.getByTestId("calls-recording-audio");
    await audio.waitFor();
    const src = (await audio.getAttribute("src")) ?? "";
    assert.match(src, /^blob:/, "the player plays the downloaded recording");
    const wav = await admin.evaluate(async (url) => {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const text = (/** @type {number} */ from, /** @type {number} */ to) => String.fromCharCode(...bytes.slice(from, to));
      const view = new DataView(bytes.buffer);
      return {
        riff: text(0, 4),
        wave: text(8, 12),
        channels: view.getUint16(22, true),
        rate: view.getUint32(24, true),
        bytes: bytes.length,
      };
    }, src);
    assert.deepEqual({ ...wav, bytes: undefined }, { riff: "RIFF", wave: "WAVE", channels: 2, rate: 8000, bytes: undefined });
    // Stereo 16-bit at 8 kHz: 32,000 bytes a second, as long as the call record says.
    const recorded = (wav.bytes - 44) / 32_000;
    assert.ok(record.recordingSeconds >= 2, `a recording of some seconds: ${JSON.stringify(record)}`);
    assert.ok(Math.abs(recorded - record.recordingSeconds) <= 1, `${recorded} s in the file, ${record.recordingSeconds} s in the record`);
    // Chromium reads it as audio of that length.
    const duration = await audio.evaluate(async (element) => {
      const player = /** @type {HTMLAudioElement} */ (element);
      player.muted = true;
      if (player.readyState < 1) await new Promise((resolve) => player.addEventListener("loadedmetadata", resolve, { once: true }));
      return player.duration;
    });
    assert.ok(Math.abs(duration - recorded) < 0.5, `the player sees ${duration} s of audio, the file has ${recorded} s`);
    await admin.getByTestId("calls-recording-download-file").waitFor();
    await screenshot(admin, "voice-calls-recording");
  });

  flow("agent1 calls a customer out from the bar: their desk phone rings first, then the customer", async () => {
    // The customer, at the carrier's end of the trunk: answers a second after ringing.
    const customerPort = await freeUdpPort();
    const customer = sipp("the customer called out to", [
      "-sf", scenario("callee.xml", { RING_MS: "1000", CALLEE_SPEECH: CALLER_SPEECH }),
      "-p", String(customerPort), "-mp", String(await freeUdpPort()), "-m", "1", "-timeout", "90s", "-timeout_error",
    ]);
    // The administrator (signed in afresh: the Calls page's player is still open) points the
    // trunk's calls out at it.
    await admin.context().close();
    admin = await (await newContext(browser, { baseURL: hotline.url })).newPage();
    await logIn(admin, { username: "admin", password: hotline.password });
    await openMenu(admin, ["Administration", "Telephony"]);
    await admin.getByRole("tab", { name: "Trunks" }).click();
    await admin.getByTestId("telephony-trunk-row").filter({ hasText: "Carrier" }).getByTestId("telephony-trunk-edit").click();
    await admin.getByTestId("telephony-trunk-outbound").fill(`127.0.0.1:${customerPort}`);
    await admin.getByTestId("telephony-trunk-save").click();
    await admin.getByTestId("telephony-trunk-row").filter({ hasText: `127.0.0.1:${customerPort}` }).waitFor();

    // agent1's desk phone registers again (the first one took one call and left).
    const phone = await registerPhone("desk phone 2001, calling out", EXTENSION, sipPassword);

    // The number as people write it; the bar dials it as digits.
    const bar = agent.getByTestId("softphone-call");
    await agent.locator('[data-testid="softphone-call"][data-state="IDLE"]').waitFor();
    await bar.getByTestId("softphone-dial-number").fill("021 5550 1234");
    await bar.getByTestId("softphone-dial-call").click();
    await agent.locator('[data-testid="softphone-call"][data-state="RINGING"]').waitFor({ timeout: 15_000 });
    await bar.getByTestId("softphone-dial-hint").waitFor();
    // No screen pop for a call the agent makes (the inbound call's may still be open).
    assert.equal(await agent.getByTestId("call-screen-pop").filter({ hasText: "02155501234" }).count(), 0);
    await screenshot(agent, "voice-softphone-calling-out");
    await agent.locator('[data-testid="softphone-call"][data-state="CONNECTED"]').waitFor({ timeout: 20_000 });
    assert.equal(((await bar.getByTestId("softphone-caller").textContent()) ?? "").trim(), "02155501234");
    // A call out is handed on to a queue only: the transfer offers no agents.
    await bar.getByTestId("softphone-transfer").click();
    const transferPanel = agent.getByTestId("softphone-transfer-panel");
    await transferPanel.waitFor();
    assert.equal(await transferPanel.getByText("Agent", { exact: true }).count(), 0, "no agent to pick on a call out");
    await bar.getByTestId("softphone-transfer").click();
    await transferPanel.waitFor({ state: "hidden" });
    // agent1 is busy meanwhile: no contact is offered to them.
    await agent.getByTestId("desk-presence").filter({ hasText: "Busy" }).waitFor({ timeout: 10_000 });
    await agent.waitForTimeout(3_000);
    await bar.getByTestId("softphone-hang-up").click();
    await agent.locator('[data-testid="softphone-call"][data-state="IDLE"]').waitFor();
    await assertSippPassed(customer, 30_000);
    await assertSippPassed(phone, 30_000);
    // agent1 is offered contacts again.
    await agent.getByTestId("desk-presence").filter({ hasText: "Available" }).waitFor({ timeout: 10_000 });
  });

  flow("agent1 consults agent2 about a customer's call and hands it over (attended transfer)", async () => {
    // agent2's extension, provisioned by the administrator.
    await admin.context().close();
    admin = await (await newContext(browser, { baseURL: hotline.url })).newPage();
    await logIn(admin, { username: "admin", password: hotline.password });
    await openMenu(admin, ["Administration", "Telephony"]);
    const agent2Password = await provisionExtension("2002", "Demo agent two (agent2)");
    const phone1 = await registerPhone("desk phone 2001, consulting", EXTENSION, sipPassword);
    const phone2 = await registerPhone("desk phone 2002, consulted", "2002", agent2Password);
    const agent2 = await (await newContext(browser, { baseURL: hotline.url })).newPage();
    await logIn(agent2, { username: "agent2", password: hotline.password });
    await agent2.goto("/desk");
    const bar2 = agent2.getByTestId("softphone-call");
    await agent2.locator('[data-testid="softphone-call"][data-state="IDLE"]').waitFor();

    // A customer calls; agent1 (the only one available) takes it; Hotline hangs the caller up
    // when agent2 does, at the end.
    const callerScenario = scenario("caller.xml", { WAIT_MS: String(WAIT_MS), CALLER_SPEECH }, (text) => text.replace(CALLER_HANGS_UP, CALLER_IS_HUNG_UP));
    const caller = sipp("the caller, transferred", [
      hotline.sipAddress,
      "-sf", callerScenario,
      "-s", ACCESS_NUMBER, "-key", "caller", CALLER,
      "-mp", String(await freeUdpPort()),
      "-m", "1", "-l", "1", "-timeout", "120s", "-timeout_error",
    ]);
    const bar = agent.getByTestId("softphone-call");
    await agent.locator('[data-testid="softphone-call"][data-state="CONNECTED"]').waitFor({ timeout: 30_000 });
    await setPresence(agent2, "Available");

    // agent1 consults agent2: the caller is held, agent2's phone rings and their bar says who asks.
    await bar.getByTestId("softphone-consult").click();
    const panel = agent.getByTestId("softphone-consult-panel");
    await panel.waitFor();
    await pick(agent, panel.getByTestId("softphone-consult-target"), "Demo agent two");
    await panel.getByTestId("softphone-consult-confirm").click();
    await bar.locator('[data-testid="softphone-consult-state"][data-consult-status="RINGING"]').waitFor({ timeout: 10_000 });
    assert.equal(await bar.getByTestId("softphone-complete-transfer").isDisabled(), true, "nothing to hand over before agent2 answers");
    assert.equal(await bar.getByTestId("softphone-hold").count(), 0, "no hold while consulting");
    // The bar shows the consultation first and names who asks once it knows: wait for the name.
    const consulted = bar2.getByTestId("softphone-consulted");
    await consulted.filter({ hasText: "Demo agent one" }).waitFor({ timeout: 10_000 });
    await screenshot(agent, "voice-softphone-consulting");
    await screenshot(agent2, "voice-softphone-consulted");

    // agent2's phone answers: the two agents talk; agent1 completes the transfer.
    await bar.locator('[data-testid="softphone-consult-state"][data-consult-status="CONNECTED"]').waitFor({ timeout: 20_000 });
    await bar.getByTestId("softphone-complete-transfer").click();
    await agent.locator('[data-testid="softphone-call"][data-state="IDLE"]').waitFor({ timeout: 10_000 });
    await assertSippPassed(phone1, 30_000);

    // The call is agent2's now, with the caller; agent2 hangs up and Hotline hangs up both.
    await agent2.locator('[data-testid="softphone-call"][data-state="CONNECTED"]').waitFor({ timeout: 10_000 });
    assert.equal(((await bar2.getByTestId("softphone-caller").textContent()) ?? "").trim(), CALLER);
    assert.equal(await bar2.getByTestId("softphone-consulted").count(), 0);
    await agent2.waitForTimeout(2_000);
    await bar2.getByTestId("softphone-hang-up").click();
    await agent2.locator('[data-testid="softphone-call"][data-state="IDLE"]').waitFor();
    await assertSippPassed(caller, 30_000);
    await assertSippPassed(phone2, 30_000);
    await agent2.context().close();
  });
});
