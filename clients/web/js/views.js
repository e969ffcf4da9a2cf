// DOM views of a SessionState: the message stream (incremental; streaming entries are updated
// in place), gate cards with approve/reject, participants, thinking, context, transcripts,
// forks, drafts and the interrupt banner.
//
// Every string from the network goes through textContent (never innerHTML), so a frame cannot
// inject markup; the CSP blocks inline script anyway.
//
// THREADS: main thread. OWNERSHIP: the view owns the DOM nodes it creates under the elements it
// is given; it reads the state and never changes it. Votes go through the `actions` callbacks.
// LIFETIME: one per session view.

import { actionSummary } from './state.js';

export function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) {
    n.className = cls;
  }
  if (text !== undefined && text !== null) {
    n.textContent = String(text);
  }
  return n;
}

function prettyArgs(args) {
  try {
    return JSON.stringify(args ?? {}, null, 2);
  } catch {
    return String(args);
  }
}

function quorumText(q) {
  if (!q) {
    return '';
  }
  switch (q.type) {
    case 'any': return `any ${q.count}`;
    case 'role': return `${q.count} × role ${q.role}`;
    case 'specific': return `specific: ${(q.participants || []).join(', ')}`;
    default: return String(q.type || '');
  }
}

// The exact action a vote is about: the one-line command, then the arguments as sent.
export function gateActionText(g) {
  if (!g.args) {
    return g.toolName || '(the proposal has not arrived yet)';
  }
  return `${actionSummary(g.toolName, g.args)}\n${prettyArgs(g.args)}`;
}

export class SessionView {
  constructor(root, state, actions) {
    this.state = state;
    this.actions = actions;
    this.$ = (id) => root.getElementById(id);
    this.stream = this.$('stream');
    this.rendered = new Map(); // eid -> {li, body, text, streaming, status}
    this.gateCards = new Map(); // gate id -> card elements
    this.follow = true;
    this.showThinking = true;
    this.stream.addEventListener('scroll', () => {
      const s = this.stream;
      this.follow = s.scrollTop + s.clientHeight >= s.scrollHeight - 8;
    });
  }

  render() {
    this.renderStream();
    this.renderGates();
    this.renderParticipants();
    this.renderThinking();
    this.renderContext();
    this.renderTranscripts();
    this.renderForks();
    this.renderDrafts();
    this.renderBanner();
    this.renderTargets();
    this.renderControls();
    const st = this.state;
    this.$('title').textContent = `PVP Session: ${st.sessionName || st.session}`;
  }

  entryLine(e) {
    const st = this.state;
    switch (e.kind) {
      case 'prompt': return [`[${st.nameOf(e.sender)} → ${e.target}]`, e.text];
      case 'thinking': return [`[${st.nameOf(e.sender)} thinking]`, e.text];
      case 'response': return [`[${st.nameOf(e.sender)}]`,
                               e.text + (e.finish && e.finish !== 'complete'
                                             ? ` (${e.finish})` : '')];
      case 'tool-output': return [`[${e.tool || 'tool'} output]`, e.text];
      case 'tool-result': return [`[${e.tool || 'tool'} result]`, e.text];
      case 'transcript': return [`${e.speaker}:`, e.text];
      case 'gate': {
        const g = st.gates.get(e.gate);
        if (!g) {
          return ['⚠ GATE', ''];
        }
        const what = g.args ? actionSummary(g.toolName, g.args) : g.message;
        const label = g.status === 'proposed' ? 'PROPOSED' : 'GATE';
        return [`⚠ ${label} [${g.status}]`, `${st.nameOf(g.agent)} wants to execute ${what}`];
      }
      default: return ['', e.text];
    }
  }

