// Entry point of the web dashboard: sign-in, admin session list, the session view's actions
// and keyboard shortcuts (mirroring pvp-tui's), connection state, decision-report export.
//
// Security: the token is kept in memory and sessionStorage (so a reload of the tab rejoins),
// never put in a URL; it is sent in `session.join` and as `Authorization: Bearer` to the admin
// endpoints. Nothing here decides who may do what: the server authorises every frame and this
// page shows the errors it answers with.
//
// THREADS: main thread. LIFETIME: one App per page; a new sign-in replaces the connection.

import {
  PvpConnection, frames, wsUrlFor, participantIdFor, newSessionId, fetchSessions,
  fetchTranscript,
} from './protocol.js';
import { SessionState } from './state.js';
import { SessionView, renderSessionList, gateActionText } from './views.js';

const $ = (id) => document.getElementById(id);
const STORE_KEY = 'pvp.signin';
const DRAFT_INTERVAL_MS = 300;
// What the "needs approval" box gates in a session this page creates (ToolCategory values).
const GATED_CATEGORIES = ['file_write', 'file_delete', 'shell_execute', 'network_request', 'deploy',
                          'database', 'secret_access'];

// A complete SessionConfig (pvpd's schema wants every key in a create): the server's defaults,
// with or without the approval list.
function sessionConfig(gated) {
  return {
    require_approval_for: gated ? GATED_CATEGORIES : [],
    default_gate_quorum: { type: 'any', count: 1 },
    allow_forks: true,
    max_participants: 10,
    ordering_mode: 'causal',
    on_participant_timeout: 'wait',
    heartbeat_interval_seconds: 30,
    idle_timeout_seconds: 300,
    away_timeout_seconds: 600,
  };
}

class App {
  constructor() {
    this.conn = null;
    this.state = null;
    this.view = null;
    this.signin = null;
    this.renderQueued = false;
    this.connInfo = { state: 'closed' };
    this.lastDraftAt = 0;
    this.draftTimer = null;
    this.lastSentDraft = '';
    this.searchText = '';
    this.searchFrom = Infinity;
    this.pendingInterruptKey = false;
    this.dialogAction = null;
    this.countdown = null;
  }

