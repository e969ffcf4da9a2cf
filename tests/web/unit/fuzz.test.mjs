// Randomised malformed-input test of the dashboard's frame parser and reducer (the browser-side
// counterpart of tests/fuzz/client_reducer.cpp): seeded, so a failure reproduces. Bytes and
// frames of every shape go through PvpConnection (parse, dedup, join detection) into
// SessionState; nothing may throw, and the store stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PvpConnection, parseFrame, Backoff } from '../../../clients/web/js/protocol.js';
import { SessionState } from '../../../clients/web/js/state.js';

function prng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const TYPES = ['session.create', 'session.join', 'session.leave', 'session.end',
  'participant.announce', 'participant.role_change', 'presence.update', 'heartbeat.ping',
  'context.add', 'context.update', 'context.remove', 'secret.share', 'secret.revoke',
  'prompt.draft', 'prompt.submit', 'prompt.amend', 'thinking.start', 'thinking.chunk',
  'thinking.end', 'response.start', 'response.chunk', 'response.end', 'tool.propose',
  'tool.approve', 'tool.reject', 'tool.execute', 'tool.output', 'tool.result', 'gate.request',
  'gate.approve', 'gate.reject', 'gate.timeout', 'interrupt.raise', 'interrupt.acknowledge',
  'fork.create', 'fork.switch', 'merge.propose', 'merge.execute', 'error', 'no.such', ''];
const KEYS = ['id', 'name', 'type', 'roles', 'participant', 'gate', 'action_ref', 'tool_proposal',
  'text', 'content', 'key', 'content_type', 'arguments', 'tool_name', 'status', 'new_roles',
  'fork_id', 'target_fork', 'merge_proposal', 'interrupt', 'urgency', 'reason', 'quorum',
  'visible_to', 'metadata', 'success', 'result', 'error', 'finish_reason', '__proto__',
  'constructor'];

function value(r, depth = 0) {
  const k = Math.floor(r() * 12);
  switch (k) {
    case 0: return null;
    case 1: return Math.floor(r() * 2 ** 40) - 2 ** 20;
    case 2: return r() < 0.5;
    case 3: return 'x'.repeat(Math.floor(r() * 300));
    case 4: return TYPES[Math.floor(r() * TYPES.length)];
    case 5: return ['p1', 'g1', 'demo', 'bob', 'alice'][Math.floor(r() * 5)];
    case 6: return 'audio_transcript';
    case 7: return depth > 3 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    case 8: case 9: return depth > 3 ? {} : obj(r, depth + 1);
    case 10: return '\u0000\u202e<script>\ud800';
    default: return 1.5;
  }
}

function obj(r, depth) {
  const o = {};
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i += 1) {
    o[KEYS[Math.floor(r() * KEYS.length)]] = value(r, depth);
  }
  return o;
}

class FakeWs {
  constructor() { this.readyState = 1; }
  send() {}
  close() {}
}

test('random frames and bytes never throw and keep the store bounded', () => {
  const r = prng(0xC0FFEE);
  const me = { id: 'bob', name: 'Bob', roles: ['approver'], capabilities: [] };
  const state = new SessionState('s1', me);
  let maxSeq = 0;
  const conn = new PvpConnection({
    url: 'ws://x/', session: 's1', me, WebSocketImpl: FakeWs,
    backoff: new Backoff({ random: r }), setTimer: () => 0, clearTimer: () => {},
    handlers: { onFrame: (f) => state.apply(f) },
  });
  conn.start();
  conn.ws.onopen();
  for (let i = 0; i < 20000; i += 1) {
    let data;
    const pick = r();
    if (pick < 0.1) {
      data = String.fromCharCode(...Array.from({ length: Math.floor(r() * 40) },
                                               () => Math.floor(r() * 0x10000)));
    } else {
      const f = { type: TYPES[Math.floor(r() * TYPES.length)], payload: r() < 0.9 ? obj(r, 0) : value(r) };
      if (r() < 0.7) f.sender = value(r);
      if (r() < 0.7) f.id = value(r);
      if (r() < 0.5) f.seq = r() < 0.8 ? Math.floor(r() * 30000) : value(r);
      if (r() < 0.2) f.fork = value(r);
      if (Number.isInteger(f.seq) && f.seq > maxSeq) maxSeq = f.seq;
      data = JSON.stringify(f);
      if (r() < 0.05) data = data.slice(0, Math.floor(r() * data.length)); // truncated
    }
    parseFrame(data);
    conn.onMessage(data);
  }
  assert.ok(state.entries.length <= 5000);
  assert.ok(state.lastSeq <= maxSeq);
  assert.ok(state.version > 0);
  for (const e of state.entries) {
    assert.equal(typeof e.text, 'string');
  }
});
