// Unit tests of the web dashboard's protocol module (clients/web/js/protocol.js) and state model
// (clients/web/js/state.js), in Node without a browser: frame builders, replay dedup, backoff,
// the connection's create/join/resume/pong/refusal behaviour against a fake WebSocket, malformed
// input, and the reducer's gate lifecycle. Run by ctest (web_unit) with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  frames, FrameDedup, Backoff, PvpConnection, parseFrame, wsUrlFor, participantIdFor,
  fetchTranscript, fetchSessions,
} from '../../../clients/web/js/protocol.js';
import { SessionState, actionSummary } from '../../../clients/web/js/state.js';

const me = { id: 'alice-1', name: 'Alice', roles: ['driver'], capabilities: ['prompt'] };

class FakeWs {
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.readyState = 0;
    FakeWs.all.push(this);
  }
  send(s) { this.sent.push(JSON.parse(s)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.(); }
  recv(obj) { this.onmessage?.({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) }); }
  drop(reason = 'gone') { this.readyState = 3; this.onclose?.({ reason }); }
}

function makeConn(extra = {}) {
  FakeWs.all = [];
  const timers = [];
  const got = [];
  const states = [];
  const c = new PvpConnection({
    url: 'ws://h/', session: 's1', me, token: 'sekrit', WebSocketImpl: FakeWs,
    handlers: { onFrame: (f) => got.push(f), onState: (s) => states.push(s) },
    backoff: new Backoff({ random: () => 0 }),
    setTimer: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
    clearTimer: () => {},
    ...extra,
  });
  return { c, got, states, timers };
}

const announce = (id) => ({ type: 'participant.announce', sender: id, id: `a-${id}`,
                             payload: { id, name: id, type: 'human', roles: ['driver'] } });

test('wsUrlFor is same-origin and never carries a token', () => {
  assert.equal(wsUrlFor({ protocol: 'http:', host: '127.0.0.1:8080' }), 'ws://127.0.0.1:8080/');
  assert.equal(wsUrlFor({ protocol: 'https:', host: 'x.example' }), 'wss://x.example/');
});

test('participant ids are sanitised and unique', () => {
  const a = participantIdFor('Zoë <script>');
  assert.match(a, /^[a-z0-9-]+$/);
  assert.notEqual(participantIdFor('bob'), participantIdFor('bob'));
  assert.match(participantIdFor(''), /^user-/);
});

test('join carries the token in the payload and resume_from only when set', () => {
  const j = frames.join('s1', me, { token: 't0k', resumeFrom: 0 });
  assert.equal(j.type, 'session.join');
  assert.equal(j.sender, 'alice-1');
  assert.equal(j.payload.token, 't0k');
  assert.equal(j.payload.participant.id, 'alice-1');
  assert.deepEqual(j.payload.supported_versions, [1]);
  assert.equal(j.payload.participant.metadata.resume_from, undefined);
  const r = frames.join('s1', me, { resumeFrom: 42 });
  assert.equal(r.payload.participant.metadata.resume_from, 42);
  assert.equal(r.payload.token, undefined);
});

test('votes carry the digest, the comment and a default reason', () => {
  const a = frames.gateApprove('s1', 'bob', 'g1', 'abc', 'looks fine');
  assert.deepEqual(a.payload, { gate: 'g1', approver: 'bob', digest: 'abc', comment: 'looks fine' });
  const r = frames.gateReject('s1', 'bob', 'g1', '');
  assert.equal(r.payload.reason, 'Rejected by user');
  const i = frames.interrupt('s1', 'bob', 'agent', 'stop', '');
  assert.equal(i.payload.urgency, 'stop');
  assert.equal(i.payload.target, 'agent');
  assert.ok(i.payload.message.length > 0, 'interrupt.raise requires a message');
  const p = frames.promptSubmit('s1', 'bob', 'hi', 'agent');
  assert.deepEqual(p.payload, { content: 'hi', target_agent: 'agent', contributors: ['bob'],
                                context_keys: [] });
});

