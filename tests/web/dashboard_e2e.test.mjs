// End-to-end tests of the web dashboard (clients/web) in headless Chromium against the real pvpd:
// the websocket plugin serves the app and the scripted agent answers. ctest runs each test by
// name (web_e2e_*, labels integration;web) with PVPD_BUILD_DIR set; exit 77 = skipped (no
// Chromium). Screenshots go to <build>/test-artifacts/web/.
//
// Proves: two pages (driver and approver) in one session see the same stream, the gate shows
// the exact action and digest, the approver's approval runs the tool and both see the result;
// a rejection with a reason never runs the tool and the reason reaches the agent; after a
// daemon restart on the same port and state dir the page reconnects and resumes from its seq
// without duplicating anything; the app is served with the strict CSP and runs without a CSP
// violation (while an injected inline script is blocked); the token never appears in a URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  requireEnvironment, Daemon, launchBrowser, newPage, signIn, sessionIdOf, streamText, screenshot,
  waitFor, sha256hex, sleep,
} from './lib/harness.mjs';

requireEnvironment();

let chrome;
before(async () => {
  chrome = await launchBrowser();
});
after(async () => {
  await chrome?.close();
});

// Runs `body` with a started daemon, always stopping it; the daemon log is attached on failure.
async function withDaemon(opts, body) {
  const d = new Daemon(opts);
  try {
    await d.start();
    await body(d);
  } catch (e) {
    e.message += `\n--- pvpd log ---\n${d.log.slice(-6000)}`;
    throw e;
  } finally {
    await d.stop();
    d.cleanup();
  }
}

// Joins `session` as a plain WebSocket client (tests/node's `ws`), sends one frame, and waits
// until the server echoed it back (recorded and relayed) before closing.
async function sendAsClient(d, session, id, frame) {
  const { default: WebSocket } = await import(
      `${process.env.PVPD_SOURCE_DIR}/tests/node/node_modules/ws/index.js`);
  const ws = new WebSocket(`ws://127.0.0.1:${d.port}/`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const echoed = new Promise((resolve, reject) => {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      if (f.type === 'error') {
        reject(new Error(`${frame.type} refused: ${f.payload.message}`));
      } else if (f.type === frame.type && f.sender === id) {
        resolve();
      }
    });
  });
  const send = (f) => ws.send(JSON.stringify({ v: 1, session, sender: id, ...f }));
  send({ type: 'session.join', payload: {
    participant: { id, name: id, type: 'human', roles: ['navigator'], transport: 'websocket',
                   capabilities: ['add_context'] },
    supported_versions: [1] } });
  send(frame);
  await Promise.race([echoed, sleep(10000).then(() => {
    throw new Error(`no echo of ${frame.type}`);
  })]);
  ws.close();
}

async function driverAndApprover(d) {
  const driver = await newPage(chrome.context);
  await signIn(driver, d.base, { name: 'Dana', role: 'driver' });
  const session = await sessionIdOf(driver);
  const approver = await newPage(chrome.context);
  await signIn(approver, d.base, { name: 'Arno', role: 'approver', session });
  // The agent auto-joins the new session; the driver's target list fills in.
  await waitFor('the agent as a target', () => driver.$eval('#target', (s) => s.options.length > 0));
  await waitFor('the approver in the driver\'s participant list',
                async () => (await driver.$eval('#participants', (n) => n.textContent))
                                .includes('Arno'));
  return { driver, approver, session };
}

async function sendPrompt(page, text) {
  await page.click('#prompt');
  await page.fill('#prompt', text);
  await page.keyboard.press('Control+Enter');
  await waitFor('the prompt box to clear', () => page.$eval('#prompt', (t) => t.value === ''));
}

const openGateCard = (page) => page.waitForSelector('.gate:not(.closed) button.approve',
                                                     { timeout: 15000 });

