// page.mjs -- the account page (www/) in a real headless Chromium, through
// a web server from deploy/: every flow end to end, checked on the page and
// then through the API; a session ended in one browser context is signed
// out in the other; no console error and no CSP violation; axe-core finds
// no violation; a page of another origin in the same browser writes
// nothing; screenshots at desktop and phone width.  Prints one TAP-like
// line per check ("ok - NAME" / "not ok - NAME: detail") for
// tests/integration/t0600-page.t, and exits 1 if any check failed.
//
// Environment: PAGE_URL (http://127.0.0.1:PORT), PAGE_TOKEN (the operator
// token, for checking through the API), PAGE_ADMIN_PW, PAGE_ORG_ID,
// PAGE_SHOTS (a directory for the screenshots), PAGE_KIND (a name for them).
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const URL0 = process.env.PAGE_URL;
const TOKEN = process.env.PAGE_TOKEN;
const ADMIN_PW = process.env.PAGE_ADMIN_PW;
const ORG = process.env.PAGE_ORG_ID;
const SHOTS = process.env.PAGE_SHOTS;
const KIND = process.env.PAGE_KIND || 'server';
const DESKTOP = { width: 1280, height: 900 };
// (isMobile would make puppeteer reload the page: the width is what counts.)
const PHONE = { width: 390, height: 844 };

let failed = 0;
function check(name, cond, detail = '') {
	if (cond)
		console.log(`ok - ${KIND}: ${name}`);
	else {
		failed++;
		console.log(`not ok - ${KIND}: ${name}: ${detail}`);
	}
}