test('dedup: seq cursor, ids for frames without seq, gate.request always taken', () => {
  const d = new FrameDedup(3);
  assert.ok(d.firstTime({ type: 'x', seq: 1 }));
  assert.ok(d.firstTime({ type: 'x', seq: 2 }));
  assert.ok(!d.firstTime({ type: 'x', seq: 2 }));
  assert.ok(!d.firstTime({ type: 'x', seq: 1 }));
  assert.ok(d.firstTime({ type: 'gate.request', seq: 1 }));
  assert.ok(d.firstTime({ type: 'gate.request', seq: 1 }));
  assert.ok(d.firstTime({ type: 'y', id: 'a' }));
  assert.ok(!d.firstTime({ type: 'y', id: 'a' }));
  for (const id of ['b', 'c', 'd']) {
    assert.ok(d.firstTime({ type: 'y', id }));
  }
  assert.ok(d.firstTime({ type: 'y', id: 'a' }), 'the oldest id was forgotten (bounded memory)');
  assert.ok(d.firstTime({ type: 'y', seq: -4, id: 'e' }), 'a bad seq falls back to the id');
  assert.equal(d.cursor, 2);
});

test('backoff doubles from 0.5 s to a 30 s cap with equal jitter', () => {
  const lo = new Backoff({ random: () => 0 });
  const hi = new Backoff({ random: () => 0.999999 });
  assert.equal(lo.next(), 250);
  assert.ok(Math.abs(hi.next() - 500) < 0.01);
  assert.equal(lo.next(), 500);
  for (let i = 0; i < 20; i += 1) {
    lo.next();
  }
  assert.equal(lo.next(), 15000);
  lo.reset();
  assert.equal(lo.next(), 250);
});

test('parseFrame rejects malformed input', () => {
  for (const bad of ['', 'nope', '[]', 'null', '42', '{"payload":{}}', '{"type":3}', '{"type":"x"',
                     '\u0000', '{"type":"x","payload":"str"}'.slice(0, 10)]) {
    assert.equal(parseFrame(bad), null, JSON.stringify(bad));
  }
  assert.equal(parseFrame(new ArrayBuffer(2)), null);
  assert.deepEqual(parseFrame('{"type":"x","payload":null}').payload, {});
  assert.deepEqual(parseFrame('{"type":"x","payload":[1]}').payload, [1].constructor === Array
                                                                    ? [1] : {});
});

test('connection: create + join on open, pong to pings, resume after a drop', () => {
  const { c, got, states, timers } = makeConn({ create: true, sessionName: 'Demo' });
  c.start();
  const ws = FakeWs.all[0];
  assert.equal(ws.url, 'ws://h/');
  assert.equal(ws.url.includes('sekrit'), false, 'the token is never in the URL');
  ws.open();
  assert.deepEqual(ws.sent.map((f) => f.type), ['session.create', 'session.join']);
  assert.equal(ws.sent[0].payload.name, 'Demo');
  assert.equal(ws.sent[1].payload.token, 'sekrit');
  assert.equal(c.send(frames.leave('s1', me.id)), false, 'nothing is sent before the join lands');

  ws.recv({ type: 'session.join', id: ws.sent[1].id, seq: 1, sender: me.id,
            payload: { participant: me } });
  ws.recv(announce(me.id));
  assert.equal(c.state, 'connected');
  ws.recv({ type: 'prompt.submit', id: 'p1', seq: 2, sender: 'bob', payload: { content: 'x' } });
  ws.recv({ type: 'heartbeat.ping', id: 'ping1', sender: 'system', payload: {} });
  assert.equal(ws.sent.at(-1).type, 'heartbeat.pong');
  assert.equal(ws.sent.at(-1).ref, 'ping1');
  ws.recv('garbage');
  assert.deepEqual(got.map((f) => f.type), ['session.join', 'participant.announce',
                                            'prompt.submit']);

  ws.drop();
  assert.equal(states.at(-1).state, 'reconnecting');
  assert.equal(timers.length, 1);
  timers[0].fn();
  const ws2 = FakeWs.all[1];
  ws2.open();
  assert.deepEqual(ws2.sent.map((f) => f.type), ['session.create', 'session.join']);
  assert.equal(ws2.sent[1].payload.participant.metadata.resume_from, 2);
  // The server replays from seq 3; a duplicate of seq 2 is dropped.
  ws2.recv({ type: 'prompt.submit', id: 'p1', seq: 2, sender: 'bob', payload: {} });
  ws2.recv({ type: 'response.end', id: 'r1', seq: 3, sender: 'agent', payload: {} });
  ws2.recv(announce(me.id));
  assert.equal(states.at(-1).state, 'connected');
  assert.equal(states.at(-1).resumedFrom, 2);
  assert.deepEqual(got.slice(3).map((f) => f.id), ['r1', `a-${me.id}`]);
  c.stop();
  assert.equal(states.at(-1).state, 'closed');
});

