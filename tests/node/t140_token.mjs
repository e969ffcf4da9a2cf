// The T.140 transport under `daemon.auth.mode: token`: a listener with a configured `token`
// (sent as the connection credential) gets its speaker into the session; a listener without
// one is refused by the daemon (counted, nothing reaches the session). Real pvpd with
// pvpd-t140.so and pvpd-websocket.so, hand-made RTP from a UDP socket, a `ws` client holding its
// own token. Run by ctest (t140_node_token, label integration); every wait is bounded.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const buildDir = process.env.PVPD_BUILD_DIR;
assert.ok(buildDir, 'PVPD_BUILD_DIR is not set (run through ctest)');
const dir = mkdtempSync(join(tmpdir(), 'pvpd-t140tok-'));
const portFile = (n) => join(dir, `port-${n}`);
const sha = (t) => createHash('sha256').update(t).digest('hex');

writeFileSync(join(dir, 'pvpd.yaml'), [
  'version: 1',
  'daemon:',
  `  state_dir: ${join(dir, 'state')}`,
  `  plugin_dirs: [${join(buildDir, 'lib/pvpd/plugins')}]`,
  '  auth:',
  '    mode: token',
  '    tokens:',
  `      - {sha256: "${sha('obs-token')}", participant: observer, roles: [navigator]}`,
  `      - {sha256: "${sha('rtt-token')}", participant: dave, roles: [navigator]}`,
  'plugins:',
  '  - use: websocket',
  '    id: ws',
  '    config:',
  '      listen: ["127.0.0.1:0"]',
  `      port_file: "${portFile('ws')}"`,
  '  - use: t140',
  '    id: rtt',
  '    config:',
  '      listeners:',
  ...['with', 'without'].flatMap((name) => [
    `        - name: ${name}`,
    '          port: 0',
    `          port_file: "${portFile(name)}"`,
    '          session: tokens',
    '          create_session: false',
    '          idle_flush: 300ms',
    ...(name === 'with' ? ['          token: rtt-token',
                           '          participants: [{stream: "*", id: dave, name: Dave}]']
                        : ['          participants: [{stream: "*", id: eve, name: Eve}]']),
  ]),
  '',
].join('\n'));

const pvpd = spawn(join(buildDir, 'bin/pvpd'), ['--config', join(dir, 'pvpd.yaml')],
                   { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
pvpd.stderr.on('data', (d) => { log += d; });
const deadline = setTimeout(() => fail(new Error('timed out')), 40000);
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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(pred, what, ms = 15000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const hasPort = (n) => existsSync(portFile(n)) && readFileSync(portFile(n), 'utf8').trim() !== '';
const readPort = (n) => Number(readFileSync(portFile(n), 'utf8').trim());

function rtp(seq, ssrc, text) {
  const head = Buffer.alloc(12);
  head[0] = 0x80; head[1] = 96;
  head.writeUInt16BE(seq, 2);
  head.writeUInt32BE(seq * 300, 4);
  head.writeUInt32BE(ssrc, 8);
  return Buffer.concat([head, Buffer.from(text, 'utf8')]);
}

try {
  await until(() => ['ws', 'with', 'without'].every(hasPort), 'the port files');
  const ws = new WebSocket(`ws://127.0.0.1:${readPort('ws')}/?token=obs-token`);
  const inbox = [];
  ws.on('message', (data) => { try { inbox.push(JSON.parse(data.toString())); } catch { } });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send(JSON.stringify({
    v: 1, type: 'session.join', session: 'tokens', sender: 'observer',
    payload: { participant: { id: 'observer', name: 'Observer', type: 'human',
                              roles: ['navigator'], transport: 'websocket' },
               supported_versions: [1] },
  }));
  await until(() => inbox.some((m) => m.type === 'participant.announce' && m.sender === 'observer'),
              'the observer join').catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(inbox)}`);
  });

  const udp = createSocket('udp4');
  const send = (port, pkt) => new Promise((r) => udp.send(pkt, port, '127.0.0.1', r));
  await send(readPort('without'), rtp(1, 0xeeee, 'I have no token. '));
  await send(readPort('with'), rtp(1, 0xdddd, 'Token holder speaking. '));
  await send(readPort('with'), rtp(2, 0xdddd, 'Second sentence.'));
  udp.close();

  const said = (who) => inbox.filter((m) => m.type === 'context.add' && m.sender === who)
                             .map((m) => m.payload.content);
  await until(() => said('dave').join(' ') === 'Token holder speaking. Second sentence.',
              "dave's transcript");
  assert.ok(inbox.some((m) => m.type === 'participant.announce' && m.sender === 'dave'));
  await until(() => log.includes('refused a frame'), 'the refusal of the tokenless join');
  assert.match(log, /a token is required/);
  await sleep(500);  // give a wrongly accepted frame time to show up
  assert.deepEqual(said('eve'), []);
  assert.ok(!inbox.some((m) => m.type === 'participant.announce' && m.sender === 'eve'));
  assert.ok(!log.includes('rtt-token'), 'the token is never logged');
  ws.terminate();
  console.log('ok: t140 token auth');
  cleanup(0);
} catch (err) {
  fail(err);
}
