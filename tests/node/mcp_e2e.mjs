// End-to-end test of the MCP transport: a real MCP client from npm (@modelcontextprotocol/sdk's
// Client + StdioClientTransport) spawns build/bin/pvp-mcp, which bridges to the real pvpd
// running pvpd-mcp-stdio.so, while human participants connect with WebSocket (`ws` package)
// to pvpd-websocket.so in the same session. Run by ctest (mcp_node_e2e, label integration) with
// PVPD_BUILD_DIR set; exits 0 on success. Every wait is bounded by a deadline.
//
// Proves: initialize + tools/list through the bridge; pvp_join; a prompt.submit from a human
// reaches the agent through pvp_read_messages (long-poll); pvp_permission opens a gate the
// WebSocket humans see, two approvals -> allow with the input; a rejection -> deny with the
// reviewer's reason; a cancelled pvp_permission does not break the connection; pvp_respond
// reaches the humans; the bridge's --session pre-join; closing the MCP client disconnects the
// participant (the humans get its leave) and the bridge exits 0.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { connect, harness, joinPayload, sendFrame as send, websocketPlugin } from './lib.mjs';

const t = harness({ prefix: 'pvpd-mcp-', deadlineMs: 60000 });
const sock = join(t.dir, 'mcp.sock');
const bridge = join(t.buildDir, 'bin/pvp-mcp');
t.writeConfig({
  plugins: [
    ...websocketPlugin(t.portFile('ws')),
    '  - use: mcp-stdio',
    '    id: mcp',
    '    config:',
    `      socket: "${sock}"`,
    '      risk:',
    '        Bash: {risk: high, category: shell_execute}',
  ],
});
t.start();

const clients = [];
t.onCleanup(() => {
  for (const c of clients) { try { c.close(); } catch { /* already closed */ } }
});
const { next } = t;
const text = (r) => r.content?.[0]?.text ?? '';

