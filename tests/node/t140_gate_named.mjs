// T.140 streams that target a session by name and whose transcripts need approval:
// `join_by_name` finds the live session named "standup" through the daemon (ABI 1.2
// session_find) and `gate_transcripts` holds every chunk behind a context_change gate until a
// human approves it. A listener whose named session does not exist (and may not create it)
// drops its text and counts it. Real pvpd with pvpd-t140.so and pvpd-websocket.so, hand-made
// RTP from a UDP socket, two `ws` clients. Run by ctest (t140_node_gate_named); bounded waits.
import assert from 'node:assert/strict';
import {
  connect, harness, joinPayload, rtp, sendFrame, sleep, t140Plugin, udpSender, websocketPlugin,
} from './lib.mjs';

const t = harness({ prefix: 'pvpd-t140gate-', deadlineMs: 45000 });

const listener = (name, sessionName, id) => [
  `        - name: ${name}`,
  '          port: 0',
  `          port_file: "${t.portFile(name)}"`,
  `          session: fallback-${name}`,
  `          session_name: ${sessionName}`,
  '          join_by_name: true',
  '          create_session: false',
  '          idle_flush: 300ms',
  `          participants: [{stream: "*", id: ${id}}]`,
];
t.writeConfig({
  plugins: [
    ...websocketPlugin(t.portFile('ws')),
    ...t140Plugin([...listener('named', 'standup', 'dave'),
                   ...listener('missing', 'no-such-meeting', 'eve')],
                  ['gate_transcripts: true']),
  ],
});
t.start();

async function client(id, roles, first) {
  const ws = await connect(`ws://127.0.0.1:${t.readPort('ws')}/`);
  const { inbox } = ws;
  const send = (type, payload) => sendFrame(ws, type, 'meet-1', id, payload);
  if (first) {
    send('session.create', { name: 'standup', config: {
      require_approval_for: [], default_gate_quorum: { type: 'any', count: 1 },
      allow_forks: false, max_participants: 10, ordering_mode: 'total',
      on_participant_timeout: 'wait', heartbeat_interval_seconds: 30,
      idle_timeout_seconds: 120, away_timeout_seconds: 300 } });
  }
  send('session.join', joinPayload(id, roles));
  await t.until(() => inbox.some((m) => m.type === 'participant.announce' && m.sender === id),
                `${id}'s join`);
  return { ws, inbox, send };
}

try {
  await t.until(() => ['ws', 'named', 'missing'].every(t.hasPort), 'the port files');
  const alice = await client('alice', ['driver', 'approver'], true);
  const bob = await client('bob', ['approver'], false);
  await sleep(1200);  // session_find answers from a snapshot refreshed twice a second

  const udp = udpSender();
  await udp.send(t.readPort('named'), rtp(1, 0xdddd, 'We ship on Friday.'));
  await udp.send(t.readPort('missing'), rtp(1, 0xeeee, 'Nobody hears me.'));

  const requests = () => alice.inbox.filter((m) => m.type === 'gate.request' &&
                                                   m.payload.action_type === 'context_change');
  await t.until(() => requests().length === 1, 'the context_change gate');
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
  await t.until(() => transcripts(alice.inbox).length === 1, 'the approved transcript');
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
    health = await (await fetch(`http://127.0.0.1:${t.readPort('ws')}/health`)).text();
    if (droppedCount() < 1) await sleep(100);
  }
  assert.ok(droppedCount() >= 1, `no_session_chunks in /health: ${health}`);
  assert.ok(!alice.inbox.some((m) => m.sender === 'eve'), 'eve never reached meet-1');
  assert.match(t.log, /no live session named 'no-such-meeting'/);
  udp.close();
  alice.ws.terminate();
  bob.ws.terminate();
  console.log('ok: t140 join_by_name + gate_transcripts');
  t.cleanup(0);
} catch (err) {
  t.fail(err);
}