test('driver prompts, both see the stream, approver approves the gate, the result appears',
     async () => {
  await withDaemon({ name: 'web-approve' }, async (d) => {
    const { driver, approver } = await driverAndApprover(d);

    // A plain answer streams into both pages.
    await sendPrompt(driver, 'greet us please');
    for (const page of [driver, approver]) {
      await waitFor('the streamed answer', async () =>
        (await streamText(page)).includes('Hello from the scripted agent, streaming in small pieces.'));
      await waitFor('the thinking panel', async () =>
        (await page.$eval('#thinking', (n) => n.textContent)).includes('keeping it short'));
      assert.ok((await streamText(page)).includes('[Dana → Demo Agent]greet us please'));
    }
    await waitFor('the stream to finish',
                  () => driver.$$eval('#stream li.streaming', (l) => l.length === 0));
    await screenshot(driver, 'session-driver');

    // The gated shell call: both see it with the exact command and its digest.
    await sendPrompt(driver, 'approve-me now');
    const card = await openGateCard(approver);
    assert.ok(card);
    const gateText = await approver.$eval('.gate:not(.closed)', (n) => n.textContent);
    assert.match(gateText, /shell echo web-e2e-tool-ran/);
    assert.match(gateText, /digest sha256:[0-9a-f]{64}/);
    assert.match(gateText, /awaiting approval/);
    const digest = gateText.match(/digest sha256:([0-9a-f]{64})/)[1];
    await waitFor('the gate on the driver page', async () =>
      (await driver.$eval('#gates', (n) => n.textContent)).includes(digest));
    assert.equal(await approver.$eval('#gate-count', (n) => n.textContent), '1');
    await screenshot(approver, 'gate-open-approver');

    // The approver approves with a comment (and the digest, checked by the server).
    await approver.fill('.gate:not(.closed) input.vote-text', 'looks safe');
    await approver.click('.gate:not(.closed) button.approve');
    for (const page of [driver, approver]) {
      await waitFor('the tool result', async () =>
        (await streamText(page)).includes('web-e2e-tool-ran'));
      await waitFor('the follow-up answer', async () =>
        (await streamText(page)).includes('Check finished:'));
      await waitFor('the gate to close as executed', async () =>
        (await page.$eval('#gates', (n) => n.textContent)).includes('executed'));
    }
    const text = await streamText(driver);
    assert.match(text, /Arno approved shell: looks safe/);
    assert.equal(await driver.$eval('#gate-count', (n) => n.textContent), '0');
    assert.ok(await driver.$('li.tool-result.ok'), 'the result is shown as a success');
    await screenshot(driver, 'gate-approved-driver');

    // Phone-sized layout of the same session.
    const phone = await newPage(chrome.context, { viewport: { width: 390, height: 844 } });
    await signIn(phone, d.base, { name: 'Pia', role: 'observer', session: await sessionIdOf(driver) });
    // Streaming deltas are live-only (protocol.md), so a late joiner sees the recorded frames:
    // the prompts, the votes and the tool result.
    await waitFor('the replayed history on the phone', async () => {
      const t = await streamText(phone);
      return t.includes('approve-me now') && t.includes('web-e2e-tool-ran');
    });
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth -
                                                document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
    await screenshot(phone, 'session-phone');

    // A T.140 caption (context.add audio_transcript, as the t140 plugin sends it) from another
    // client shows with its speaker on both pages.
    const session = await sessionIdOf(driver);
    await sendAsClient(d, session, 'captioner', {
      type: 'context.add',
      payload: { key: 't140:caption-1', content_type: 'audio_transcript',
                 content: 'ship it on Monday', source: 't140', metadata: { speaker: 'Carol' } },
    });
    for (const page of [driver, approver]) {
      await waitFor('the transcript', async () =>
        (await page.$eval('#transcripts', (n) => n.textContent)) === 'Carol:ship it on Monday');
    }

    // Fork view: the driver forks, both see it, the driver switches to it.
    await driver.fill('#fork-name', 'experiment');
    await driver.click('#fork-create');
    for (const page of [driver, approver]) {
      await waitFor('the fork', async () =>
        (await page.$eval('#forks', (n) => n.textContent)).includes('experiment'))
          .catch(async (e) => {
            e.message += `\n--- stream ---\n${await streamText(page)}`;
            throw e;
          });
    }
    await driver.click('#forks button:has-text("experiment")');
    await waitFor('the switch', async () =>
      (await driver.$eval('#fork-current', (n) => n.textContent)) === 'on experiment');
    // ... proposes merging it back; the approver executes the merge.
    await driver.click('#forks button.merge-propose');
    await approver.waitForSelector('#forks button.merge-execute', { timeout: 10000 });
    await approver.click('#forks button.merge-execute');
    for (const page of [driver, approver]) {
      await waitFor('the merge', async () =>
        (await page.$eval('#forks', (n) => n.textContent)).includes(
            'merge experiment → main (append) ✓ merged'));
    }

    for (const page of [driver, approver, phone]) {
      assert.deepEqual(page.cspViolations, []);
      assert.ok(!page.consoleLog.some((l) => l.startsWith('pageerror')), page.consoleLog.join('\n'));
    }
  });
});

