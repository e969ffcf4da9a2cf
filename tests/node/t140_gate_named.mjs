// T.140 streams that target a session by name and whose transcripts need approval:
// `join_by_name` finds the live session named "standup" through the daemon (ABI 1.2
// session_find) and `gate_transcripts` holds every chunk behind a context_change gate until a
// human approves it. A listener whose named session does not exist (and may not create it)
// drops its text and counts it. Real pvpd with pvpd-t140.so and pvpd-websocket.so, hand-made
// RTP from a UDP socket, two `ws` clients. Run by ctest (t140_node_gate_named); bounded waits.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const buildDir = process.env.PVPD_BUILD_DIR;
assert.ok(buildDir, 'PVPD_BUILD_DIR is not set (run through ctest)');
const dir = mkdtempSync(join(tmpdir(), 'pvpd-t140gate-'));
const portFile = (n) => join(dir, `port-${n}`);

const listener = (name, sessionName, id) => [
  `        - name: ${name}`,
  '          port: 0',
  `          port_file: "${portFile(name)}"`,
  `          session: fallback-${name}`,
  `          session_name: ${sessionName}`,
  '          join_by_name: true',
  '          create_session: false',
  '          idle_flush: 300ms',
  `          participants: [{stream: "*", id: ${id}}]`,
];
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
  `      port_file: "${portFile('ws')}"`,
  '  - use: t140',
  '    id: rtt',
  '    config:',
  '      gate_transcripts: true',
  '      listeners:',
  ...listener('named', 'standup', 'dave'),
  ...listener('missing', 'no-such-meeting', 'eve'),
  '',
].join('\n'));

const pvpd = spawn(join(buildDir, 'bin/pvpd'), ['--config', join(dir, 'pvpd.yaml')],
                   { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
pvpd.stderr.on('data', (d) => { log += d; });
const deadline = setTimeout(() => fail(new Error('timed out')), 45000);
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

async function client(id, roles, first) {
  const ws = new WebSocket(`ws://127.0.0.1:${readPort('ws')}/`);
  const inbox = [];
  ws.on('message', (data) => { try { inbox.push(JSON.parse(data.toString())); } catch { } });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const send = (type, payload) =>
    ws.send(JSON.stringify({ v: 1, type, session: 'meet-1', sender: id, payload }));
  if (first) {
    send('session.create', { name: 'standup', config: {
      require_approval_for: [], default_gate_quorum: { type: 'any', count: 1 },
      allow_forks: false, max_participants: 10, ordering_mode: 'total',
      on_participant_timeout: 'wait', heartbeat_interval_seconds: 30,
      idle_timeout_seconds: 120, away_timeout_seconds: 300 } });
  }
  send('session.join', { participant: { id, name: id, type: 'human', roles,
                                        transport: 'websocket' }, supported_versions: [1] });
  await until(() => inbox.some((m) => m.type === 'participant.announce' && m.sender === id),
              `${id}'s join`);
  return { ws, inbox, send };
}

try {
  await until(() => ['ws', 'named', 'missing'].every(hasPort), 'the port files');
  const alice = await client('alice', ['driver', 'approver'], true);
  const bob = await client('bob', ['approver'], false);
  await sleep(1200);  // session_find answers from a snapshot refreshed twice a second

  const udp = createSocket('udp4');
  const send = (port, pkt) => new Promise((r) => udp.send(pkt, port, '127.0.0.1', r));
  await send(readPort('named'), rtp(1, 0xdddd, 'We ship on Friday.'));
  await send(readPort('missing'), rtp(1, 0xeeee, 'Nobody hears me.'));

  const requests = () => alice.inbox.filter((m) => m.type === 'gate.request' &&
                                                   m.payload.action_type === 'context_change');
  await until(() => requests().length === 1, 'the context_change gate');
  const req = requests()[0];
  const held = JSON.parse(req.payload.held_frame);
  assert.equal(held.sender, 'dave');
  assert.equal(held.session, 'meet-1', 'dave joined the session found by its name');
  assert.equal(held.payload.content, 'We ship on Friday.');
  assert.equal(held.payload.content_type, 'audio_transcript');
  assert.match(req.payload.digest, /^[0-9a-f]{64}$/);
  const transcripts = (inbox) => inbox.filter((m) => m.type === 'context.add' &&
                                                     m.sender === 'dave');
  await sleep(300);
  assert.deepEqual(transcripts(alice.inbox), [], 'nothing is context before the approval');

  bob.send('gate.approve', { gate: req.payload.action_ref, approver: 'mallory' });
  await until(() => transcripts(alice.inbox).length === 1, 'the approved transcript');
  const added = transcripts(alice.inbox)[0];
  assert.equal(added.id, req.payload.action_ref);
  assert.equal(added.payload.content, 'We ship on Friday.');
  const vote = alice.inbox.find((m) => m.type === 'gate.approve');
  assert.equal(vote.payload.approver, 'bob', 'the server names the approver');

  // The listener whose session does not exist joined nothing and counted the dropped text.
  // (/health is a snapshot refreshed twice a second: poll it.)
  let health = '';
  const droppedCount = () => Number((/"no_session_chunks":(\d+)/.exec(health) || [0, 0])[1]);
  for (let i = 0; i < 50 && droppedCount() < 1; ++i) {
    health = await (await fetch(`http://127.0.0.1:${readPort('ws')}/health`)).text();
    if (droppedCount() < 1) await sleep(100);
  }
  assert.ok(droppedCount() >= 1, `no_session_chunks in /health: ${health}`);
  assert.ok(!alice.inbox.some((m) => m.sender === 'eve'), 'eve never reached meet-1');
  assert.match(log, /no live session named 'no-such-meeting'/);
  udp.close();
  alice.ws.terminate();
  bob.ws.terminate();
  console.log('ok: t140 join_by_name + gate_transcripts');
  cleanup(0);
} catch (err) {
  fail(err);
}
