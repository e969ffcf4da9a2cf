// The dashboard's state model: a reducer over PVP frames (what libpvpclient's ClientState does
// for the TUI). It holds the message stream, streaming responses, the thinking stream, gates,
// participants and presence, context, T.140 transcripts, forks, drafts and interrupts. No DOM
// and no network, so it is unit-tested in Node.
//
// Everything here is display state built from what the server relayed; it authorises nothing
// (the server checks every frame). Strings from the network are kept as data and only ever
// rendered with textContent by the views.
//
// THREADS: main thread only. OWNERSHIP: a SessionState owns its maps; views read them and must
// not mutate. LIFETIME: one per session view; it survives reconnects (the resume cursor is the
// connection's, the content is here).

const MAX_ENTRIES = 5000; // the DOM shows the newest; older ones are dropped from memory too
const MAX_TEXT = 200000; // per streamed entry, so a runaway stream cannot eat the tab

function str(v, fallback = '') {
  return typeof v === 'string' ? v : fallback;
}

function contentText(c) {
  if (typeof c === 'string') {
    return c;
  }
  if (c === undefined || c === null) {
    return '';
  }
  try {
    return JSON.stringify(c);
  } catch {
    return '';
  }
}

function clip(s) {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

// A one-line form of a tool call, e.g. `shell ls -la` for argv-style arguments, else the JSON.
export function actionSummary(toolName, args) {
  if (args && typeof args === 'object') {
    if (Array.isArray(args.argv)) {
      return `${toolName} ${args.argv.map(String).join(' ')}`;
    }
    if (typeof args.command === 'string') {
      return `${toolName} ${args.command}`;
    }
  }
  return `${toolName} ${contentText(args ?? {})}`;
}

export class SessionState {
  constructor(session, me) {
    this.session = session;
    this.me = me;
    this.sessionName = '';
    this.entries = [];
    this.nextEntryId = 1;
    this.participants = new Map();
    this.gates = new Map(); // gate id (= tool.propose id) -> gate
    this.gateAlias = new Map(); // gate.request id -> gate id
    this.openResponses = new Map(); // agent id -> entry
    this.toolOutputs = new Map(); // proposal id -> entry
    this.thinking = { agent: '', text: '', active: false, visibleTo: '' };
    this.context = new Map();
    this.transcripts = [];
    this.forks = new Map();
    this.currentFork = 'main';
    this.merges = [];
    this.drafts = new Map(); // sender -> {content, target}
    this.interrupts = new Map(); // interrupt id -> {...}
    this.lastSeq = 0;
    this.lastRecordedId = '';
    this.workdir = '';
    this.ended = null;
    this.version = 0;
  }

  nameOf(id) {
    const p = this.participants.get(id);
    return p && p.name ? p.name : id || '?';
  }

  agents() {
    return [...this.participants.values()].filter((p) => p.type === 'agent');
  }

  // What my participant may do as the server announced it (roles and capabilities narrowed by
  // the token). Used only to hide controls that would be refused; the server still decides.
  myRights() {
    const p = this.participants.get(this.me.id);
    const roles = p ? p.roles : this.me.roles;
    const caps = p && p.capsKnown ? p.capabilities : this.me.capabilities;
    const has = (r) => roles.includes(r);
    return {
      prompt: has('driver') || has('navigator') || caps.includes('prompt'),
      approve: has('approver') || has('admin') || caps.includes('approve'),
      interrupt: caps.includes('interrupt'),
      fork: caps.includes('fork'),
    };
  }

  openGates() {
    return [...this.gates.values()].filter((g) => g.status === 'open');
  }

  // Gates I may still vote on: open, not proposed by me, not already approved by me. Whether I
  // am eligible is the server's call; it refuses an ineligible vote with an error shown to me.
  myPendingGates() {
    return this.openGates().filter(
        (g) => g.agent !== this.me.id && !g.approvals.includes(this.me.id));
  }

  pendingInterrupts() {
    return [...this.interrupts.values()].filter((i) => !i.acked);
  }

  addEntry(kind, sender, text, extra = {}) {
    const e = { eid: this.nextEntryId++, kind, sender, text: clip(text), ...extra };
    this.entries.push(e);
    if (this.entries.length > MAX_ENTRIES) {
      this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    }
    return e;
  }

  upsertParticipant(a, presence) {
    if (!a || typeof a.id !== 'string') {
      return null;
    }
    const old = this.participants.get(a.id) || {};
    const p = {
      id: a.id,
      name: str(a.name, old.name || a.id),
      type: str(a.type, old.type || 'human'),
      roles: Array.isArray(a.roles) ? a.roles.map(String) : old.roles || [],
      capabilities: Array.isArray(a.capabilities) ? a.capabilities.map(String)
                                                  : old.capabilities || [],
      capsKnown: Array.isArray(a.capabilities) || Boolean(old.capsKnown),
      transport: str(a.transport, old.transport || ''),
      presence: presence || old.presence || 'active',
    };
    this.participants.set(a.id, p);
    return p;
  }

  gateFor(id) {
    if (this.gates.has(id)) {
      return this.gates.get(id);
    }
    const alias = this.gateAlias.get(id);
    return alias ? this.gates.get(alias) : undefined;
  }

  ensureGate(id) {
    let g = this.gateFor(id);
    if (!g) {
      g = {
        id, requestId: '', message: '', digest: '', policyReason: '', quorum: null,
        timeoutSeconds: 0, toolName: '', args: null, risk: '', category: '', description: '',
        agent: '', approvals: [], comments: [], status: 'open', reason: '', result: null,
        entry: null,
      };
      this.gates.set(id, g);
    }
    return g;
  }

  gateEntry(g) {
    if (!g.entry) {
      g.entry = this.addEntry('gate', 'system', '', { gate: g.id });
    }
    return g.entry;
  }

  // Applies one frame; returns true when something visible changed.
  apply(f) {
    if (!f || typeof f.type !== 'string') {
      return false;
    }
    if (Number.isInteger(f.seq) && f.seq > this.lastSeq) {
      this.lastSeq = f.seq;
      if (typeof f.id === 'string') {
        this.lastRecordedId = f.id; // a fork's from_point must name a recorded message
      }
    }
    const p = f.payload && typeof f.payload === 'object' ? f.payload : {};
    const sender = str(f.sender, 'system');
    const who = this.nameOf(sender);
    const fork = str(f.fork);
    const extra = { fork, seq: f.seq, ts: str(f.ts), id: str(f.id) };
    this.version += 1;

    switch (f.type) {
      case 'session.create':
        if (typeof p.name === 'string') {
          this.sessionName = p.name;
        }
        return true;
      case 'session.join': {
        const before = p.participant && this.participants.get(p.participant.id);
        const part = this.upsertParticipant(p.participant, 'active');
        // A join of someone the announces already listed adds no line (the replay has both).
        if (part && (!before || before.presence === 'disconnected')) {
          this.addEntry('membership', sender, `${part.name} ${before ? 'rejoined' : 'joined'}`,
                        extra);
        }
        return true;
      }
      case 'participant.announce': {
        const known = this.participants.get(p.id);
        const part = this.upsertParticipant(p, known ? known.presence : 'active');
        if (part && !known) {
          this.addEntry('membership', sender, `${part.name} is here (${part.roles.join(', ')})`,
                        extra);
        } else if (part && known && known.presence === 'disconnected') {
          part.presence = 'active';
        }
        return true;
      }
      case 'session.leave': {
        const part = this.participants.get(sender);
        if (part) {
          if (p.reason === 'Client disconnected') {
            part.presence = 'disconnected';
            this.addEntry('membership', sender, `${part.name} disconnected`, extra);
          } else {
            this.participants.delete(sender);
            this.addEntry('membership', sender, `${part.name} left`, extra);
          }
        }
        return true;
      }
      case 'session.end':
        if (p.reason === 'Server shutdown') {
          this.addEntry('system', 'system', 'server shutting down', extra);
        } else {
          this.ended = { reason: str(p.reason), finalState: str(p.final_state) };
          this.addEntry('system', sender, `session ended (${str(p.final_state)}): ${str(p.reason)}`,
                        extra);
        }
        return true;
      case 'presence.update': {
        const part = this.participants.get(p.participant);
        if (part && typeof p.status === 'string') {
          part.presence = p.status;
        }
        return true;
      }
      case 'participant.role_change': {
        const part = this.participants.get(p.participant);
        if (part && Array.isArray(p.new_roles)) {
          part.roles = p.new_roles.map(String);
          this.addEntry('membership', sender,
                        `${part.name} is now ${part.roles.join(', ')} (by ${this.nameOf(
                            str(p.changed_by, sender))})`,
                        extra);
        }
        return true;
      }
      case 'prompt.submit':
        this.drafts.delete(sender);
        this.addEntry('prompt', sender, contentText(p.content),
                      { ...extra, target: this.nameOf(str(p.target_agent)) });
        return true;
      case 'prompt.draft':
        if (sender !== this.me.id) {
          const text = contentText(p.content);
          if (text === '') {
            this.drafts.delete(sender);
          } else {
            this.drafts.set(sender, { content: text, target: str(p.target_agent) });
          }
        }
        return true;
      case 'prompt.amend':
        this.addEntry('prompt', sender, `amends: ${contentText(p.amendment)}`, extra);
        return true;
      case 'thinking.start':
        this.thinking = {
          agent: str(p.agent, sender), text: '', active: true,
          visibleTo: Array.isArray(p.visible_to) ? p.visible_to.join(', ')
                                                 : str(p.visible_to, 'all'),
        };
        this.thinkingEntry = this.addEntry('thinking', sender, '', { ...extra, streaming: true });
        return true;
      case 'thinking.chunk':
        this.thinking.text = clip(this.thinking.text + contentText(p.text));
        this.thinking.active = true;
        if (this.thinkingEntry) {
          this.thinkingEntry.text = this.thinking.text;
        } else {
          this.thinkingEntry = this.addEntry('thinking', sender, this.thinking.text,
                                             { ...extra, streaming: true });
        }
        return true;
      case 'thinking.end':
        this.thinking.active = false;
        if (this.thinkingEntry) {
          this.thinkingEntry.streaming = false;
          if (this.thinkingEntry.text === '') {
            this.thinkingEntry.text = '(streamed live; not kept in the history)';
          }
          this.thinkingEntry = null;
        }
        return true;
      case 'response.start': {
        const e = this.addEntry('response', sender, '', { ...extra, streaming: true });
        this.openResponses.set(sender, e);
        return true;
      }
      case 'response.chunk': {
        let e = this.openResponses.get(sender);
        if (!e) {
          e = this.addEntry('response', sender, '', { ...extra, streaming: true });
          this.openResponses.set(sender, e);
        }
        e.text = clip(e.text + contentText(p.text));
        return true;
      }
      case 'response.end': {
        const e = this.openResponses.get(sender);
        if (e) {
          e.streaming = false;
          e.finish = str(p.finish_reason);
          if (e.text === '') {
            // Deltas are live-only: a replay (late join, resume) has the start and end only.
            e.text = '(streamed live; not kept in the history)';
            e.replayed = true;
          }
          this.openResponses.delete(sender);
        } else if (p.finish_reason === 'interrupted') {
          this.addEntry('system', sender, `${who}: response interrupted`, extra);
        }
        return true;
      }
      case 'tool.propose': {
        const id = str(f.id);
        const g = this.ensureGate(id);
        g.toolName = str(p.tool_name);
        g.args = p.arguments && typeof p.arguments === 'object' ? p.arguments : {};
        g.risk = str(p.risk_level);
        g.category = str(p.category);
        g.description = str(p.description);
        g.agent = str(p.agent, sender);
        g.proposed = true;
        if (!g.requested && g.status === 'open') {
          // Not gated (or the request is yet to come): shown as a proposal until execute.
          g.status = g.executed ? 'executed' : 'proposed';
        }
        this.gateEntry(g);
        return true;
      }
      case 'gate.request': {
        const ref = str(p.action_ref, str(f.id));
        const g = this.ensureGate(ref);
        g.requestId = str(f.id);
        if (g.requestId) {
          this.gateAlias.set(g.requestId, ref);
        }
        g.requested = true;
        g.message = str(p.message);
        g.digest = str(p.digest);
        g.policyReason = str(p.policy_reason);
        g.quorum = p.quorum && typeof p.quorum === 'object' ? p.quorum : null;
        g.timeoutSeconds = Number.isFinite(p.timeout_seconds) ? p.timeout_seconds : 0;
        if (g.status === 'proposed' || g.status === 'open') {
          g.status = 'open';
        }
        this.gateEntry(g);
        return true;
      }
      case 'gate.approve':
      case 'tool.approve': {
        const g = this.gateFor(str(p.gate, str(p.tool_proposal)));
        if (g && f.type === 'gate.approve' && !g.approvals.includes(sender)) {
          g.approvals.push(sender);
          if (p.comment) {
            g.comments.push(`${this.nameOf(sender)}: ${str(p.comment)}`);
          }
        }
        this.addEntry('vote', sender,
                      `${who} approved ${g ? g.toolName || 'gate' : 'gate'}${
                          p.comment ? `: ${str(p.comment)}` : ''}`,
                      extra);
        return true;
      }
      case 'gate.reject':
      case 'tool.reject': {
        const g = this.gateFor(str(p.gate, str(p.tool_proposal)));
        if (g && f.type === 'gate.reject') {
          g.status = 'rejected';
          g.reason = str(p.reason);
          g.rejector = sender;
        }
        this.addEntry('vote', sender, `${who} rejected: ${str(p.reason)}`, extra);
        return true;
      }
      case 'gate.timeout': {
        const g = this.gateFor(str(p.gate));
        if (g) {
          g.status = p.resolution === 'escalated' ? 'open' : `timed out (${str(p.resolution)})`;
          if (p.resolution === 'escalated') {
            g.policyReason = `${g.policyReason} · escalated to admins`;
          }
        }
        return true;
      }
      case 'tool.execute': {
        const g = this.ensureGate(str(p.tool_proposal));
        g.status = 'executed';
        g.executed = true;
        g.approvedBy = Array.isArray(p.approved_by) ? p.approved_by.map(String) : [];
        return true;
      }
      case 'tool.output': {
        const id = str(p.tool_proposal);
        let e = this.toolOutputs.get(id);
        if (!e) {
          const g = this.gateFor(id);
          e = this.addEntry('tool-output', sender, '',
                            { ...extra, tool: g ? g.toolName : '', streaming: true });
          this.toolOutputs.set(id, e);
        }
        e.text = clip(e.text + contentText(p.text));
        if (p.complete) {
          e.streaming = false;
        }
        return true;
      }
      case 'tool.result': {
        const id = str(p.tool_proposal);
        const g = this.gateFor(id);
        const ok = p.success === true;
        const body = ok ? contentText(p.result) : contentText(p.error ?? p.result);
        if (g) {
          g.result = { ok, text: body };
        }
        const out = this.toolOutputs.get(id);
        if (out) {
          out.streaming = false;
        }
        this.addEntry('tool-result', sender, body,
                      { ...extra, ok, tool: g ? g.toolName : '' });
        return true;
      }
      case 'context.add': {
        const key = str(p.key);
        const text = contentText(p.content ?? (p.content_ref ? `[ref ${str(p.content_ref.uri)}]`
                                                              : ''));
        if (key === 'session:working_directory') {
          this.workdir = text;
          return true;
        }
        if (p.content_type === 'audio_transcript') {
          const md = p.metadata && typeof p.metadata === 'object' ? p.metadata : {};
          const speaker = str(p.speaker) || str(md.speaker) || who || str(p.source);
          this.transcripts.push({ speaker, text, ts: str(f.ts) });
          this.addEntry('transcript', sender, text, { ...extra, speaker });
          return true;
        }
        this.context.set(key, {
          key, contentType: str(p.content_type), content: text, source: str(p.source),
          sender, visibleTo: Array.isArray(p.visible_to) ? p.visible_to.map(String) : [],
        });
        this.addEntry('context', sender, `+ context ${key} [${str(p.content_type)}]`, extra);
        return true;
      }
      case 'context.update': {
        const key = str(p.key);
        const item = this.context.get(key);
        if (item && p.new_content !== undefined) {
          item.content = contentText(p.new_content);
        }
        this.addEntry('context', sender, `~ context ${key}: ${str(p.reason)}`, extra);
        return true;
      }
      case 'context.remove':
        this.context.delete(str(p.key));
        this.addEntry('context', sender, `- context ${str(p.key)}: ${str(p.reason)}`, extra);
        return true;
      case 'secret.share':
        this.addEntry('context', sender, `shared secret ${str(p.key)} with ${
                          Array.isArray(p.scope) ? p.scope.join(', ') : ''}`,
                      extra);
        return true;
      case 'secret.revoke':
        this.addEntry('context', sender, `revoked secret ${str(p.key)}`, extra);
        return true;
      case 'interrupt.raise': {
        this.interrupts.set(str(f.id), {
          id: str(f.id), from: sender, target: str(p.target), urgency: str(p.urgency),
          message: str(p.message), acked: false,
        });
        this.addEntry('interrupt', sender,
                      `⚠ INTERRUPT (${str(p.urgency)}) from ${who}${
                          p.target ? ` → ${this.nameOf(str(p.target))}` : ''}: ${str(p.message)}`,
                      extra);
        return true;
      }
      case 'interrupt.acknowledge': {
        const i = this.interrupts.get(str(p.interrupt));
        if (i) {
          i.acked = true;
        }
        this.addEntry('interrupt-ack', sender,
                      `${who} acknowledged the interrupt: ${str(p.action_taken)}`, extra);
        return true;
      }
      case 'fork.create': {
        const id = str(p.fork_id);
        if (id) {
          this.forks.set(id, {
            id, name: str(p.name, id),
            participants: Array.isArray(p.participants) ? p.participants.map(String) : [],
            creator: sender,
          });
        }
        this.addEntry('fork', sender, `${who} created fork ${str(p.name, id)}`, extra);
        return true;
      }
      case 'fork.switch':
        if (sender === this.me.id) {
          this.currentFork = str(p.target_fork, 'main') || 'main';
        }
        this.addEntry('fork', sender, `${who} switched to ${this.forkName(str(p.target_fork))}`,
                      extra);
        return true;
      case 'merge.propose':
        this.merges.push({ id: str(f.id), source: str(p.source_fork), target: str(p.target_fork),
                           strategy: str(p.strategy), executed: false });
        this.addEntry('fork', sender, `${who} proposes merging ${this.forkName(
                          str(p.source_fork))} into ${this.forkName(str(p.target_fork))} (${
                          str(p.strategy)})`,
                      extra);
        return true;
      case 'merge.execute': {
        const m = this.merges.find((x) => x.id === p.merge_proposal);
        if (m) {
          m.executed = true;
        }
        this.addEntry('fork', sender, `${who} merged`, extra);
        return true;
      }
      case 'error':
        this.addEntry('error', sender,
                      `${str(p.code, 'ERROR')}: ${str(p.message)}`, extra);
        return true;
      case 'heartbeat.ping':
      case 'heartbeat.pong':
        return false;
      default:
        this.addEntry('unknown', sender, `? ${f.type}`, extra);
        return true;
    }
  }

  forkName(id) {
    if (!id || id === 'main') {
      return 'main';
    }
    const fk = this.forks.get(id);
    return fk ? fk.name : id;
  }

  // Case-insensitive search backwards from `beforeEid` (exclusive); returns an entry or null.
  search(text, beforeEid = Infinity) {
    const needle = String(text).toLowerCase();
    if (!needle) {
      return null;
    }
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      const e = this.entries[i];
      if (e.eid < beforeEid && e.text.toLowerCase().includes(needle)) {
        return e;
      }
    }
    return null;
  }
}
