// Interop test: an independent WebSocket stack (Node.js + the `ws` package) against the real
// pvpd with the websocket plugin. Run by ctest (websocket_node_interop, label integration) with
// PVPD_BUILD_DIR set; exits 0 on success. Every wait is bounded by a deadline.
//
// Proves: connect on an arbitrary path offering a subprotocol (echoed), join a session, receive
// a frame routed from another client, ws-level ping answered by pong, clean close.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const buildDir = process.env.PVPD_BUILD_DIR;
assert.ok(buildDir, 'PVPD_BUILD_DIR is not set (run through ctest)');
const dir = mkdtempSync(join(tmpdir(), 'pvpd-node-'));
const portFile = join(dir, 'port');
writeFileSync(join(dir, 'pvpd.yaml'), [
  'version: 1',
  'daemon:',
  `  state_dir: ${join(dir, 'state')}`,
  `  plugin_dirs: [${join(buildDir, 'lib/pvpd/plugins')}]`,
  'plugins:',
  '  - use: websocket',
  '    id: ws',
  '    config:',
  '      listen: ["127.0.0.1:0"]',
  `      port_file: "${portFile}"`,
  '',
].join('\n'));

const pvpd = spawn(join(buildDir, 'bin/pvpd'), ['--config', join(dir, 'pvpd.yaml')],
                   { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
pvpd.stderr.on('data', (d) => { log += d; });

const deadline = setTimeout(() => fail(new Error('timed out')), 30000);
function fail(err) {
  console.error(`FAIL: ${err.stack || err}\n--- pvpd log ---\n${log}`);
  cleanup(1);
}
function cleanup(code) {
  clearTimeout(deadline);
  pvpd.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

async function until(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function open(url, protocols) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.inbox = [];
    ws.on('message', (data, isBinary) => ws.inbox.push({ text: data.toString(), isBinary }));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function next(ws, pred, what) {
  await until(() => ws.inbox.some(pred), what);
  const i = ws.inbox.findIndex(pred);
  return ws.inbox.splice(i, 1)[0];
}

const join_ = (session, id) => JSON.stringify({
  v: 1, type: 'session.join', session, sender: id,
  payload: { participant: { id, name: id, type: 'human', roles: ['driver'], transport: 'websocket' },
             supported_versions: [1] },
});
const draft = (session, id, content) => JSON.stringify({
  v: 1, type: 'prompt.draft', session, sender: id, payload: { content, contributors: [id] },
});
const parsed = (m) => { try { return JSON.parse(m.text); } catch { return {}; } };

try {
  await until(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim() !== '',
              'the port file');
  const port = Number(readFileSync(portFile, 'utf8').trim());

  const alice = await open(`ws://127.0.0.1:${port}/some/path?token=t1`, ['pvp.v1', 'other']);
  assert.equal(alice.protocol, 'pvp.v1', 'first offered subprotocol is echoed');
  const bob = await open(`ws://127.0.0.1:${port}/`);
  assert.equal(bob.protocol, '');

  alice.send(join_('node-s', 'alice'));
  await next(alice, (m) => parsed(m).type !== 'error', 'alice join answer');
  bob.send(Buffer.from(join_('node-s', 'bob')), { binary: true });
  await next(bob, (m) => parsed(m).type !== 'error', 'bob join answer');

  alice.send(draft('node-s', 'alice', 'hello from node'));
  const got = await next(bob, (m) => parsed(m).payload?.content === 'hello from node',
                         'the routed frame');
  const env = parsed(got);
  assert.equal(env.type, 'prompt.draft');
  assert.equal(env.sender, 'alice');
  assert.ok(Number.isInteger(env.seq) && env.seq > 0, 'seq is stamped');
  assert.equal(got.isBinary, false, 'the server sends text frames');

  let pong = false;
  bob.on('pong', (data) => { pong = data.toString() === 'are-you-there'; });
  bob.ping('are-you-there');
  await until(() => pong, 'the pong');

  const closed = new Promise((resolve) => bob.once('close', (code) => resolve(code)));
  bob.close(1000, 'bye');
  assert.equal(await closed, 1000);
  alice.terminate();
  console.log('ok: node ws interop');
  cleanup(0);
} catch (err) {
  fail(err);
}