test('connection: a refused join stops retrying and says why', () => {
  const { c, states, timers } = makeConn();
  c.start();
  const ws = FakeWs.all[0];
  ws.open();
  ws.recv({ type: 'error', sender: 'system',
            payload: { code: 'UNAUTHORIZED', message: 'invalid token', recoverable: true,
                       related_to: ws.sent[0].id } });
  assert.equal(states.at(-1).state, 'refused');
  assert.match(states.at(-1).reason, /invalid token/);
  ws.drop();
  assert.equal(timers.length, 0, 'no reconnect after a refusal');
});

test('connection: a recoverable error does not stop it', () => {
  const { c, states } = makeConn();
  c.start();
  const ws = FakeWs.all[0];
  ws.open();
  ws.recv(announce(me.id));
  ws.recv({ type: 'error', sender: 'system',
            payload: { code: 'UNAUTHORIZED', message: 'not an approver', related_to: 'x' } });
  assert.equal(states.at(-1).state, 'connected');
});

test('admin endpoints send the token as a bearer header only', async () => {
  const calls = [];
  const fake = async (url, opts) => {
    calls.push({ url, opts });
    if (url === '/sessions') {
      return { ok: true, json: async () => ({ sessions: [{ id: 's1' }] }) };
    }
    return { ok: url.includes('ok'), status: 403, text: async () => '# report' };
  };
  assert.deepEqual(await fetchSessions(fake, 'tk'), [{ id: 's1' }]);
  assert.equal(calls[0].opts.headers.Authorization, 'Bearer tk');
  assert.equal(await fetchTranscript(fake, 'tk', 'ok/1'), '# report');
  assert.equal(calls[1].url, '/sessions/ok%2F1/transcript?format=markdown');
  await assert.rejects(fetchTranscript(fake, '', 'nope'), /HTTP 403/);
  assert.deepEqual(calls[2].opts.headers, {});
});

// ---- state model ----

function gateFrames() {
  return [
    { type: 'participant.announce', sender: 'demo', id: 'a1',
      payload: { id: 'demo', name: 'Demo Agent', type: 'agent', roles: ['navigator'] } },
    { type: 'gate.request', sender: 'system', id: 'req1',
      payload: { action_type: 'tool', action_ref: 'prop1', quorum: { type: 'any', count: 1 },
                 timeout_seconds: 300, message: 'demo wants to execute shell', digest: 'd1g',
                 policy_reason: 'risk high' } },
    { type: 'tool.propose', sender: 'demo', id: 'prop1', seq: 5,
      payload: { tool_name: 'shell', arguments: { argv: ['ls', '-la'] }, agent: 'demo',
                 risk_level: 'high', description: 'list', requires_approval: true,
                 category: 'shell_execute' } },
  ];
}

