// PVP v1 client side of the web dashboard: frame builders, replay dedup, reconnect backoff and
// the connection (create/join on every socket, resume cursor, pongs). No DOM here, so Node's
// test runner exercises it with a fake WebSocket (tests/web/unit).
//
// THREADS: browser main thread (or Node's event loop); no shared state between instances.
// OWNERSHIP: a PvpConnection owns its current WebSocket and its reconnect timer; stop() releases
// both. The token is held in memory only and travels in `session.create` and `session.join` `payload.token`, never in
// a URL. LIFETIME: one PvpConnection per signed-in session view.

export const PROTOCOL_VERSION = 1;

// Same-origin WebSocket URL of the page that served the app (the CSP allows connect-src 'self'
// only). `loc` is window.location or any {protocol, host}.
export function wsUrlFor(loc) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/`;
}

let idCounter = 0;
// Client message ids: unique per page, sortable enough for humans; the server keeps them.
export function newId(prefix = 'web') {
  idCounter += 1;
  const rand = Math.floor(Math.random() * 0x100000000).toString(36);
  return `${prefix}-${Date.now().toString(36)}-${idCounter.toString(36)}-${rand}`;
}

// A participant id from a display name: lower case, [a-z0-9-] only, plus a random suffix so two
// people called Alice do not collide. Re-used from sessionStorage to come back as the same one.
export function participantIdFor(name) {
  const base = String(name || 'user')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32) || 'user';
  return `${base}-${Math.floor(Math.random() * 0x1000000).toString(36)}`;
}

export function newSessionId() {
  return `web-${Date.now().toString(36)}-${Math.floor(Math.random() * 0x10000).toString(36)}`;
}

function envelope(type, session, sender, payload, extra = {}) {
  const f = { v: PROTOCOL_VERSION, id: newId(), type, session, payload };
  if (sender) {
    f.sender = sender;
  }
  return Object.assign(f, extra);
}

export const frames = {
  // `config`, when given, must be a complete SessionConfig (protocol-schema.md).
  // `token`: in token mode creating a session is authenticated too (pvpd strips it).
  create(session, sender, name, config, token) {
    const p = name ? { name } : {};
    if (config) {
      p.config = config;
    }
    if (token) {
      p.token = token;
    }
    return envelope('session.create', session, sender, p);
  },
  join(session, me, { token, resumeFrom } = {}) {
    const metadata = { client: 'pvpd-web' };
    if (resumeFrom > 0) {
      metadata.resume_from = resumeFrom;
    }
    const payload = {
      participant: {
        id: me.id,
        name: me.name,
        type: 'human',
        roles: me.roles,
        capabilities: me.capabilities,
        transport: 'websocket',
        metadata,
      },
      supported_versions: [PROTOCOL_VERSION],
    };
    if (token) {
      payload.token = token;
    }
    return envelope('session.join', session, me.id, payload);
  },
  pong(session, sender, pingId) {
    return envelope('heartbeat.pong', session, sender, {}, pingId ? { ref: pingId } : {});
  },
  promptSubmit(session, sender, content, targetAgent) {
    return envelope('prompt.submit', session, sender, {
      content,
      target_agent: targetAgent,
      contributors: [sender],
      context_keys: [],
    });
  },
  promptDraft(session, sender, content, targetAgent) {
    const p = { content, contributors: [sender] };
    if (targetAgent) {
      p.target_agent = targetAgent;
    }
    return envelope('prompt.draft', session, sender, p);
  },
  gateApprove(session, sender, gate, digest, comment) {
    const p = { gate, approver: sender };
    if (digest) {
      p.digest = digest; // binds the vote to the action shown (protocol.md, Gates)
    }
    if (comment) {
      p.comment = comment;
    }
    return envelope('gate.approve', session, sender, p);
  },
  gateReject(session, sender, gate, reason) {
    return envelope('gate.reject', session, sender, {
      gate,
      rejector: sender,
      reason: reason || 'Rejected by user',
    });
  },
  interrupt(session, sender, target, urgency, message) {
    const p = { urgency, message: message || `${urgency} requested` };
    if (target) {
      p.target = target;
    }
    return envelope('interrupt.raise', session, sender, p);
  },
  forkSwitch(session, sender, target) {
    return envelope('fork.switch', session, sender, { target_fork: target || 'main' });
  },
  forkCreate(session, sender, name, participants, fromPoint) {
    return envelope('fork.create', session, sender, {
      name,
      from_point: fromPoint,
      reason: 'created from the web dashboard',
      participants,
      copy_context: true,
    });
  },
  mergePropose(session, sender, source, target) {
    return envelope('merge.propose', session, sender, {
      source_fork: source,
      target_fork: target,
      strategy: 'append',
      summary: 'proposed from the web dashboard',
    });
  },
  mergeExecute(session, sender, proposal) {
    return envelope('merge.execute', session, sender, { merge_proposal: proposal });
  },
  leave(session, sender) {
    return envelope('session.leave', session, sender, { reason: 'left from the web dashboard' });
  },
};

// Replay dedup, as libpvpclient's FrameDedup: frames with a seq at or below the cursor are
// duplicates; frames without seq are recognised by id (bounded memory); a gate.request and a
// participant.announce are always taken (pvpd re-sends open gates to every joiner with their
// original seq, and a re-join re-announces; both are upserts in the state model).
export class FrameDedup {
  constructor(maxIds = 20000) {
    this.cursor = 0;
    this.maxIds = maxIds;
    this.ids = new Set();
  }

  firstTime(frame) {
    if (frame.type === 'gate.request' || frame.type === 'participant.announce') {
      return true;
    }
    const seq = Number.isInteger(frame.seq) && frame.seq > 0 ? frame.seq : 0;
    if (seq !== 0) {
      if (seq <= this.cursor) {
        return false;
      }
      this.cursor = seq;
      return true;
    }
    if (typeof frame.id !== 'string' || frame.id === '') {
      return true;
    }
    if (this.ids.has(frame.id)) {
      return false;
    }
    this.ids.add(frame.id);
    if (this.ids.size > this.maxIds) {
      this.ids.delete(this.ids.values().next().value); // Sets iterate in insertion order
    }
    return true;
  }
}

// Exponential backoff with "equal jitter" (the TUI's): 0.5 s doubling to 30 s, each delay a
// random point in the upper half, so a restarted server is not hit by every client at once.
export class Backoff {
  constructor({ baseMs = 500, capMs = 30000, random = Math.random } = {}) {
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.random = random;
    this.attempt = 0;
  }

  next() {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  reset() {
    this.attempt = 0;
  }
}

// Parses one inbound message; returns null for anything that is not a JSON object with a type.
export function parseFrame(data) {
  if (typeof data !== 'string') {
    return null;
  }
  let f;
  try {
    f = JSON.parse(data);
  } catch {
    return null;
  }
  if (f === null || typeof f !== 'object' || Array.isArray(f) || typeof f.type !== 'string') {
    return null;
  }
  if (f.payload === undefined || f.payload === null || typeof f.payload !== 'object') {
    f.payload = {};
  }
  return f;
}

// Join refusals that retrying cannot fix (protocol.md, Identity and authentication).
function fatalJoinError(frame) {
  const p = frame.payload;
  if (p.code === 'SESSION_NOT_FOUND') {
    return true;
  }
  if (p.code === 'UNAUTHORIZED' && /token|open auth mode/i.test(String(p.message))) {
    return true;
  }
  return p.code === 'INVALID_STATE' && /ended|full/i.test(String(p.message));
}

// One session's connection. Events (callbacks in `handlers`):
//   onFrame(frame)            every new (deduplicated) frame
//   onState({state, attempt, retryInMs, reason, resumedFrom})
//     state: 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'refused'
export class PvpConnection {
  constructor({ url, session, me, token, create, sessionName, sessionConfig, WebSocketImpl,
                handlers, backoff, setTimer, clearTimer }) {
    this.url = url;
    this.session = session;
    this.me = me;
    this.token = token || '';
    this.create = Boolean(create);
    this.sessionName = sessionName || '';
    this.sessionConfig = sessionConfig || null;
    this.WS = WebSocketImpl;
    this.handlers = handlers || {};
    this.backoff = backoff || new Backoff();
    this.setTimer = setTimer || ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = clearTimer || ((t) => clearTimeout(t));
    this.dedup = new FrameDedup();
    this.ws = null;
    this.timer = null;
    this.stopped = false;
    this.joined = false;
    this.joinId = '';
    this.lastResumeFrom = 0;
    this.state = 'closed';
  }

  get cursor() {
    return this.dedup.cursor;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    if (this.timer !== null) {
      this.clearTimer(this.timer);
      this.timer = null;
    }
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        // already closed
      }
    }
    this.setState('closed', {});
  }

  // Sends a frame built by `frames`; false when not connected (the UI says so; nothing is queued
  // because a vote or prompt sent minutes later could act on a changed situation).
  send(frame) {
    if (!this.ws || !this.joined || this.ws.readyState !== 1) {
      return false;
    }
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  setState(state, extra) {
    this.state = state;
    if (this.handlers.onState) {
      this.handlers.onState({ state, ...extra });
    }
  }

  open() {
    this.setState(this.backoff.attempt > 0 ? 'reconnecting' : 'connecting',
                  { attempt: this.backoff.attempt });
    let ws;
    try {
      ws = new this.WS(this.url);
    } catch (e) {
      this.scheduleReconnect(String(e && e.message ? e.message : e));
      return;
    }
    this.ws = ws;
    this.joined = false;
    ws.onopen = () => {
      if (this.ws !== ws) {
        return;
      }
      if (this.create) {
        ws.send(JSON.stringify(frames.create(this.session, this.me.id, this.sessionName,
                                                   this.sessionConfig, this.token)));
      }
      this.lastResumeFrom = this.dedup.cursor;
      const join = frames.join(this.session, this.me,
                               { token: this.token, resumeFrom: this.dedup.cursor });
      this.joinId = join.id;
      ws.send(JSON.stringify(join));
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) {
        this.onMessage(ev.data);
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) {
        return;
      }
      this.ws = null;
      this.joined = false;
      if (!this.stopped && this.state !== 'refused') {
        this.scheduleReconnect(ev && ev.reason ? ev.reason : 'connection closed');
      }
    };
    ws.onerror = () => {
      // onclose follows and decides
    };
  }

  onMessage(data) {
    const f = parseFrame(data);
    if (!f) {
      return;
    }
    if (f.type === 'error' && !this.joined && f.payload.related_to === this.joinId &&
        fatalJoinError(f)) {
      this.setState('refused', { reason: String(f.payload.message || f.payload.code) });
      this.stopped = true;
      if (this.ws) {
        this.ws.close(1000, 'join refused');
      }
      this.handlers.onFrame?.(f);
      return;
    }
    if (!this.joined && this.isJoinConfirmation(f)) {
      this.joined = true;
      this.backoff.reset();
      this.setState('connected', { resumedFrom: this.lastResumeFrom });
    }
    if (f.type === 'heartbeat.ping') {
      if (this.joined) {
        this.ws.send(JSON.stringify(frames.pong(this.session, this.me.id, f.id)));
      }
      return;
    }
    if (!this.dedup.firstTime(f)) {
      return;
    }
    this.handlers.onFrame?.(f);
  }

  // The join reply ends with the joiner's own announce (step 5); the replayed join and the
  // working-directory context come earlier and also prove the join was accepted.
  isJoinConfirmation(f) {
    if (f.type === 'participant.announce' && f.sender === this.me.id &&
        f.payload.id === this.me.id) {
      return true;
    }
    if (f.type === 'session.join' && f.id === this.joinId) {
      return true;
    }
    return f.type === 'context.add' && f.payload.key === 'session:working_directory';
  }

  scheduleReconnect(reason) {
    if (this.stopped) {
      return;
    }
    const delay = this.backoff.next();
    this.setState('reconnecting', { attempt: this.backoff.attempt, retryInMs: delay, reason });
    this.timer = this.setTimer(() => {
      this.timer = null;
      if (!this.stopped) {
        this.open();
      }
    }, delay);
  }
}

// Admin HTTP endpoints of the websocket plugin (same origin). The token goes in the
// Authorization header, never in the URL.
export function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function fetchSessions(fetchImpl, token) {
  const r = await fetchImpl('/sessions', { headers: authHeaders(token), cache: 'no-store' });
  if (!r.ok) {
    throw new Error(`GET /sessions: HTTP ${r.status}`);
  }
  const body = await r.json();
  return Array.isArray(body.sessions) ? body.sessions : [];
}

export async function fetchTranscript(fetchImpl, token, session, format = 'markdown') {
  const r = await fetchImpl(
      `/sessions/${encodeURIComponent(session)}/transcript?format=${encodeURIComponent(format)}`,
      { headers: authHeaders(token), cache: 'no-store' });
  if (!r.ok) {
    throw new Error(`transcript: HTTP ${r.status}`);
  }
  return r.text();
}