// The API as the operator token sees it (for "what the API then says").
async function api(method, path, body, auth = `Token ${TOKEN}`) {
	const r = await fetch(URL0 + path, { method, headers: { Authorization: auth,
	    ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
	const text = await r.text();
	return { status: r.status, json: text ? JSON.parse(text) : null };
}
const basic = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
const signinStatus = async (u, p) => (await api('POST', '/api/v2/signin', undefined, basic(u, p))).status;
async function userId(name) {
	const r = await api('GET', `/api/v2/users?name=${encodeURIComponent(name)}`);
	return r.json?.users?.[0]?.id;
}

const browser = await puppeteer.launch({
	executablePath: '/usr/bin/chromium',
	headless: true,
	userDataDir: fs.mkdtempSync('/tmp/usersd-chromium-'),
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// Every page is watched: console errors (but the network lines for the API
// answers the flows expect: 401, 403, 404, 429), page errors and CSP
// violations count against it.
const problems = [];
async function watch(page, label) {
	await page.evaluateOnNewDocument(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
		});
	});
	page.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		const t = m.text();
		if (/^Failed to load resource: the server responded with a status of (401|403|404|429)/.test(t)
		    && /\/api\/v2\//.test(m.location()?.url || ''))
			return;
		problems.push(`${label}: console: ${t} (${m.location()?.url || ''})`);
	});
	page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
	page.on('dialog', (d) => d.accept());
	return page;
}

async function newContext(label) {
	const ctx = await browser.createBrowserContext();
	await ctx.overridePermissions(URL0, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
	const page = await watch(await ctx.newPage(), label);
	await page.setViewport(DESKTOP);
	return { ctx, page };
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => '');
const visible = (page, sel) => page.$eval(sel, (e) => !e.closest('[hidden]') && e.offsetParent !== null).catch(() => false);
async function waitText(page, sel, re, ms = 5000) {
	try {
		await page.waitForFunction((s, src) => {
			const e = document.querySelector(s);
			return e && new RegExp(src).test(e.textContent);
		}, { timeout: ms }, sel, re.source);
		return true;
	} catch (e) {
		return false;
	}
}

async function axe(page, name) {
	await page.evaluate(AXE);
	const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
	check(`axe: no violation on ${name}`, r.violations.length === 0,
	    r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; '));
}

async function shoot(page, name) {
	for (const [w, vp] of [['desktop', DESKTOP], ['phone', PHONE]]) {
		await page.setViewport(vp);
		await new Promise((r) => setTimeout(r, 150));
		await page.screenshot({ path: `${SHOTS}/${KIND}-${name}-${w}.png`, fullPage: true });
	}
	// At phone width nothing may stick out sideways (the tables scroll in
	// their own region).
	await page.setViewport(PHONE);
	const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	check(`${name}: fits a phone's width`, wide <= 1, `${wide}px too wide`);
	await page.setViewport(DESKTOP);
}

// Clicks sel once it is there; a list re-rendered under the pointer is
// looked up again.
async function press(page, sel) {
	for (let i = 0; ; i++) {
		try {
			await page.waitForSelector(sel, { timeout: 5000 });
			await page.click(sel);
			return;
		} catch (e) {
			if (i >= 20 || !/detached|No element/.test(e.message))
				throw e;
			await new Promise((r) => setTimeout(r, 100));
		}
	}
}

async function signin(page, user, pw) {
	await page.goto(`${URL0}/signin`, { waitUntil: 'networkidle0' });
	await page.type('#signin input[name=username]', user);
	await page.type('#signin input[name=password]', pw);
	await page.keyboard.press('Enter');
}

// --- the flows ---------------------------------------------------------------

// Fixture through the API: alice owns an org (so she may make tokens),
// ina is inactive, thr gets throttled.
const alice = (await api('POST', '/api/v2/users', { name: 'alice' })).json.id;
await api('POST', `/api/v2/users/${alice}/password`, { password: 'alice-pass-1' });
await api('POST', `/api/v2/orgs/${ORG}/owners`, { id: alice });
const ina = (await api('POST', '/api/v2/users', { name: 'ina' })).json.id;
await api('POST', `/api/v2/users/${ina}/password`, { password: 'ina-pass-12' });
await api('PATCH', `/api/v2/users/${ina}`, { status: 'inactive' });
const thr = (await api('POST', '/api/v2/users', { name: 'thr' })).json.id;
await api('POST', `/api/v2/users/${thr}/password`, { password: 'thr-pass-12' });

const A = await newContext('alice');
let p = A.page;

// / without a session shows the sign-in form at /signin.
await p.goto(`${URL0}/`, { waitUntil: 'networkidle0' });
check('/ without a session goes to /signin', await waitText(p, 'h1', /Sign in/) && new URL(p.url()).pathname === '/signin', p.url());
check('the user name field has the focus', await p.evaluate(() => document.activeElement?.name === 'username'));
await axe(p, 'the sign-in form');
await shoot(p, 'signin');

// Why not: wrong password, inactive, throttled with the wait.
await signin(p, 'alice', 'not-her-password');
check('a wrong password is told', await waitText(p, '#alert', /Wrong user name or password/), await text(p, '#alert'));
await axe(p, 'the sign-in form with an error');
await shoot(p, 'signin-error');
await signin(p, 'ina', 'ina-pass-12');
// The same answer as a wrong password (issue 25: no oracle), naming both.
check('an inactive account is told', await waitText(p, '#alert', /or the account is inactive/), await text(p, '#alert'));
let throttled = false;
for (let i = 0; i < 8 && !throttled; i++) {
	await signin(p, 'thr', 'wrong-password');
	await waitText(p, '#alert', /./);
	throttled = /Too many failed attempts\. Try again in \d+ (second|minute)/.test(await text(p, '#alert'));
}
check('throttling is told with the wait', throttled, await text(p, '#alert'));

// Sign in: the account.
await signin(p, 'alice', 'alice-pass-1');
check('signing in shows the account', await waitText(p, '#account-name', /^alice$/), await text(p, 'h1'));
check('at /', new URL(p.url()).pathname === '/', p.url());
await p.waitForSelector('#sessions table');
await p.waitForSelector('#token-form');
await axe(p, 'the account');
await shoot(p, 'account');
check('the page stored nothing', await p.evaluate(() => localStorage.length + sessionStorage.length === 0
    && document.cookie === ''), 'storage or a readable cookie');

// Two more browsers of alice's; the first sees three sessions.
const B = await newContext('alice-2');
await signin(B.page, 'alice', 'alice-pass-1');
await B.page.waitForSelector('#token-form');
const C = await newContext('alice-3');
await signin(C.page, 'alice', 'alice-pass-1');
await C.page.waitForSelector('#account-name');
await p.reload({ waitUntil: 'networkidle0' });
await p.waitForSelector('#sessions tbody tr');
check('three sessions listed', (await p.$$('#sessions tbody tr')).length === 3);
check('one is this browser', /This browser/.test(await text(p, '#sessions tbody')));

// End B's session from A (the row whose agent is not current: the newest
// other one is C, so pick B's by its sign-in time order: end all buttons
// are tested next).  The API then lists two, and B is signed out at its
// next action.
const sessions = (await api('GET', `/api/v2/users/${alice}/sessions`)).json.sessions;
const bId = sessions.filter((s) => !s.current).sort((x, y) => x.createdAt.localeCompare(y.createdAt))[1].id;
const endButtons = await p.$$('#sessions tbody button');
check('an End button per other session', endButtons.length === 2);
// The rows are newest first: C, B, A (current, no button) -- B's is the second.
await endButtons[1].focus();
await p.keyboard.press('Enter');
check('ending a session is told', await waitText(p, '#status', /Session ended/), await text(p, '#alert'));
let now = (await api('GET', `/api/v2/users/${alice}/sessions`)).json.sessions;
check('the API lists two sessions', now.length === 2, JSON.stringify(now));
check('and B\'s is the one ended', !now.some((s) => s.id === bId), `${bId} still listed`);
await B.page.type('#token-form input[name=description]', 'from B');
await B.page.click('#token-form button[type=submit]');
check('the ended browser is signed out at its next action',
    await waitText(B.page, '#status', /session has ended/) && new URL(B.page.url()).pathname === '/signin',
    `${B.page.url()} ${await text(B.page, '#alert')}`);

// End all others: C goes.
await p.click('#end-others');
check('ending the others is told', await waitText(p, '#status', /All other sessions ended/), await text(p, '#alert'));
now = (await api('GET', `/api/v2/users/${alice}/sessions`)).json.sessions;
check('the API lists one session', now.length === 1, JSON.stringify(now));
await C.page.reload({ waitUntil: 'networkidle0' });
check('the third browser is signed out too', new URL(C.page.url()).pathname === '/signin', C.page.url());

// Tokens: create (shown once, copied), deactivate, delete.
await p.type('#token-form input[name=description]', 'page token');
await p.select('#token-form select[name=access]', 'write-buckets');
await p.click('#token-form button[type=submit]');
await p.waitForSelector('#new-token-value');
const secret = await p.$eval('#new-token-value', (e) => e.value);
check('the new token is shown', secret.length > 20);
await axe(p, 'the new token');
await shoot(p, 'token-created');
await p.click('#copy-token');
check('copy is told', await waitText(p, '#status', /copied|copy it/i), await text(p, '#status'));
const clip = await p.evaluate(() => navigator.clipboard.readText().catch(() => null));
check('the clipboard holds the token', clip === null || clip === secret, 'another value');
check('the token works', (await api('GET', '/api/v2/me', undefined, `Token ${secret}`)).status === 200);
let toks = (await api('GET', `/api/v2/authorizations?userID=${alice}`)).json.authorizations;
const tok = toks.find((t) => t.description === 'page token');
check('the API lists the token with its permissions', tok && tok.permissions.length === 2, JSON.stringify(toks));
check('the list shows it', /page token/.test(await text(p, '#tokens table')));
check('the secret is nowhere in storage', await p.evaluate((s) => !JSON.stringify({ ...localStorage, ...sessionStorage }).includes(s), secret));
await press(p, `#tokens button[aria-label="Deactivate token page token"]`);
await waitText(p, '#status', /deactivated/);
toks = (await api('GET', `/api/v2/authorizations/${tok.id}`)).json;
check('deactivated in the API', toks.status === 'inactive', toks.status);
await press(p, `#tokens button[aria-label="Delete token page token"]`);
await waitText(p, '#status', /deleted/);
check('deleted in the API', (await api('GET', `/api/v2/authorizations/${tok.id}`)).status === 404);

// Change the password (the keyboard only).
await p.focus('#password-form input[name=current]');
await p.keyboard.type('alice-pass-1');
await p.keyboard.press('Tab');
await p.keyboard.type('alice-pass-2');
await p.keyboard.press('Tab');
await p.keyboard.type('alice-pass-2');
await p.keyboard.press('Tab');
await p.keyboard.press('Enter');
check('the password change is told', await waitText(p, '#status', /Password changed/), await text(p, '#alert'));
check('the new password signs in', await signinStatus('alice', 'alice-pass-2') === 204);
check('the old one does not', await signinStatus('alice', 'alice-pass-1') === 401);

// --- cross-site: a page of another origin (another port), in the same
// browser as signed-in alice, tries every write the account page can do.
const before = JSON.stringify([
	(await api('GET', `/api/v2/users/${alice}/sessions`)).json.sessions.map((s) => s.id).sort(),
	(await api('GET', `/api/v2/authorizations?userID=${alice}`)).json.authorizations.map((t) => `${t.id}:${t.status}`).sort(),
	(await api('GET', '/api/v2/users?limit=100')).json.users.map((u) => `${u.id}:${u.status}`).sort(),
]);
const evil = http.createServer((req, res) => {
	res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
	res.end(`<!doctype html><title>evil</title>
<iframe id="framed" src="${URL0}/"></iframe>
<iframe name="sink"></iframe>
<form id="f1" method="POST" action="${URL0}/api/v2/signout" target="sink"></form>
<form id="f2" method="POST" action="${URL0}/api/v2/users" enctype="text/plain" target="sink"><input name='{"name":"evil","x":"' value='"}'></form>
<script>
const B = ${JSON.stringify(URL0)};
const tries = [];
const go = (m, p, o) => tries.push(fetch(B + p, { method: m, ...o }).then((r) => m + ' ' + p + ' ' + r.status, (e) => m + ' ' + p + ' blocked'));
for (const cred of ['include', 'omit']) {
	const j = { credentials: cred, headers: { 'Content-Type': 'application/json' } };
	const t = { credentials: cred, mode: 'no-cors', headers: { 'Content-Type': 'text/plain' } };
	for (const o of [j, t]) {
		go('DELETE', '/api/v2/me/sessions', o);
		go('POST', '/api/v2/signout', o);
		go('PUT', '/api/v2/me/password', { ...o, body: '{"password":"evil-pass-1"}' });
		go('POST', '/api/v2/authorizations', { ...o, body: JSON.stringify({ orgID: ${JSON.stringify(ORG)}, permissions: [] }) });
		go('POST', '/api/v2/users', { ...o, body: '{"name":"evil"}' });
		go('PATCH', '/api/v2/users/${alice}', { ...o, body: '{"status":"inactive"}' });
		go('DELETE', '/api/v2/users/${alice}/sessions', o);
	}
}
document.getElementById('f1').submit();
setTimeout(() => document.getElementById('f2').submit(), 300);
Promise.all(tries).then((r) => { window.results = r; });
</script>`);
});
await new Promise((r) => evil.listen(0, '127.0.0.1', r));
const evilURL = `http://127.0.0.1:${evil.address().port}/`;
const E = await A.ctx.newPage();
E.on('dialog', (d) => d.dismiss());
await E.goto(evilURL, { waitUntil: 'networkidle0' });
await E.waitForFunction(() => window.results, { timeout: 10000 }).catch(() => {});
await new Promise((r) => setTimeout(r, 800));
const framed = E.frames().find((f) => f !== E.mainFrame() && f.name() !== 'sink');
const framedURL = framed ? framed.url() : '';
check('the page is not shown in another site\'s frame', !framedURL.startsWith(URL0) ||
    !(await framed.evaluate(() => document.title).catch(() => '')), framedURL);
const after = JSON.stringify([
	(await api('GET', `/api/v2/users/${alice}/sessions`)).json.sessions.map((s) => s.id).sort(),
	(await api('GET', `/api/v2/authorizations?userID=${alice}`)).json.authorizations.map((t) => `${t.id}:${t.status}`).sort(),
	(await api('GET', '/api/v2/users?limit=100')).json.users.map((u) => `${u.id}:${u.status}`).sort(),
]);
check('another origin changed nothing', before === after, `${before}\n${after}`);
check('alice is still signed in', (await p.evaluate(() => fetch('/api/v2/me').then((r) => r.status))) === 200);
check('and her password is hers', await signinStatus('alice', 'alice-pass-2') === 204);
await E.close();
evil.close();

// Sign out: the page and the API agree.
await p.reload({ waitUntil: 'networkidle0' });
await p.click('#signout');
check('signing out shows the form', await waitText(p, '#status', /signed out/) && new URL(p.url()).pathname === '/signin');
check('the API refuses the old cookie', (await p.evaluate(() => fetch('/api/v2/me').then((r) => r.status))) === 401);

// --- the operator --------------------------------------------------------------
const O = await newContext('operator');
p = O.page;
await signin(p, 'admin', ADMIN_PW);
await p.waitForSelector('#users table');
await axe(p, 'the operator\'s account');
await shoot(p, 'operator');
await p.type('#user-form input[name=name]', 'carol');
await p.type('#user-form input[name=password]', 'carol-pass-1');
await p.click('#user-form button[type=submit]');
check('creating a user is told', await waitText(p, '#status', /User carol created/), await text(p, '#alert'));
const carol = await userId('carol');
check('the API has carol', !!carol);
check('with her password', await signinStatus('carol', 'carol-pass-1') === 204);
await p.type('#user-search', 'caro');
check('search finds her alone', await waitText(p, '#user-results caption', /Users \(1\)/) && /carol/.test(await text(p, '#user-results tbody')),
    await text(p, '#user-results'));
await press(p, '#user-results button[aria-label="Reset password of carol"]');
await p.waitForSelector('#reset-form');
check('the reset form has the focus', await p.evaluate(() => document.activeElement?.name === 'password'));
await p.keyboard.type('carol-pass-2');
await p.keyboard.press('Enter');
check('the reset is told', await waitText(p, '#status', /Password of carol set/), await text(p, '#alert'));
check('the new password works', await signinStatus('carol', 'carol-pass-2') === 204);
await press(p, '#user-results button[aria-label="Deactivate carol"]');
await waitText(p, '#status', /deactivated/);
check('deactivated in the API', (await api('GET', `/api/v2/users/${carol}`)).json.status === 'inactive');
await p.type('#user-search', '');
await press(p, '#user-results button[aria-label="Reactivate carol"]');
await waitText(p, '#status', /reactivated/);
check('reactivated in the API', (await api('GET', `/api/v2/users/${carol}`)).json.status === 'active');
await press(p, '#user-results button[aria-label="Delete carol"]');
await waitText(p, '#status', /carol deleted/);
check('deleted in the API', (await api('GET', `/api/v2/users/${carol}`)).status === 404);

// Every button and field is reachable by the keyboard, and shows its focus
// (counted once the lists the last actions refresh have settled).
await p.waitForNetworkIdle({ idleTime: 500, timeout: 10000 });
const tabStops = await p.evaluate(() => document.querySelectorAll('button:not([disabled]), input, select, [tabindex="0"]').length);
const seen = new Set();
let outlined = 0;
await p.focus('body');
for (let i = 0; i < tabStops + 5; i++) {
	await p.keyboard.press('Tab');
	const info = await p.evaluate(() => {
		const e = document.activeElement;
		const s = getComputedStyle(e);
		return { key: e.id || e.getAttribute('aria-label') || e.name || e.textContent.slice(0, 30) + e.tagName,
		    ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
	});
	seen.add(info.key);
	outlined += info.ring ? 1 : 0;
}
check('the keyboard reaches every control', seen.size >= tabStops - 1, `${seen.size} of ${tabStops}`);
check('focus is visible at every stop', outlined >= tabStops - 1, `${outlined} outlined`);

for (const m of problems)
	check('no console error or CSP violation', false, m);
check('no console error or CSP violation on any page', problems.length === 0, `${problems.length}`);

await browser.close();
process.exit(failed ? 1 : 0);