  renderStream() {
    const entries = this.state.entries;
    // Entries dropped from the front of the store leave the DOM too.
    const first = entries.length ? entries[0].eid : Infinity;
    for (const [eid, r] of this.rendered) {
      if (eid < first) {
        r.li.remove();
        this.rendered.delete(eid);
      } else {
        break;
      }
    }
    for (const e of entries) {
      let r = this.rendered.get(e.eid);
      const [who, text] = this.entryLine(e);
      const status = e.kind === 'gate' ? text : '';
      if (!r) {
        // Not class "gate": that names the gate cards in the side panel.
        const li = el('li', e.kind === 'gate' ? 'gate-entry' : e.kind);
        li.dataset.eid = String(e.eid);
        if (e.kind === 'tool-result') {
          li.classList.add(e.ok ? 'ok' : 'fail');
        }
        if (e.id) {
          li.dataset.id = e.id;
        }
        const w = el('span', 'who', who);
        const body = el('span', 'body', text);
        li.append(w, body);
        if (e.fork) {
          li.append(el('span', 'forktag', `⎇ ${this.state.forkName(e.fork)}`));
        }
        this.stream.append(li);
        r = { li, who: w, body, text, streaming: null, status };
        this.rendered.set(e.eid, r);
      }
      if (r.text !== text) {
        r.body.textContent = text;
        r.text = text;
      }
      if (e.kind === 'gate') {
        r.who.textContent = who;
      }
      const streaming = Boolean(e.streaming);
      if (r.streaming !== streaming) {
        r.li.classList.toggle('streaming', streaming);
        r.streaming = streaming;
      }
    }
    if (this.follow) {
      this.stream.scrollTop = this.stream.scrollHeight;
    }
  }

  renderGates() {
    const st = this.state;
    const box = this.$('gates');
    // Gated proposals only: a late joiner never gets the request of a resolved gate, so a
    // proposal with votes or approvers counts as gated too; automatic executions are not shown.
    const shown = [...st.gates.values()].filter(
        (g) => g.requested || g.status === 'proposed' || g.status === 'rejected' ||
               g.approvals.length > 0 || (g.approvedBy && g.approvedBy.length > 0));
    // Newest last; closed gates stay (dimmed) so the decision is visible, at most 20 of them.
    const closed = shown.filter((g) => g.status !== 'open' && g.status !== 'proposed');
    const keep = new Set([...shown.filter((g) => !closed.includes(g)), ...closed.slice(-20)]);
    for (const [id, c] of this.gateCards) {
      if (![...keep].some((g) => g.id === id)) {
        c.card.remove();
        this.gateCards.delete(id);
      }
    }
    for (const g of keep) {
      let c = this.gateCards.get(g.id);
      if (!c) {
        c = this.makeGateCard(g);
        this.gateCards.set(g.id, c);
        box.append(c.card);
      }
      this.updateGateCard(c, g);
    }
    this.$('gate-count').textContent = String(st.openGates().length);
  }

  makeGateCard(g) {
    const card = el('div', 'gate');
    card.dataset.gate = g.id;
    const title = el('div', 'title');
    const status = el('span', 'status');
    const action = el('pre', 'action');
    const meta = el('div', 'meta');
    const digest = el('div', 'digest');
    const votes = el('div', 'meta votes');
    const result = el('pre', 'meta result');
    const input = el('input', 'vote-text');
    input.placeholder = 'comment (approve) or reason (reject)';
    input.maxLength = 2000;
    const approve = el('button', 'approve', 'Approve');
    approve.type = 'button';
    const reject = el('button', 'reject danger', 'Reject');
    reject.type = 'button';
    approve.addEventListener('click', () => {
      this.actions.approve(g.id, input.value.trim());
      input.value = '';
    });
    reject.addEventListener('click', () => {
      this.actions.reject(g.id, input.value.trim());
      input.value = '';
    });
    const buttons = el('div', 'row buttons');
    buttons.append(approve, reject);
    card.append(title, status, action, meta, digest, votes, result, input, buttons);
    return { card, title, status, action, meta, digest, votes, result, input, buttons, approve,
             reject, key: '' };
  }