test('state: gate lifecycle request → propose → approve (alias) → execute → result', () => {
  const s = new SessionState('s1', { id: 'bob' });
  for (const f of gateFrames()) {
    s.apply(f);
  }
  const g = s.gates.get('prop1');
  assert.equal(g.status, 'open');
  assert.equal(g.digest, 'd1g');
  assert.equal(actionSummary(g.toolName, g.args), 'shell ls -la');
  assert.deepEqual(s.myPendingGates().map((x) => x.id), ['prop1']);
  s.apply({ type: 'gate.approve', sender: 'carol', seq: 6, payload: { gate: 'req1', comment: 'ok' } });
  assert.deepEqual(g.approvals, ['carol'], 'the request id is an alias of the gate');
  s.apply({ type: 'tool.execute', sender: 'system', seq: 7,
            payload: { tool_proposal: 'prop1', approved_by: ['carol'] } });
  assert.equal(g.status, 'executed');
  assert.equal(s.openGates().length, 0);
  s.apply({ type: 'tool.output', sender: 'demo', seq: 8,
            payload: { tool_proposal: 'prop1', stream: 'stdout', text: 'a\n', complete: false } });
  s.apply({ type: 'tool.output', sender: 'demo', seq: 9,
            payload: { tool_proposal: 'prop1', stream: 'stdout', text: 'b\n', complete: true } });
  s.apply({ type: 'tool.result', sender: 'demo', seq: 10,
            payload: { tool_proposal: 'prop1', success: true, result: 'a\nb\n', duration_ms: 3 } });
  assert.equal(s.entries.filter((e) => e.kind === 'tool-output').length, 1);
  assert.equal(s.entries.find((e) => e.kind === 'tool-output').text, 'a\nb\n');
  assert.deepEqual(g.result, { ok: true, text: 'a\nb\n' });
  assert.equal(s.lastSeq, 10);
  assert.equal(s.lastRecordedId, 'prop1', 'the newest recorded id with one (fork from_point)');
});

test('state: rejection, timeout, replayed proposal before its re-sent request', () => {
  const s = new SessionState('s1', { id: 'bob' });
  const [ann, req, prop] = gateFrames();
  s.apply(ann);
  s.apply(prop); // replay order: the recorded proposal, then the re-sent open gate
  assert.equal(s.gates.get('prop1').status, 'proposed');
  s.apply(req);
  assert.equal(s.gates.get('prop1').status, 'open');
  s.apply({ type: 'gate.reject', sender: 'bob', payload: { gate: 'prop1', reason: 'no' } });
  assert.equal(s.gates.get('prop1').status, 'rejected');
  assert.equal(s.gates.get('prop1').reason, 'no');
  assert.equal(s.myPendingGates().length, 0);
  const t = new SessionState('s1', { id: 'bob' });
  t.apply(req);
  t.apply({ type: 'gate.timeout', payload: { gate: 'prop1', resolution: 'rejected' } });
  assert.match(t.gates.get('prop1').status, /timed out/);
});