test('the approver rejects with a reason; the tool never runs and the agent is told why',
     async () => {
  await withDaemon({ name: 'web-reject', agentExtra: ['thinking_visibility: approvers_only'] },
                   async (d) => {
    const { driver, approver, session } = await driverAndApprover(d);
    const observer = await newPage(chrome.context);
    await signIn(observer, d.base, { name: 'Olga', role: 'observer', session });
    // Collaborative drafting: the approver sees the driver's draft live.
    await driver.click('#prompt');
    await driver.keyboard.type('reject-me please');
    await waitFor('the live draft', async () =>
      (await approver.$eval('#drafts', (n) => n.textContent)).includes(
          'Dana is drafting → Demo Agent: reject-me please'));
    await driver.keyboard.press('Control+Enter');
    await waitFor('the draft to go', async () =>
      (await approver.$eval('#drafts', (n) => n.textContent)) === '');
    await openGateCard(approver);
    assert.match(await approver.$eval('.gate:not(.closed)', (n) => n.textContent),
                 /shell echo web-e2e-must-not-run/);
    // Thinking visible to approvers only: the approver sees it, the observer never gets it.
    assert.match(await approver.$eval('#thinking', (n) => n.textContent), /asking the approvers/);
    assert.match(await approver.$eval('#thinking-who', (n) => n.textContent),
                 /visible to approvers_only/);
    await waitFor('the gate on the observer page', async () =>
      (await observer.$eval('#gates', (n) => n.textContent)).includes('web-e2e-must-not-run'));
    assert.equal(await observer.$eval('#thinking', (n) => n.textContent), '');
    assert.ok(!(await streamText(observer)).includes('asking the approvers'));
    assert.equal(await observer.$$eval('.gate .buttons:not(.hidden) button.approve',
                                       (b) => b.length),
                 0, 'an observer gets no vote buttons');
    assert.ok(await observer.$eval('#prompt', (t) => t.disabled), 'nor a prompt box');
    // Keyboard path, as in the TUI: `r`, a reason, Enter.
    await approver.click('#stream');
    await approver.keyboard.press('r');
    await approver.waitForSelector('#vote-dialog[open]');
    assert.match(await approver.$eval('#vote-action', (n) => n.textContent),
                 /echo web-e2e-must-not-run/);
    await approver.fill('#vote-text', 'not on a Friday');
    await approver.keyboard.press('Enter');
    for (const page of [driver, approver]) {
      // The agent's answer quotes the reason (it streams: wait for the whole of it).
      await waitFor('the refusal answer with the reason', async () => {
        const t = await streamText(page);
        const at = t.indexOf('Not running it:');
        return at >= 0 && t.indexOf('not on a Friday', at) > at;
      });
      await waitFor('the gate to close as rejected', async () =>
        (await page.$eval('#gates', (n) => n.textContent)).includes('rejected'));
    }
    const text = await streamText(driver);
    assert.match(text, /Arno rejected: not on a Friday/);
    assert.ok(!(await driver.$('li.tool-result')), 'no tool result: the tool never ran');
    assert.ok(!(await driver.$('li.tool-output')));
    await screenshot(driver, 'gate-rejected-driver');

    // Interrupt from the approver's keyboard (`i`, `2` = stop, message): the banner shows until
    // the agent acknowledges.
    await approver.click('#stream');
    await approver.keyboard.press('i');
    await approver.keyboard.press('2');
    await approver.waitForSelector('#vote-dialog[open]');
    await approver.fill('#vote-text', 'hold on');
    await approver.keyboard.press('Enter');
    for (const page of [driver, approver]) {
      await waitFor('the interrupt', async () =>
        (await streamText(page)).includes('INTERRUPT (stop) from Arno → Demo Agent: hold on'));
      await waitFor('the acknowledgement', async () =>
        (await streamText(page)).includes('Demo Agent acknowledged the interrupt: stopped'));
      await waitFor('the banner to go', () =>
        page.$eval('#interrupt-banner', (n) => n.classList.contains('hidden')));
    }
  });
});