  updateGateCard(c, g) {
    const st = this.state;
    const key = JSON.stringify([g.status, g.toolName, g.approvals, g.digest, g.result,
                                g.reason, g.requested, g.policyReason, st.myRights()]);
    if (c.key === key) {
      return;
    }
    c.key = key;
    const open = g.status === 'open';
    c.card.classList.toggle('closed', !open);
    c.title.textContent = g.message || `${st.nameOf(g.agent)} wants to execute ${g.toolName}`;
    c.status.textContent = open ? 'awaiting approval' : g.status;
    c.status.className = `status status-${g.status.split(' ')[0]}`;
    c.action.textContent = gateActionText(g);
    const bits = [];
    if (g.risk) bits.push(`risk ${g.risk}`);
    if (g.category) bits.push(`category ${g.category}`);
    if (g.policyReason) bits.push(`policy: ${g.policyReason}`);
    if (g.quorum) bits.push(`quorum ${quorumText(g.quorum)}`);
    if (g.timeoutSeconds) bits.push(`timeout ${g.timeoutSeconds}s`);
    if (g.description) bits.push(g.description);
    c.meta.textContent = bits.join(' · ');
    c.digest.textContent = g.digest ? `digest sha256:${g.digest}` : '';
    const approvals = g.approvals.map((a) => st.nameOf(a));
    c.votes.textContent = `${approvals.length} approval(s)${
        approvals.length ? `: ${approvals.join(', ')}` : ''}${
        g.reason ? ` · rejected by ${st.nameOf(g.rejector)}: ${g.reason}` : ''}${
        g.comments.length ? ` · ${g.comments.join(' · ')}` : ''}`;
    c.result.textContent = g.result ? `${g.result.ok ? '✓' : '✗'} ${g.result.text}` : '';
    const canVote = open && g.requested && g.agent !== st.me.id &&
                    !g.approvals.includes(st.me.id) && st.myRights().approve;
    c.input.classList.toggle('hidden', !canVote);
    c.buttons.classList.toggle('hidden', !canVote);
  }

  renderParticipants() {
    const ul = this.$('participants');
    const items = [];
    for (const p of this.state.participants.values()) {
      const li = el('li', `presence-${p.presence}`);
      li.dataset.participant = p.id;
      li.append(el('span', 'pname', p.name + (p.id === this.state.me.id ? ' (you)' : '')));
      if (p.type === 'agent') {
        li.append(el('span', 'role', 'agent'));
      }
      for (const r of p.roles) {
        li.append(el('span', 'role', r));
      }
      li.title = `${p.id} · ${p.presence}${p.transport ? ` · ${p.transport}` : ''}`;
      items.push(li);
    }
    ul.replaceChildren(...items);
  }

  renderThinking() {
    const t = this.state.thinking;
    this.$('thinking-panel').classList.toggle('hidden', !this.showThinking);
    this.$('thinking-who').textContent = t.agent ? `${this.state.nameOf(t.agent)}${
        t.active ? ' (thinking…)' : ''}${t.visibleTo && t.visibleTo !== 'all'
                                           ? ` · visible to ${t.visibleTo}` : ''}` : '';
    const pre = this.$('thinking');
    if (pre.textContent !== t.text) {
      pre.textContent = t.text;
      pre.scrollTop = pre.scrollHeight;
    }
  }

  renderContext() {
    const items = [];
    for (const c of this.state.context.values()) {
      const li = el('li');
      li.append(el('span', 'ckey', c.key), el('span', 'dim', ` [${c.contentType}] ${c.source}`));
      if (c.visibleTo.length) {
        li.append(el('span', 'dim', ` · visible to ${c.visibleTo.join(', ')}`));
      }
      const body = el('pre', '', c.content.length > 600 ? `${c.content.slice(0, 600)}…`
                                                          : c.content);
      li.append(body);
      items.push(li);
    }
    this.$('context').replaceChildren(...items);
  }

  renderTranscripts() {
    const items = this.state.transcripts.slice(-200).map((t) => {
      const li = el('li');
      li.append(el('span', 'speaker', `${t.speaker}:`), el('span', '', t.text));
      return li;
    });
    this.$('transcripts').replaceChildren(...items);
  }

