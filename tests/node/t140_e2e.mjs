// End-to-end test of the T.140 transport: the real pvpd with pvpd-t140.so and pvpd-websocket.so,
// the real `t140llm` npm package sending RTP (two speakers, a correction with backspaces,
// multi-byte characters, a tail without a sentence end), and a WebSocket client in the session.
// Run by ctest (t140_node_e2e, label integration) with PVPD_BUILD_DIR set; exits 0 on success.
// Every wait is bounded by a deadline.
//
// Carol speaks over SRTP (t140llm's processAIStreamToSrtp, pre-shared test key).
//
// Proves: each stream joins as a human participant with transport "t140" and the mapped name
// and roles (participant.announce); the transcript arrives as context.add (audio_transcript)
// with the right speaker, text, key and source, including the tail that only the idle flush
// can rescue; a silent stream leaves (session.leave); a bounded flood of random-SSRC packets on
// a third listener is capped at max_streams participants and does not stop the other speakers
// or the core (a heartbeat.ping is still answered).
import assert from 'node:assert/strict';
import { processAIStreamToRtp, processAIStreamToSrtp } from 't140llm';
import {
  connect, frame, harness, joinPayload, rtp, sleep, t140Plugin, udpSender, websocketPlugin,
} from './lib.mjs';

const t = harness({ prefix: 'pvpd-t140-', deadlineMs: 90000, waitMs: 20000 });
// The research captures' test key (research/t140.md §1.6); AES_CM_128_HMAC_SHA1_80.
const SRTP_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const SRTP_SALT = Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacad', 'hex');
const SRTP_KEY_HEX = `${SRTP_KEY.toString('hex')}${SRTP_SALT.toString('hex')}`;

const listener = (name, extra) => [
  `        - name: ${name}`,
  '          address: 127.0.0.1',
  '          port: 0',
  `          port_file: "${t.portFile(name)}"`,
  '          session: meeting',
  '          session_name: "Stand-up"',
  '          idle_flush: 1s',
  '          stream_timeout: 3s',
  '          session_config: {require_approval_for: [], default_gate_quorum: {type: any, count: 1},',
  '                           allow_forks: true, max_participants: 20, ordering_mode: causal,',
  '                           on_participant_timeout: wait, heartbeat_interval_seconds: 30,',
  '                           idle_timeout_seconds: 300, away_timeout_seconds: 600}',
  ...extra.map((l) => `          ${l}`),
];

t.writeConfig({
  plugins: [
    ...websocketPlugin(t.portFile('ws')),
    ...t140Plugin([
      ...listener('alice', ['participants:', '  - {stream: "*", id: alice, name: "Alice"}']),
      ...listener('bob', ['participants:',
                          '  - {stream: "*", id: bob, name: "Bob", roles: [navigator, approver]}']),
      ...listener('flood', ['max_streams: 3', 'rate_limit: {per_second: 100, burst: 50}']),
      ...listener('carol', ['participants:', '  - {stream: "*", id: carol, name: "Carol"}',
                            `srtp: {key: "${SRTP_KEY_HEX}"}`]),
    ]),
  ],
});
t.start();

// An LLM-like stream: small chunks, then it stays open until t140llm's 30 cps queue drained
// (t140llm drops the queued tail when the stream ends early: research/t140.md §2.4 F7).
async function* speech(chunks) {
  for (const c of chunks) {
    yield c;
    await sleep(40);
  }
  await sleep(4000);
}

const ALICE = ['Hello every', 'one. Teh', '\b\bhe caf', 'é opens at nine! ', 'Is that ok? ',
               'and the tail of alice'];
const BOB = ['Bonjour à tous 🎉. ', 'Je suis d’accord? ', 'Naïve résumé, yes'];
const ALICE_TEXT = 'Hello everyone. The café opens at nine! Is that ok? and the tail of alice';
const CAROL = ['Secure hello ', 'from Carol. ', 'Encrypted tail'];
const CAROL_TEXT = 'Secure hello from Carol. Encrypted tail';
const BOB_TEXT = 'Bonjour à tous 🎉. Je suis d’accord? Naïve résumé, yes';