async function mcpClient(args) {
  const transport = new StdioClientTransport({ command: bridge, args, stderr: 'pipe' });
  const client = new Client({ name: 'pvpd-e2e', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

try {
  await t.until(() => t.hasPort('ws'), 'the port file');
  await t.until(() => existsSync(sock), 'the MCP socket');
  assert.equal(statSync(sock).mode & 0o777, 0o600, 'the socket is private to the daemon user');
  const port = t.readPort('ws');
  const S = 'mcp-e2e';

  // Humans: alice (driver + approver) creates the session with a two-approval quorum.
  const alice = await connect(`ws://127.0.0.1:${port}/`);
  const bob = await connect(`ws://127.0.0.1:${port}/`);
  send(alice, 'session.create', S, 'alice', {
    name: 'mcp e2e',
    config: {
      require_approval_for: [], default_gate_quorum: { type: 'any', count: 2 }, allow_forks: true,
      max_participants: 10, ordering_mode: 'causal', on_participant_timeout: 'wait',
      heartbeat_interval_seconds: 30, idle_timeout_seconds: 300, away_timeout_seconds: 600,
    },
  });
  await next(alice, (m) => m.type === 'session.create', 'the create echo');
  send(alice, 'session.join', S, 'alice', joinPayload('alice', ['driver', 'approver']));
  await next(alice, (m) => m.type === 'participant.announce' && m.sender === 'alice', 'alice in');
  send(bob, 'session.join', S, 'bob', joinPayload('bob', ['approver']));
  await next(bob, (m) => m.type === 'participant.announce' && m.sender === 'bob', 'bob in');

  // The agent: a real MCP SDK client spawning the bridge.
  const { client, transport } = await mcpClient(['--socket', sock]);
  assert.equal(client.getServerVersion()?.name, 'pvpd-mcp-stdio');
  assert.ok(client.getServerCapabilities()?.tools, 'tools capability');
  const tools = (await client.listTools()).tools.map((t) => t.name);
  for (const t of ['pvp_join', 'pvp_read_messages', 'pvp_respond', 'pvp_permission', 'pvp_vote_gate']) {
    assert.ok(tools.includes(t), `tools/list has ${t}`);
  }
  await client.ping();

  const joined = await client.callTool({
    name: 'pvp_join', arguments: { session: S, participant_id: 'claude', name: 'Claude' } });
  assert.ok(!joined.isError, text(joined));
  assert.match(text(joined), /Joined session mcp-e2e as claude/);
  const announce = await next(alice, (m) => m.type === 'participant.announce' && m.sender === 'claude',
                              'the agent announce');
  assert.equal(announce.payload.transport, 'mcp');
  assert.equal(announce.payload.type, 'agent');

  // A human prompt reaches the agent through a long-poll read.
  const reading = client.callTool({
    name: 'pvp_read_messages', arguments: { wait_seconds: 10, types: ['prompt.submit'] } });
  send(alice, 'prompt.submit', S, 'alice', {
    content: 'please list the files', target_agent: 'claude', contributors: ['alice'],
    context_keys: [] });
  const read = JSON.parse(text(await reading));
  assert.equal(read.messages.length, 1);
  assert.equal(read.messages[0].message.payload.content, 'please list the files');
  assert.equal(read.messages[0].message.sender, 'alice');

  // pvp_permission: the humans see the gate; two approvals allow it.
  const asking = client.callTool({
    name: 'pvp_permission', arguments: { tool_name: 'Bash', input: { command: 'ls -la' } } });
  const req1 = await next(alice, (m) => m.type === 'gate.request', 'the gate for alice');
  await next(bob, (m) => m.type === 'gate.request', 'the gate for bob');
  assert.match(req1.payload.message, /claude wants to execute Bash/);
  const gate1 = req1.payload.action_ref;
  const proposal = await next(alice, (m) => m.type === 'tool.propose', 'the proposal');
  assert.equal(proposal.payload.arguments.command, 'ls -la');
  assert.equal(proposal.payload.risk_level, 'high');
  assert.equal(proposal.payload.category, 'shell_execute');
  send(alice, 'gate.approve', S, 'alice', { gate: gate1, approver: 'alice', comment: 'fine' });
  await next(alice, (m) => m.type === 'gate.approve', 'alice vote relayed');
  send(bob, 'gate.approve', S, 'bob', { gate: gate1, approver: 'bob' });
  const allow = JSON.parse(text(await asking));
  assert.deepEqual(allow, { behavior: 'allow', updatedInput: { command: 'ls -la' } });
  await next(alice, (m) => m.type === 'tool.execute' && m.payload.tool_proposal === gate1,
             'tool.execute to the humans');

  // A rejection denies with the reviewer's reason.
  const asking2 = client.callTool({
    name: 'pvp_permission', arguments: { tool_name: 'Bash', input: { command: 'rm -rf /' } } });
  const req2 = await next(bob, (m) => m.type === 'gate.request', 'the second gate');
  send(bob, 'gate.reject', S, 'bob', { gate: req2.payload.action_ref, rejector: 'bob',
                                       reason: 'far too dangerous' });
  const deny = JSON.parse(text(await asking2));
  assert.equal(deny.behavior, 'deny');
  assert.match(deny.message, /Rejected by bob: far too dangerous/);

  // A cancelled wait (the SDK sends notifications/cancelled) leaves the connection usable.
  const ac = new AbortController();
  const asking3 = client.callTool(
    { name: 'pvp_permission', arguments: { tool_name: 'Bash', input: { command: 'sleep 1' } } },
    undefined, { signal: ac.signal });
  await next(alice, (m) => m.type === 'gate.request', 'the third gate');
  ac.abort('user pressed escape');
  await assert.rejects(asking3);
  await client.ping();

  // The agent answers; the humans see it.
  const posted = await client.callTool({ name: 'pvp_respond', arguments: { text: 'a.txt b.txt' } });
  assert.ok(!posted.isError, text(posted));
  const chunk = await next(alice, (m) => m.type === 'response.chunk' && m.sender === 'claude',
                           'the response');
  assert.equal(chunk.payload.text, 'a.txt b.txt');
  const start = await next(alice, (m) => m.type === 'response.start', 'response.start');
  assert.equal(start.payload.prompt_ref, read.messages[0].message.id);

  // Status reflects the session.
  const status = JSON.parse(text(await client.callTool({ name: 'pvp_session_status', arguments: {} })));
  assert.ok(status.joined);
  assert.deepEqual(status.participants.map((p) => p.id).sort(), ['alice', 'bob', 'claude']);

  // The bridge can join for the agent (--session), so no pvp_join call is needed.
  const second = await mcpClient(['--socket', sock, '--session', S, '--id', 'codex', '--name', 'Codex']);
  await next(alice, (m) => m.type === 'participant.announce' && m.sender === 'codex', 'pre-joined');
  const st2 = JSON.parse(text(await second.client.callTool({ name: 'pvp_session_status', arguments: {} })));
  assert.equal(st2.you, 'codex');
  assert.ok(st2.joined);

  // Closing the MCP client closes the bridge and the participant's connection.
  const bridgeProc = transport._process;
  const exited = new Promise((resolve) => bridgeProc.once('exit', (code) => resolve(code)));
  await client.close();
  await next(alice, (m) => m.type === 'session.leave' && m.sender === 'claude', 'the disconnect');
  assert.equal(await exited, 0, 'pvp-mcp exits cleanly');

  alice.terminate();
  bob.terminate();
  console.log('ok: MCP SDK client through pvp-mcp and pvpd-mcp-stdio');
  t.cleanup(0);
} catch (err) {
  t.fail(err);
}
