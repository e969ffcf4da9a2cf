// Shared harness of the Node.js integration tests in tests/node (run by ctest with
// PVPD_BUILD_DIR set). The tests of tests/web have their own (tests/web/lib/harness.mjs).
//
// What it gives:
//   sleep(ms)                      a promise resolved after ms.
//   until(pred, what, ms, stepMs)  polls pred (may be async) every stepMs until it is truthy;
//                                  throws "timed out waiting for <what>" after ms.
//   pvpdConfig(dir, {daemon, plugins})
//                                  the text of a pvpd.yaml: state dir under dir, the build's
//                                  plugin dir, more `daemon:` lines, then the plugin lines.
//   websocketPlugin(portFile)      the plugin lines of pvpd-websocket.so on 127.0.0.1:0 writing
//                                  its port to portFile.
//   t140Plugin(listeners, config)  the plugin lines of pvpd-t140.so (id rtt): more `config:`
//                                  lines, then the given (already indented) listener lines.
//   harness({prefix, deadlineMs, waitMs})
//                                  one test's daemon: a temp dir; writeConfig(), start() spawns
//                                  build/bin/pvpd collecting its stderr in .log and arms the
//                                  whole-test deadline; fail(err) prints the error and the log,
//                                  cleanup(code) runs the onCleanup hooks, stops pvpd, removes
//                                  the temp dir and exits; portFile/hasPort/readPort for the
//                                  port files; until/next use the test's waitMs.
//   connect(url, {protocols, raw}) a `ws` client with an inbox (parsed JSON frames, or
//                                  {text, isBinary} with raw); resolves once open.
//   next(ws, pred, what, ms)       waits for a frame matching pred in ws.inbox and removes it.
//   frame(type, session, sender, payload) / sendFrame(ws, ...)
//                                  a PVP v1 envelope (text) / sent on ws.
//   joinPayload(id, roles, name)   a session.join payload for a websocket human.
//   rtp(seq, ssrc, text, timestamp) a minimal RTP packet (version 2, payload type 96).
//   udpSender()                    a UDP socket: send(port, packet) to 127.0.0.1, close().
//
// Every wait is bounded: until/next by their ms, the whole test by the harness deadline, which
// fails the test with the pvpd log.
//
// OWNERSHIP / LIFETIME: a harness owns its pvpd child and temp dir until cleanup(), which ends
// the process; a test makes one harness. Single-threaded (the Node event loop).
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(pred, what, ms = 15000, stepMs = 20) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

export function pvpdConfig(dir, { daemon = [], plugins = [] }) {
  const pluginDir = join(process.env.PVPD_BUILD_DIR, 'lib/pvpd/plugins');
  return ['version: 1', 'daemon:', `  state_dir: ${join(dir, 'state')}`,
          `  plugin_dirs: [${pluginDir}]`, ...daemon, 'plugins:', ...plugins, ''].join('\n');
}

export const websocketPlugin = (portFile) => [
  '  - use: websocket', '    id: ws', '    config:', '      listen: ["127.0.0.1:0"]',
  `      port_file: "${portFile}"`,
];

export const t140Plugin = (listeners, config = []) => [
  '  - use: t140', '    id: rtt', '    config:', ...config.map((l) => `      ${l}`),
  '      listeners:', ...listeners,
];

export function harness({ prefix, deadlineMs, waitMs = 15000 }) {
  const buildDir = process.env.PVPD_BUILD_DIR;
  assert.ok(buildDir, 'PVPD_BUILD_DIR is not set (run through ctest)');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const hooks = [];
  let pvpd = null;
  let deadline = null;
  const t = {
    buildDir,
    dir,
    log: '',
    portFile: (name) => join(dir, `port-${name}`),
    hasPort: (name) => existsSync(t.portFile(name)) &&
                       readFileSync(t.portFile(name), 'utf8').trim() !== '',
    readPort: (name) => Number(readFileSync(t.portFile(name), 'utf8').trim()),
    writeConfig: (parts) => writeFileSync(join(dir, 'pvpd.yaml'), pvpdConfig(dir, parts)),
    start() {
      pvpd = spawn(join(buildDir, 'bin/pvpd'), ['--config', join(dir, 'pvpd.yaml')],
                   { stdio: ['ignore', 'ignore', 'pipe'] });
      pvpd.stderr.on('data', (d) => { t.log += d; });
      deadline = setTimeout(() => t.fail(new Error('timed out')), deadlineMs);
    },
    onCleanup: (fn) => hooks.push(fn),
    fail(err) {
      console.error(`FAIL: ${err.stack || err}\n--- pvpd log ---\n${t.log}`);
      t.cleanup(1);
    },
    cleanup(code) {
      clearTimeout(deadline);
      for (const fn of hooks) fn();
      pvpd?.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    },
    until: (pred, what, ms = waitMs) => until(pred, what, ms),
    next: (ws, pred, what, ms = waitMs) => next(ws, pred, what, ms),
  };
  return t;
}

export function connect(url, { protocols, raw = false } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.inbox = [];
    ws.on('message', (data, isBinary) => {
      if (raw) {
        ws.inbox.push({ text: data.toString(), isBinary });
        return;
      }
      try { ws.inbox.push(JSON.parse(data.toString())); } catch { /* not JSON */ }
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export async function next(ws, pred, what, ms = 15000) {
  await until(() => ws.inbox.some(pred), what, ms);
  const i = ws.inbox.findIndex(pred);
  return ws.inbox.splice(i, 1)[0];
}

export const frame = (type, session, sender, payload) =>
  JSON.stringify({ v: 1, type, session, sender, payload });
export const sendFrame = (ws, type, session, sender, payload) =>
  ws.send(frame(type, session, sender, payload));

export const joinPayload = (id, roles, name = id) => ({
  participant: { id, name, type: 'human', roles, transport: 'websocket' },
  supported_versions: [1],
});

export function rtp(seq, ssrc, text, timestamp = seq * 300) {
  const head = Buffer.alloc(12);
  head[0] = 0x80; head[1] = 96;
  head.writeUInt16BE(seq, 2);
  head.writeUInt32BE(timestamp, 4);
  head.writeUInt32BE(ssrc, 8);
  return Buffer.concat([head, Buffer.from(text, 'utf8')]);
}

export function udpSender() {
  const udp = createSocket('udp4');
  return {
    send: (port, pkt) => new Promise((r) => udp.send(pkt, port, '127.0.0.1', r)),
    close: () => udp.close(),
  };
}