test('state: streams accumulate in place; transcripts; drafts; interrupts; unknown types', () => {
  const s = new SessionState('s1', { id: 'bob' });
  s.apply({ type: 'thinking.start', sender: 'demo', payload: { agent: 'demo',
                                                               visible_to: 'approvers_only' } });
  s.apply({ type: 'thinking.chunk', sender: 'demo', payload: { text: 'hm' } });
  s.apply({ type: 'thinking.end', sender: 'demo', payload: {} });
  assert.equal(s.thinking.text, 'hm');
  assert.equal(s.thinking.visibleTo, 'approvers_only');
  s.apply({ type: 'response.start', sender: 'demo', payload: {} });
  s.apply({ type: 'response.chunk', sender: 'demo', payload: { text: 'Hel' } });
  s.apply({ type: 'response.chunk', sender: 'demo', payload: { text: 'lo' } });
  const r = s.entries.filter((e) => e.kind === 'response');
  assert.equal(r.length, 1);
  assert.equal(r[0].text, 'Hello');
  assert.ok(r[0].streaming);
  s.apply({ type: 'response.end', sender: 'demo', payload: { finish_reason: 'complete' } });
  assert.ok(!r[0].streaming);
  s.apply({ type: 'context.add', sender: 'carol', payload: {
    key: 't140:1', content_type: 'audio_transcript', content: 'hello all',
    metadata: { speaker: 'Carol' } } });
  assert.deepEqual(s.transcripts.map((t) => [t.speaker, t.text]), [['Carol', 'hello all']]);
  s.apply({ type: 'context.add', sender: 'system', payload: {
    key: 'session:working_directory', content_type: 'text', content: '/w' } });
  assert.equal(s.workdir, '/w');
  assert.equal(s.context.size, 0);
  s.apply({ type: 'prompt.draft', sender: 'carol', payload: { content: 'dra' } });
  assert.equal(s.drafts.get('carol').content, 'dra');
  s.apply({ type: 'prompt.draft', sender: 'bob', payload: { content: 'mine' } });
  assert.ok(!s.drafts.has('bob'), 'my own draft is not shown as someone else\'s');
  s.apply({ type: 'interrupt.raise', id: 'i1', sender: 'carol',
            payload: { urgency: 'stop', message: 'halt', target: 'demo' } });
  assert.equal(s.pendingInterrupts().length, 1);
  s.apply({ type: 'interrupt.acknowledge', sender: 'demo',
            payload: { interrupt: 'i1', action_taken: 'stopped' } });
  assert.equal(s.pendingInterrupts().length, 0);
  s.apply({ type: 'secret.share', sender: 'carol', payload: { key: 'K', scope: ['bob'],
                                                               value_ref: 'hunter2' } });
  assert.ok(!s.entries.some((e) => e.text.includes('hunter2')), 'a secret value is never shown');
  s.apply({ type: 'made.up', sender: 'x', payload: {} });
  assert.equal(s.entries.at(-1).text, '? made.up');
  assert.equal(s.apply(null), false);
  assert.equal(s.apply({ type: 7 }), false);
  assert.equal(s.search('HELLO').kind, 'transcript');
});

test('state: hostile payload shapes do not throw', () => {
  const s = new SessionState('s1', { id: 'bob' });
  const junk = [null, 7, 'str', [], { a: 1 }, { toString: 1 }];
  const types = ['session.join', 'participant.announce', 'session.leave', 'presence.update',
                 'participant.role_change', 'prompt.submit', 'thinking.chunk', 'response.chunk',
                 'tool.propose', 'gate.request', 'gate.approve', 'gate.reject', 'tool.execute',
                 'tool.output', 'tool.result', 'context.add', 'context.update', 'fork.create',
                 'merge.propose', 'interrupt.raise', 'error', 'session.end'];
  for (const type of types) {
    for (const payload of junk) {
      s.apply({ type, payload, sender: payload, seq: 'x', id: payload });
      s.apply({ type, payload: { participant: payload, gate: payload, text: payload,
                                 content: payload, key: payload, arguments: payload } });
    }
  }
  assert.ok(s.entries.length > 0);
});

test('state: my rights follow the server\'s announce of me, not what I asked for', () => {
  const asked = { id: 'eve', roles: ['driver'], capabilities: ['prompt', 'approve', 'interrupt'] };
  const s = new SessionState('s1', asked);
  assert.deepEqual(s.myRights(), { prompt: true, approve: true, interrupt: true, fork: false });
  s.apply({ type: 'participant.announce', sender: 'eve', id: 'a1',
            payload: { id: 'eve', name: 'Eve', type: 'human', roles: ['observer'],
                       capabilities: [] } });
  assert.deepEqual(s.myRights(), { prompt: false, approve: false, interrupt: false, fork: false });
  s.apply(gateFrames()[1]);
  assert.equal(s.myPendingGates().length, 1, 'still listed: the server decides who may vote');
});
