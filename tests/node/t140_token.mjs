// The T.140 transport under `daemon.auth.mode: token`: a listener with a configured `token`
// (sent as the connection credential) gets its speaker into the session; a listener without
// one is refused by the daemon (counted, nothing reaches the session). Real pvpd with
// pvpd-t140.so and pvpd-websocket.so, hand-made RTP from a UDP socket, a `ws` client holding its
// own token. Run by ctest (t140_node_token, label integration); every wait is bounded.
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import {
  connect, frame, harness, joinPayload, rtp, sleep, t140Plugin, udpSender, websocketPlugin,
} from './lib.mjs';

const t = harness({ prefix: 'pvpd-t140tok-', deadlineMs: 40000 });
const sha = (s) => createHash('sha256').update(s).digest('hex');

t.writeConfig({
  daemon: [
    '  auth:',
    '    mode: token',
    '    tokens:',
    `      - {sha256: "${sha('obs-token')}", participant: observer, roles: [navigator]}`,
    `      - {sha256: "${sha('rtt-token')}", participant: dave, roles: [navigator]}`,
  ],
  plugins: [
    ...websocketPlugin(t.portFile('ws')),
    ...t140Plugin(['with', 'without'].flatMap((name) => [
      `        - name: ${name}`,
      '          port: 0',
      `          port_file: "${t.portFile(name)}"`,
      '          session: tokens',
      '          create_session: false',
      '          idle_flush: 300ms',
      ...(name === 'with' ? ['          token: rtt-token',
                             '          participants: [{stream: "*", id: dave, name: Dave}]']
                          : ['          participants: [{stream: "*", id: eve, name: Eve}]']),
    ])),
  ],
});
t.start();

try {
  await t.until(() => ['ws', 'with', 'without'].every(t.hasPort), 'the port files');
  const ws = await connect(`ws://127.0.0.1:${t.readPort('ws')}/?token=obs-token`);
  const { inbox } = ws;
  ws.send(frame('session.join', 'tokens', 'observer',
                joinPayload('observer', ['navigator'], 'Observer')));
  await t.until(() => inbox.some((m) => m.type === 'participant.announce' &&
                                       m.sender === 'observer'),
                'the observer join').catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(inbox)}`);
  });

  const udp = udpSender();
  await udp.send(t.readPort('without'), rtp(1, 0xeeee, 'I have no token. '));
  await udp.send(t.readPort('with'), rtp(1, 0xdddd, 'Token holder speaking. '));
  await udp.send(t.readPort('with'), rtp(2, 0xdddd, 'Second sentence.'));
  udp.close();

  const said = (who) => inbox.filter((m) => m.type === 'context.add' && m.sender === who)
                             .map((m) => m.payload.content);
  await t.until(() => said('dave').join(' ') === 'Token holder speaking. Second sentence.',
                "dave's transcript");
  assert.ok(inbox.some((m) => m.type === 'participant.announce' && m.sender === 'dave'));
  await t.until(() => t.log.includes('refused a frame'), 'the refusal of the tokenless join');
  assert.match(t.log, /a token is required/);
  await sleep(500);  // give a wrongly accepted frame time to show up
  assert.deepEqual(said('eve'), []);
  assert.ok(!inbox.some((m) => m.type === 'participant.announce' && m.sender === 'eve'));
  assert.ok(!t.log.includes('rtt-token'), 'the token is never logged');
  ws.terminate();
  console.log('ok: t140 token auth');
  t.cleanup(0);
} catch (err) {
  t.fail(err);
}