  renderForks() {
    const st = this.state;
    this.$('fork-current').textContent = `on ${st.forkName(st.currentFork)}`;
    const mk = (id, name, who) => {
      const li = el('li');
      const b = el('button', id === st.currentFork ? '' : 'secondary', name);
      b.type = 'button';
      b.dataset.fork = id;
      b.addEventListener('click', () => this.actions.switchFork(id));
      li.append(b);
      if (who) {
        li.append(el('span', 'dim', ` ${who}`));
      }
      return li;
    };
    const items = [mk('main', 'main', '')];
    for (const f of st.forks.values()) {
      items.push(mk(f.id, f.name, `by ${st.nameOf(f.creator)}; ${f.participants.length} member(s)`));
    }
    const canFork = st.myRights().fork && !st.ended;
    if (st.currentFork !== 'main' && canFork) {
      const li = el('li');
      const b = el('button', 'secondary merge-propose',
                   `Propose merging ${st.forkName(st.currentFork)} into main`);
      b.type = 'button';
      b.addEventListener('click', () => this.actions.proposeMerge(st.currentFork, 'main'));
      li.append(b);
      items.push(li);
    }
    for (const m of st.merges) {
      const li = el('li', 'dim merge', `merge ${st.forkName(m.source)} → ${st.forkName(m.target)} (${
          m.strategy})${m.executed ? ' ✓ merged' : ' proposed'}`);
      if (!m.executed && canFork) {
        const b = el('button', 'secondary merge-execute', 'Execute');
        b.type = 'button';
        b.addEventListener('click', () => this.actions.executeMerge(m.id));
        li.append(' ', b);
      }
      items.push(li);
    }
    this.$('forks').replaceChildren(...items);
  }

  renderDrafts() {
    const items = [];
    for (const [who, d] of this.state.drafts) {
      items.push(el('div', 'draft', `✎ ${this.state.nameOf(who)} is drafting${
          d.target ? ` → ${this.state.nameOf(d.target)}` : ''}: ${d.content.slice(0, 300)}`));
    }
    this.$('drafts').replaceChildren(...items);
  }

  renderBanner() {
    const pending = this.state.pendingInterrupts();
    const b = this.$('interrupt-banner');
    b.classList.toggle('hidden', pending.length === 0);
    if (pending.length) {
      const i = pending[pending.length - 1];
      b.textContent = `⚠ INTERRUPT (${i.urgency}) from ${this.state.nameOf(i.from)}${
          i.target ? ` → ${this.state.nameOf(i.target)}` : ''}: ${i.message} — awaiting acknowledgement`;
    }
  }

  // Controls the server would refuse are disabled (a hint only; it decides).
  renderControls() {
    const st = this.state;
    const rights = st.myRights();
    const ended = Boolean(st.ended);
    const prompt = this.$('prompt');
    const canPrompt = rights.prompt && !ended;
    prompt.disabled = !canPrompt;
    prompt.placeholder = ended ? 'the session has ended'
                               : canPrompt ? 'Prompt the agent (p)' : 'your role cannot prompt';
    this.$('send').disabled = !canPrompt;
    this.$('interrupt').disabled = !rights.interrupt || ended;
    this.$('fork-create').disabled = !rights.fork || ended;
  }

  renderTargets() {
    const sel = this.$('target');
    const agents = this.state.agents();
    const ids = agents.map((a) => a.id).join('\n');
    if (sel.dataset.ids === ids) {
      return;
    }
    const keep = sel.value;
    sel.replaceChildren(...agents.map((a) => {
      const o = el('option', '', a.name);
      o.value = a.id;
      return o;
    }));
    sel.dataset.ids = ids;
    if (keep && agents.some((a) => a.id === keep)) {
      sel.value = keep;
    }
  }

  scrollTo(eid) {
    const r = this.rendered.get(eid);
    if (!r) {
      return;
    }
    for (const x of this.stream.querySelectorAll('.found')) {
      x.classList.remove('found');
    }
    r.li.classList.add('found');
    this.follow = false;
    r.li.scrollIntoView({ block: 'center' });
  }
}

export function renderSessionList(tbody, sessions, onJoin) {
  const rows = sessions.map((s) => {
    const tr = el('tr');
    const cells = [s.id, s.name, s.state, s.participants, s.connected, s.messages, s.last_seq];
    for (const v of cells) {
      tr.append(el('td', '', Array.isArray(v) ? v.length : v ?? ''));
    }
    const td = el('td');
    const b = el('button', 'secondary', 'Open');
    b.type = 'button';
    b.dataset.session = String(s.id);
    b.addEventListener('click', () => onJoin(String(s.id)));
    td.append(b);
    tr.append(td);
    return tr;
  });
  tbody.replaceChildren(...rows);
}