  init() {
    $('signin-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.signIn();
    });
    $('si-list').addEventListener('click', () => this.listSessions());
    $('composer').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submitPrompt();
    });
    $('prompt').addEventListener('input', () => this.draftChanged());
    $('prompt').addEventListener('keydown', (ev) => this.composerKey(ev));
    $('interrupt').addEventListener('click', () => this.askInterrupt($('urgency').value));
    $('export').addEventListener('click', () => this.exportReport());
    $('leave').addEventListener('click', () => this.signOut());
    $('fork-create').addEventListener('click', () => this.createFork());
    $('help-btn').addEventListener('click', () => $('help-dialog').showModal());
    $('vote-form').addEventListener('submit', (ev) => this.dialogSubmit(ev));
    $('vote-cancel').addEventListener('click', () => $('vote-dialog').close());
    $('vote-reject').addEventListener('click', () => {
      const act = this.dialogAction;
      $('vote-dialog').close();
      if (act && act.gate) {
        this.reject(act.gate, $('vote-text').value.trim());
      }
    });
    $('search-form').addEventListener('submit', () => {
      this.searchText = $('search-text').value;
      this.searchFrom = Infinity;
      this.searchNext();
    });
    document.addEventListener('keydown', (ev) => this.globalKey(ev));

    const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
    if (hash.get('session')) {
      $('si-session').value = hash.get('session');
    }
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
    } catch {
      saved = null;
    }
    if (saved && saved.session && saved.me) {
      this.connect(saved);
    } else if (saved && saved.me) {
      $('si-name').value = saved.me.name || '';
    }
  }

  // ---- sign-in ----

  signIn() {
    const name = $('si-name').value.trim();
    if (!name) {
      $('si-error').textContent = 'a display name is required';
      return;
    }
    const role = $('si-role').value;
    let prev = null;
    try {
      prev = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
    } catch {
      prev = null;
    }
    // The same name in the same tab comes back as the same participant.
    const id = prev && prev.me && prev.me.name === name ? prev.me.id : participantIdFor(name);
    const wanted = $('si-session').value.trim();
    const signin = {
      me: {
        id, name, roles: [role],
        capabilities: role === 'observer' ? []
                                          : ['prompt', 'approve', 'interrupt', 'add_context', 'fork'],
      },
      token: $('si-token').value,
      session: wanted || newSessionId(),
      create: !wanted,
      sessionName: $('si-session-name').value.trim() || `${name}'s Session`,
      sessionConfig: sessionConfig($('si-gated').checked),
    };
    $('si-token').value = '';
    this.connect(signin);
  }

  async listSessions() {
    $('si-error').textContent = '';
    try {
      const sessions = await fetchSessions(fetch.bind(window), $('si-token').value);
      $('sessions').classList.remove('hidden');
      renderSessionList($('sessions-body'), sessions, (id) => {
        $('si-session').value = id;
        this.signIn();
      });
    } catch (e) {
      $('si-error').textContent = `session list: ${e.message} (admins only)`;
    }
  }

  connect(signin) {
    if (this.conn) {
      this.conn.stop();
    }
    this.signin = signin;
    sessionStorage.setItem(STORE_KEY, JSON.stringify(signin));
    history.replaceState(null, '', `#session=${encodeURIComponent(signin.session)}`);
    this.state = new SessionState(signin.session, signin.me);
    if (signin.create) {
      this.state.sessionName = signin.sessionName;
    }
    $('stream').replaceChildren();
    $('gates').replaceChildren();
    this.view = new SessionView(document, this.state, {
      approve: (g, comment) => this.approve(g, comment),
      reject: (g, reason) => this.reject(g, reason),
      switchFork: (f) => this.send(frames.forkSwitch(signin.session, signin.me.id, f)),
      proposeMerge: (src, dst) =>
        this.send(frames.mergePropose(signin.session, signin.me.id, src, dst)),
      executeMerge: (id) => this.send(frames.mergeExecute(signin.session, signin.me.id, id)),
    });
    $('signin').classList.add('hidden');
    $('view').classList.remove('hidden');
    this.conn = new PvpConnection({
      url: wsUrlFor(location),
      session: signin.session,
      me: signin.me,
      token: signin.token,
      create: signin.create,
      sessionName: signin.sessionName,
      sessionConfig: signin.sessionConfig,
      WebSocketImpl: WebSocket,
      handlers: {
        onFrame: (f) => {
          if (this.state.apply(f)) {
            this.scheduleRender();
          }
        },
        onState: (s) => this.connState(s),
      },
    });
    this.conn.start();
    this.scheduleRender();
  }

  signOut() {
    if (this.conn) {
      this.conn.stop();
      this.conn = null;
    }
    sessionStorage.removeItem(STORE_KEY);
    history.replaceState(null, '', location.pathname);
    $('view').classList.add('hidden');
    $('signin').classList.remove('hidden');
    this.setConn('closed', 'not connected');
  }

  // ---- connection state ----

  setConn(cls, text) {
    const c = $('conn');
    c.className = `conn conn-${cls}`;
    c.textContent = text;
    c.dataset.state = cls;
  }

  connState(s) {
    this.connInfo = s;
    if (this.countdown) {
      clearInterval(this.countdown);
      this.countdown = null;
    }
    switch (s.state) {
      case 'connected':
        this.setConn('connected', 'connected');
        if (s.resumedFrom > 0) {
          this.state.addEntry('system', 'system', `reconnected; resumed after seq ${s.resumedFrom}`);
        }
        break;
      case 'connecting':
        this.setConn('connecting', 'connecting…');
        break;
      case 'reconnecting': {
        if (s.retryInMs === undefined) {
          this.setConn('reconnecting', `reconnecting (attempt ${s.attempt})`);
          break;
        }
        const until = Date.now() + s.retryInMs;
        const tick = () => {
          const left = Math.max(0, until - Date.now()) / 1000;
          this.setConn('reconnecting', `reconnecting in ${left.toFixed(1)}s (attempt ${s.attempt})`);
        };
        tick();
        this.countdown = setInterval(tick, 200);
        break;
      }
      case 'refused':
        this.setConn('refused', `refused: ${s.reason}`);
        break;
      default:
        this.setConn('closed', 'not connected');
    }
    this.scheduleRender();
  }

  scheduleRender() {
    if (this.renderQueued) {
      return;
    }
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      if (!this.view) {
        return;
      }
      this.view.render();
      const st = this.state;
      const pending = st.openGates().length;
      const bits = [st.session, `fork ${st.forkName(st.currentFork)}`, `${pending} gate(s)`,
                    `seq ${this.conn ? this.conn.cursor : st.lastSeq}`];
      if (this.conn && this.conn.lastResumeFrom > 0) {
        bits.push(`resumed @${this.conn.lastResumeFrom}`);
      }
      $('status-extra').textContent = bits.join(' │ ');
    });
  }

  // Sends, or says why not (nothing is queued while disconnected).
  send(frame) {
    if (!this.conn || !this.conn.send(frame)) {
      this.state.addEntry('error', 'system', `not connected: ${frame.type} not sent`);
      this.scheduleRender();
      return false;
    }
    return true;
  }

  // ---- actions ----

  approve(gateId, comment) {
    const g = this.state.gateFor(gateId);
    if (!g) {
      return;
    }
    this.send(frames.gateApprove(this.state.session, this.state.me.id, g.id, g.digest, comment));
  }

  reject(gateId, reason) {
    const g = this.state.gateFor(gateId);
    if (!g) {
      return;
    }
    this.send(frames.gateReject(this.state.session, this.state.me.id, g.id, reason));
  }

  submitPrompt() {
    const text = $('prompt').value;
    const target = $('target').value;
    if (!text.trim()) {
      return;
    }
    if (!target) {
      this.state.addEntry('error', 'system', 'no agent in this session to send the prompt to');
      this.scheduleRender();
      return;
    }
    if (this.send(frames.promptSubmit(this.state.session, this.state.me.id, text, target))) {
      $('prompt').value = '';
      this.lastSentDraft = '';
      clearTimeout(this.draftTimer);
      this.draftTimer = null;
    }
  }

  draftChanged() {
    // At most one prompt.draft every 300 ms, and the last state always goes out.
    if (this.draftTimer) {
      return;
    }
    const wait = Math.max(0, this.lastDraftAt + DRAFT_INTERVAL_MS - Date.now());
    this.draftTimer = setTimeout(() => {
      this.draftTimer = null;
      this.lastDraftAt = Date.now();
      const text = $('prompt').value;
      if (text !== this.lastSentDraft && this.conn && this.conn.state === 'connected') {
        this.lastSentDraft = text;
        this.conn.send(frames.promptDraft(this.state.session, this.state.me.id, text,
                                          $('target').value));
      }
    }, wait);
  }

  cancelCompose() {
    $('prompt').value = '';
    this.draftChanged();
    $('prompt').blur();
  }

  askInterrupt(urgency) {
    const agents = this.state.agents();
    const target = $('target').value || (agents[0] && agents[0].id) || '';
    this.openDialog({ kind: 'interrupt', urgency, target },
                    `Interrupt (${urgency})${target ? ` → ${this.state.nameOf(target)}` : ''}`,
                    '', 'Message (optional)', 'Send interrupt');
  }

  openGateDialog(kind) {
    const g = this.state.myPendingGates()[0];
    if (!g) {
      this.state.addEntry('system', 'system', 'no gate is waiting for your vote');
      this.scheduleRender();
      return;
    }
    const details = `${g.message}\n\n${gateActionText(g)}\n\ndigest sha256:${g.digest}\n` +
                    `policy: ${g.policyReason}   quorum: ${JSON.stringify(g.quorum)}`;
    if (kind === 'approve') {
      this.openDialog({ kind, gate: g.id }, 'Approve', details, 'Comment (optional)', 'Approve');
    } else if (kind === 'reject') {
      this.openDialog({ kind, gate: g.id }, 'Reject', details, 'Reason', 'Reject');
    } else {
      this.openDialog({ kind: 'approve', gate: g.id }, 'Gate details', details,
                      'Comment (approve) or reason (reject)', 'Approve', true);
    }
  }

  openDialog(action, title, details, label, okText, withReject = false) {
    this.dialogAction = action;
    $('vote-title').textContent = title;
    $('vote-action').textContent = details;
    $('vote-action').classList.toggle('hidden', !details);
    $('vote-label').firstChild.textContent = `${label} `;
    $('vote-ok').textContent = okText;
    $('vote-reject').classList.toggle('hidden', !withReject);
    $('vote-text').value = '';
    $('vote-dialog').showModal();
    $('vote-text').focus();
  }

  dialogSubmit(ev) {
    ev.preventDefault();
    const act = this.dialogAction;
    const text = $('vote-text').value.trim();
    $('vote-dialog').close();
    if (!act) {
      return;
    }
    if (act.kind === 'approve') {
      this.approve(act.gate, text);
    } else if (act.kind === 'reject') {
      this.reject(act.gate, text);
    } else if (act.kind === 'interrupt') {
      this.send(frames.interrupt(this.state.session, this.state.me.id, act.target, act.urgency,
                                 text));
    }
  }

  batch(approve) {
    for (const g of this.state.myPendingGates()) {
      if (approve) {
        this.send(frames.gateApprove(this.state.session, this.state.me.id, g.id, g.digest,
                                     'Batch approved by user'));
      } else {
        this.reject(g.id, 'Batch rejected by user');
      }
    }
  }

  createFork() {
    const name = $('fork-name').value.trim();
    if (!name) {
      return;
    }
    const members = [...this.state.participants.values()].filter((p) => p.type === 'human')
                        .map((p) => p.id);
    if (this.send(frames.forkCreate(this.state.session, this.state.me.id, name, members,
                                    this.state.lastRecordedId))) {
      $('fork-name').value = '';
    }
  }

  nextTarget() {
    const sel = $('target');
    if (sel.options.length > 1) {
      sel.selectedIndex = (sel.selectedIndex + 1) % sel.options.length;
    }
  }

  searchNext() {
    const e = this.state.search(this.searchText, this.searchFrom);
    if (e) {
      this.searchFrom = e.eid;
      this.view.scrollTo(e.eid);
    } else {
      this.state.addEntry('system', 'system', `no older match for "${this.searchText}"`);
      this.scheduleRender();
    }
  }

  async exportReport() {
    const st = this.state;
    $('export-status').textContent = 'exporting…';
    try {
      const md = await fetchTranscript(fetch.bind(window), this.signin.token, st.session,
                                       'markdown');
      const url = URL.createObjectURL(new Blob([md], { type: 'text/markdown' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${st.session.replace(/[^A-Za-z0-9_-]/g, '_')}-decisions.md`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      $('export-status').textContent = `exported ${md.length} bytes`;
    } catch (e) {
      $('export-status').textContent = `export failed: ${e.message}`;
    }
  }

  // ---- keyboard (pvp-tui's keys) ----

  composerKey(ev) {
    const submit = (ev.key === 'Enter' && (ev.ctrlKey || ev.altKey || ev.metaKey)) ||
                   (ev.key === 'd' && ev.ctrlKey);
    if (submit) {
      ev.preventDefault();
      this.submitPrompt();
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      this.cancelCompose();
    } else if (ev.key === 'Tab' && !ev.shiftKey) {
      ev.preventDefault();
      this.nextTarget();
    }
  }

  globalKey(ev) {
    if (!this.view || $('view').classList.contains('hidden')) {
      return;
    }
    const t = ev.target;
    const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' ||
                         t.tagName === 'SELECT' || t.isContentEditable);
    if (typing || document.querySelector('dialog[open]') || ev.ctrlKey || ev.metaKey ||
        ev.altKey) {
      return;
    }
    if (this.pendingInterruptKey) {
      this.pendingInterruptKey = false;
      const u = { 1: 'pause', 2: 'stop', 3: 'emergency' }[ev.key];
      if (u) {
        ev.preventDefault();
        this.askInterrupt(u);
      }
      return;
    }
    const keys = {
      p: () => $('prompt').focus(),
      Enter: () => $('prompt').focus(),
      a: () => this.openGateDialog('approve'),
      r: () => this.openGateDialog('reject'),
      v: () => this.openGateDialog('details'),
      A: () => this.batch(true),
      R: () => this.batch(false),
      i: () => {
        this.pendingInterruptKey = true;
        this.state.addEntry('system', 'system', 'interrupt: 1 pause · 2 stop · 3 emergency');
        this.scheduleRender();
      },
      t: () => {
        this.view.showThinking = !this.view.showThinking;
        this.scheduleRender();
      },
      '/': () => {
        $('search-text').value = this.searchText;
        $('search-dialog').showModal();
      },
      n: () => this.searchNext(),
      Tab: () => this.nextTarget(),
      End: () => this.followStream(),
      G: () => this.followStream(),
      '?': () => $('help-dialog').showModal(),
    };
    const fn = keys[ev.key];
    if (fn) {
      ev.preventDefault();
      fn();
    }
  }

  followStream() {
    this.view.follow = true;
    const s = $('stream');
    s.scrollTop = s.scrollHeight;
  }
}

const app = new App();
app.init();
// For the browser tests and the curious: read-only handles, nothing the server relies on.
window.pvpApp = app;