try {
  await t.until(() => ['ws', 'alice', 'bob', 'flood', 'carol'].every(t.hasPort),
                'the port files');
  const ws = await connect(`ws://127.0.0.1:${t.readPort('ws')}/`);
  const { inbox } = ws;
  ws.send(frame('session.join', 'meeting', 'observer',
                joinPayload('observer', ['navigator'], 'Observer')));
  await t.until(() => inbox.some((m) => m.type === 'participant.announce' &&
                                       m.sender === 'observer'),
                'the observer join');

  // Both speakers, and a bounded flood on the third listener, at the same time.
  const alice = processAIStreamToRtp(speech(ALICE), '127.0.0.1', t.readPort('alice'));
  const bob = processAIStreamToRtp(speech(BOB), '127.0.0.1', t.readPort('bob'));
  const carol = processAIStreamToSrtp(speech(CAROL), '127.0.0.1', t.readPort('carol'),
                                     { masterKey: SRTP_KEY, masterSalt: SRTP_SALT });
  assert.ok(alice && bob && carol);
  const flood = udpSender();
  const floodPort = t.readPort('flood');
  let sent = 0;
  for (let batch = 0; batch < 40; ++batch) {
    await Promise.all(Array.from({ length: 500 }, (_, i) => {
      ++sent;
      return flood.send(floodPort, rtp((batch * 500 + i) & 0xffff,
                                       (Math.random() * 0xffffffff) >>> 0, 'flood', 0));
    }));
  }
  flood.close();
  assert.equal(sent, 20000);

  // The core still answers while the transcript flows.
  ws.send(JSON.stringify({ v: 1, type: 'heartbeat.ping', session: 'meeting', sender: 'observer',
                           id: 'ping-1', payload: {} }));
  await t.until(() => inbox.some((m) => m.type === 'heartbeat.pong' && m.ref === 'ping-1'),
                'pong');

  const transcript = (who) => {
    const parts = new Map();
    for (const m of inbox) {
      if (m.type === 'context.add' && m.sender === who &&
          m.payload?.content_type === 'audio_transcript') {
        parts.set(m.payload.sequence, m.payload.content);
      }
    }
    return [...parts.keys()].sort((a, b) => a - b).map((k) => parts.get(k)).join(' ');
  };
  await t.until(() => transcript('alice') === ALICE_TEXT && transcript('bob') === BOB_TEXT &&
                      transcript('carol') === CAROL_TEXT,
                'the transcripts', 30000).catch((e) => {
    throw new Error(`${e.message}: alice=${JSON.stringify(transcript('alice'))} ` +
                    `bob=${JSON.stringify(transcript('bob'))} ` +
                    `carol=${JSON.stringify(transcript('carol'))}`);
  });

  // Announces: humans over t140 with the mapped names and roles.
  const announce = (id) => inbox.find((m) => m.type === 'participant.announce' && m.sender === id);
  for (const [id, name, roles] of [['alice', 'Alice', ['navigator']],
                                   ['bob', 'Bob', ['navigator', 'approver']]]) {
    const a = announce(id);
    assert.ok(a, `announce of ${id}`);
    assert.equal(a.payload.id, id);
    assert.equal(a.payload.name, name);
    assert.equal(a.payload.type, 'human');
    assert.equal(a.payload.transport, 't140');
    assert.deepEqual(a.payload.roles, roles);
  }
  const first = inbox.find((m) => m.type === 'context.add' && m.sender === 'alice');
  assert.equal(first.payload.content, 'Hello everyone.');
  assert.match(first.payload.key, /^t140\/alice\/ssrc-[0-9a-f]{8}\/0$/);
  assert.match(first.payload.source, /^t140:alice\/ssrc-[0-9a-f]{8}$/);
  assert.ok(first.payload.tags.includes('speaker:alice'));
  assert.equal(first.payload.lossy, false);
  assert.ok(Number.isInteger(first.seq) && first.seq > 0, 'recorded with a seq');

  // The flood: at most max_streams (3) participants, each announced once.
  const floodIds = inbox.filter((m) => m.type === 'participant.announce' &&
                                       m.payload?.metadata?.t140_source?.startsWith('t140:flood/'));
  assert.ok(floodIds.length >= 1 && floodIds.length <= 3, `flood participants: ${floodIds.length}`);

  // Silence: both speakers leave after stream_timeout.
  const left = (id) => inbox.some((m) => m.type === 'session.leave' && m.sender === id);
  await t.until(() => ['alice', 'bob'].every(left), 'the speakers leaving', 15000);
  // No frame of a virtual participant was refused (session.create, join, context.add, leave).
  assert.ok(!t.log.includes('refused a frame'), 'the daemon refused a t140 frame');
  ws.terminate();
  console.log('ok: t140 end to end');
  t.cleanup(0);
} catch (err) {
  t.fail(err);
}
