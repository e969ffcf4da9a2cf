// Shared pieces of the web dashboard's browser tests: the real pvpd (websocket plugin serving
// the dashboard + the scripted agent) on a loopback port with a temp config and state dir,
// Chromium through playwright-core, screenshots under the build dir, bounded waits.
//
// The daemon serves the app itself (`web: {enabled: true}`; embedded in the plugin at build time,
// or from `PVPD_WEB_ROOT` when set, e.g. to try CSS changes without rebuilding).
//
// OWNERSHIP: each Daemon owns its child process and temp dir (removed on stop unless
// PVPD_KEEP_TEST_DIRS is set). Every wait has a deadline.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export const buildDir = process.env.PVPD_BUILD_DIR;
export const sourceDir = process.env.PVPD_SOURCE_DIR || new URL('../../..', import.meta.url).pathname;
export const CHROMIUM = process.env.PVPD_CHROMIUM || '/usr/bin/chromium';
export const SKIP = 77; // ctest SKIP_RETURN_CODE

export function requireEnvironment() {
  if (!buildDir) {
    console.error('PVPD_BUILD_DIR is not set (run through ctest)');
    process.exit(1);
  }
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIP: ${CHROMIUM} is missing; install the Debian packages chromium and ` +
                'chromium-driver (scripts/install-deps) to run the web dashboard browser tests');
    process.exit(SKIP);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what, fn, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      last = await fn();
      if (last) {
        return last;
      }
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last && last.stack ? last.stack : last})`);
}

// The scripted agent's rules: a plain answer, and two prompts that propose a gated shell call.
export const AGENT_RULES = [
  '        - match: "greet"',
  '          think: ["Someone wants a greeting; keeping it short."]',
  '          respond: "Hello from the scripted agent, streaming in small pieces."',
  '        - match: "approve-me"',
  '          think: ["This needs a shell call; proposing it and waiting for the gate."]',
  '          respond: "I will run the check command."',
  '          tools: [{name: shell, input: {argv: ["echo", "web-e2e-tool-ran"]}}]',
  '          after_tools: "Check finished: {results}"',
  '          after_refusal: "Not running it: {results}"',
  '        - match: "reject-me"',
  '          think: ["Cleanup is risky; asking the approvers first."]',
  '          respond: "I will run the cleanup command."',
  '          tools: [{name: shell, input: {argv: ["echo", "web-e2e-must-not-run"]}}]',
  '          after_tools: "Cleanup finished: {results}"',
  '          after_refusal: "Not running it: {results}"',
  '        - match: ".*"',
  '          respond: "You said {prompt}"',
];

export function sha256hex(s) {
  return createHash('sha256').update(s).digest('hex');
}

export class Daemon {
  // `agentExtra`: more agent option lines, e.g. ['thinking_visibility: approvers_only'].
  constructor({ name = 'web', auth = null, agentExtra = [] } = {}) {
    this.agentExtra = agentExtra;
    this.dir = mkdtempSync(join(tmpdir(), `pvpd-${name}-`));
    this.portFile = join(this.dir, 'port');
    this.auth = auth;
    this.port = 0;
    this.proc = null;
    this.log = '';
  }

  writeConfig(port) {
    const web = process.env.PVPD_WEB_ROOT ? `{enabled: true, root: "${process.env.PVPD_WEB_ROOT}"}`
                                          : '{enabled: true}';
    const auth = this.auth ? ['  auth:', ...this.auth.map((l) => `    ${l}`)] : [];
    writeFileSync(join(this.dir, 'pvpd.yaml'), [
      'version: 1',
      'daemon:',
      `  state_dir: ${join(this.dir, 'state')}`,
      `  plugin_dirs: [${join(buildDir, 'lib/pvpd/plugins')}]`,
      ...auth,
      'plugins:',
      '  - use: websocket',
      '    id: ws',
      '    config:',
      `      listen: ["127.0.0.1:${port}"]`,
      `      port_file: "${this.portFile}"`,
      `      web: ${web}`,
      '  - use: agent-scripted',
      '    id: demo-agent',
      '    config:',
      '      name: Demo Agent',
      '      auto_join: true',
      '      pace: 15ms',
      '      chunk_chars: 6',
      ...this.agentExtra.map((l) => `      ${l}`),
      '      rules:',
      ...AGENT_RULES,
      '',
    ].join('\n'));
  }

  // Starts pvpd; `port` 0 = ephemeral (the first start), else the same port again (restart).
  async start(port = 0) {
    rmSync(this.portFile, { force: true });
    this.writeConfig(port);
    this.proc = spawn(join(buildDir, 'bin/pvpd'), ['--config', join(this.dir, 'pvpd.yaml')],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr.on('data', (d) => {
      this.log += d;
    });
    const exited = new Promise((r) => this.proc.once('exit', (code) => r(code)));
    this.exited = exited;
    const text = await waitFor('the websocket port file', async () => {
      if (this.proc.exitCode !== null) {
        throw new Error(`pvpd exited with ${this.proc.exitCode}:\n${this.log}`);
      }
      return existsSync(this.portFile) && readFileSync(this.portFile, 'utf8').trim();
    }, 20000);
    this.port = Number(text);
    this.base = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(t);
    }
    this.proc = null;
  }

  cleanup() {
    if (!process.env.PVPD_KEEP_TEST_DIRS) {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

// One Chromium with a fresh user-data dir (a persistent context is how playwright takes one).
// Pages of the context are separate tabs: each has its own sessionStorage, hence its own
// sign-in.
export async function launchBrowser() {
  const { chromium } = await import(join(sourceDir, 'tests/node/node_modules/playwright-core/index.mjs'));
  const userDataDir = mkdtempSync(join(tmpdir(), 'pvpd-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export function artifactDir() {
  const d = process.env.PVPD_ARTIFACT_DIR || join(buildDir, 'test-artifacts', 'web');
  mkdirSync(d, { recursive: true });
  return d;
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(artifactDir(), `${name}.png`), fullPage: false });
}

// A page with its console and CSP violations collected (checked by the tests).
export async function newPage(context, { viewport = { width: 1280, height: 800 } } = {}) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.consoleLog = [];
  page.cspViolations = [];
  page.on('console', (m) => {
    page.consoleLog.push(`${m.type()}: ${m.text()}`);
    if (/content security policy/i.test(m.text())) {
      page.cspViolations.push(m.text());
    }
  });
  page.on('pageerror', (e) => page.consoleLog.push(`pageerror: ${e.message}`));
  return page;
}

// Signs in through the form. `session` empty = create a new session.
export async function signIn(page, base, { name, role, session = '', token = '' }) {
  await page.goto(`${base}/`);
  await page.fill('#si-name', name);
  await page.selectOption('#si-role', role);
  if (token) {
    await page.fill('#si-token', token);
  }
  if (session) {
    await page.fill('#si-session', session);
  }
  await page.click('#si-join');
  await page.waitForSelector('#conn[data-state="connected"]', { timeout: 15000 });
}

export async function sessionIdOf(page) {
  return page.evaluate(() => window.pvpApp.state.session);
}

export async function streamText(page) {
  return page.$eval('#stream', (n) => n.textContent);
}