test('after a daemon restart the page reconnects and resumes without duplicates', async () => {
  await withDaemon({ name: 'web-restart' }, async (d) => {
    const page = await newPage(chrome.context);
    await signIn(page, d.base, { name: 'Rita', role: 'driver' });
    await waitFor('the agent', () => page.$eval('#target', (s) => s.options.length > 0));
    await sendPrompt(page, 'greet before the restart');
    await waitFor('the first answer', async () =>
      (await streamText(page)).includes('Hello from the scripted agent'));
    const port = d.port;
    await d.stop();
    await waitFor('the reconnecting state', () =>
      page.$eval('#conn', (n) => n.dataset.state === 'reconnecting'));
    // Read once the daemon is gone: nothing can move the cursor any more.
    const seqBefore = await page.evaluate(() => window.pvpApp.conn.cursor);
    assert.ok(seqBefore > 0);
    assert.match(await streamText(page), /server shutting down/);
    await screenshot(page, 'reconnecting');
    await d.start(port);
    await waitFor('the reconnection', () =>
      page.$eval('#conn', (n) => n.dataset.state === 'connected'), 40000);
    await waitFor('the resume note', async () =>
      (await streamText(page)).includes(`reconnected; resumed after seq ${seqBefore}`));
    assert.match(await page.$eval('#status-extra', (n) => n.textContent),
                 new RegExp(`resumed @${seqBefore}`));

    await sendPrompt(page, 'greet after the restart');
    await waitFor('the second answer', async () =>
      (await page.$$eval('#stream li.response', (l) => l.filter(
          (x) => x.textContent.includes('Hello from the scripted agent')).length)) === 2);
    const prompts = await page.$$eval('#stream li.prompt', (l) => l.map((x) => x.textContent));
    assert.deepEqual(prompts, ['[Rita → Demo Agent]greet before the restart',
                               '[Rita → Demo Agent]greet after the restart'],
                     'nothing replayed twice');
    assert.ok(await page.evaluate(() => window.pvpApp.conn.cursor) > seqBefore);
    await screenshot(page, 'resumed');
  });
});

test('served with the strict CSP; no violations; inline script blocked; token never in a URL',
     async () => {
  const token = 'web-e2e-admin-token';
  const auth = ['mode: token', 'tokens:',
                `  - {sha256: "${sha256hex(token)}", admin: true, roles: [driver, approver],`,
                '     capabilities: [prompt, approve, interrupt, add_context]}'];
  await withDaemon({ name: 'web-csp', auth }, async (d) => {
    const r = await fetch(`${d.base}/`);
    assert.equal(r.status, 200);
    const csp = r.headers.get('content-security-policy') || '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'",
                             "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                             "form-action 'none'"]) {
      assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
    }
    assert.match(r.headers.get('content-type') || '', /text\/html/);
    const html = await r.text();
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'no inline script in index.html');
    assert.ok(!/\sstyle=/i.test(html), 'no inline style attribute');

    // A wrong token is refused and said so; no retry loop.
    const bad = await newPage(chrome.context);
    await bad.goto(`${d.base}/`);
    await bad.fill('#si-name', 'Mallory');
    await bad.fill('#si-token', 'wrong');
    await bad.click('#si-join');
    await waitFor('the refusal', () => bad.$eval('#conn', (n) => n.dataset.state === 'refused'));
    assert.match(await bad.$eval('#conn', (n) => n.textContent), /invalid token/);

    const page = await newPage(chrome.context);
    await signIn(page, d.base, { name: 'Ada', role: 'driver', token });
    assert.ok(!page.url().includes(token), `token not in the URL: ${page.url()}`);
    const wsUrls = await page.evaluate(() => performance.getEntriesByType('resource')
                                                 .map((e) => e.name));
    assert.ok(wsUrls.every((u) => !u.includes(token)));
    await waitFor('the agent', () => page.$eval('#target', (s) => s.options.length > 0));
    await sendPrompt(page, 'greet the admin');
    await waitFor('the answer', async () =>
      (await streamText(page)).includes('Hello from the scripted agent'))
        .catch(async (e) => {
          e.message += `\n--- stream ---\n${await streamText(page)}`;
          throw e;
        });
    assert.deepEqual(page.cspViolations, [], page.consoleLog.join('\n'));

    // The admin session list and the decision report use the bearer token.
    const session = await sessionIdOf(page);
    const list = await newPage(chrome.context);
    await list.goto(`${d.base}/`);
    await list.fill('#si-token', token);
    await list.click('#si-list');
    await list.waitForSelector(`#sessions-body button[data-session="${session}"]`,
                               { timeout: 10000 });
    await screenshot(list, 'session-list');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }),
                                          page.click('#export')]);
    const { readFileSync } = await import('node:fs');
    const md = readFileSync(await download.path(), 'utf8');
    assert.match(md, /greet the admin/);
    assert.ok(!md.includes(token));

    // The CSP is enforced: an inline script injected into the page does not run.
    const ran = await page.evaluate(() => new Promise((resolve) => {
      window.inlineRan = false;
      document.addEventListener('securitypolicyviolation', () => resolve('blocked'), { once: true });
      const s = document.createElement('script');
      s.textContent = 'window.inlineRan = true';
      document.body.append(s);
      setTimeout(() => resolve(window.inlineRan ? 'ran' : 'silent'), 2000);
    }));
    assert.equal(ran, 'blocked');
  });
});
