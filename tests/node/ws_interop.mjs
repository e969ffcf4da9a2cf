// Interop test: an independent WebSocket stack (Node.js + the `ws` package) against the real
// pvpd with the websocket plugin. Run by ctest (websocket_node_interop, label integration) with
// PVPD_BUILD_DIR set; exits 0 on success. Every wait is bounded by a deadline.
//
// Proves: connect on an arbitrary path offering a subprotocol (echoed), join a session, receive
// a frame routed from another client, ws-level ping answered by pong, clean close.
import assert from 'node:assert/strict';
import { connect, frame, harness, joinPayload, websocketPlugin } from './lib.mjs';

const t = harness({ prefix: 'pvpd-node-', deadlineMs: 30000, waitMs: 10000 });
t.writeConfig({ plugins: websocketPlugin(t.portFile('ws')) });
t.start();

const open = (url, protocols) => connect(url, { protocols, raw: true });
const join_ = (session, id) => frame('session.join', session, id, joinPayload(id, ['driver']));
const draft = (session, id, content) =>
  frame('prompt.draft', session, id, { content, contributors: [id] });
const parsed = (m) => { try { return JSON.parse(m.text); } catch { return {}; } };

try {
  await t.until(() => t.hasPort('ws'), 'the port file');
  const port = t.readPort('ws');

  const alice = await open(`ws://127.0.0.1:${port}/some/path?token=t1`, ['pvp.v1', 'other']);
  assert.equal(alice.protocol, 'pvp.v1', 'first offered subprotocol is echoed');
  const bob = await open(`ws://127.0.0.1:${port}/`);
  assert.equal(bob.protocol, '');

  alice.send(join_('node-s', 'alice'));
  await t.next(alice, (m) => parsed(m).type !== 'error', 'alice join answer');
  bob.send(Buffer.from(join_('node-s', 'bob')), { binary: true });
  await t.next(bob, (m) => parsed(m).type !== 'error', 'bob join answer');

  alice.send(draft('node-s', 'alice', 'hello from node'));
  const got = await t.next(bob, (m) => parsed(m).payload?.content === 'hello from node',
                           'the routed frame');
  const env = parsed(got);
  assert.equal(env.type, 'prompt.draft');
  assert.equal(env.sender, 'alice');
  assert.ok(Number.isInteger(env.seq) && env.seq > 0, 'seq is stamped');
  assert.equal(got.isBinary, false, 'the server sends text frames');

  let pong = false;
  bob.on('pong', (data) => { pong = data.toString() === 'are-you-there'; });
  bob.ping('are-you-there');
  await t.until(() => pong, 'the pong');

  const closed = new Promise((resolve) => bob.once('close', (code) => resolve(code)));
  bob.close(1000, 'bye');
  assert.equal(await closed, 1000);
  alice.terminate();
  console.log('ok: node ws interop');
  t.cleanup(0);
} catch (err) {
  t.fail(err);
}
