// app.js -- the account page: /signin and / (docs/deploy.md, "The account
// page").  Two views, chosen by the path; every action is one API call, and
// an answer of 401 (the session ended: signed out here, ended elsewhere,
// expired) goes back to the sign-in form with the reason.
import { api, ApiError } from './api.js';
import { h, when, field, table } from './dom.js';

const view = document.getElementById('view');
const alertBox = document.getElementById('alert');
const statusBox = document.getElementById('status');
const nav = document.getElementById('nav');
const whoami = document.getElementById('whoami');

let me = null;		// the signed-in user {id, name, status}
let signedOutReason = '';

// Messages: errors go to the assertive region, news to the polite one.
function say(text) {
	alertBox.textContent = '';
	statusBox.textContent = text;
}
function fail(text) {
	statusBox.textContent = '';
	alertBox.textContent = text;
}
function clearMessages() {
	alertBox.textContent = '';
	statusBox.textContent = '';
}

function go(path, reason) {
	if (location.pathname !== path)
		history.pushState(null, '', path);
	signedOutReason = reason || '';
	render();
}

// Runs an action; a 401 means the session is gone, anything else is told.
// done: the news to tell on success (an action clears the old messages; a
// read, without done, leaves them).
async function act(fn, done) {
	if (done)
		clearMessages();
	try {
		const r = await fn();
		if (done)
			say(done);
		return r ?? true;
	} catch (e) {
		if (e instanceof ApiError && e.status === 401 && me) {
			me = null;
			go('/signin', 'Your session has ended. Please sign in again.');
		} else {
			fail(e.message ? `${e.message}` : 'Something went wrong.');
		}
		return undefined;
	}
}

// --- sign-in ---------------------------------------------------------------

function signinView() {
	nav.hidden = true;
	const err = h('p', { id: 'signin-error', class: 'error', hidden: true });
	const name = field('User name', { name: 'username', autocomplete: 'username', required: true, 'aria-describedby': 'signin-error' });
	const pw = field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'signin-error' });
	const submit = h('button', { type: 'submit' }, 'Sign in');
	const form = h('form', { id: 'signin', class: 'card narrow', novalidate: true },
	    h('h1', {}, 'Sign in'), err, name, pw, submit);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const user = form.username.value, pass = form.password.value;
		err.hidden = true;
		clearMessages();
		if (!user || !pass) {
			showError('Enter your user name and password.');
			return;
		}
		submit.disabled = true;
		try {
			await api.signin(user, pass);
			form.password.value = '';
			go('/');
		} catch (e) {
			form.password.value = '';
			// The API answers an inactive account as a wrong password
			// (no oracle for deactivated accounts' passwords): say both.
			if (e.status === 401)
				showError('Wrong user name or password, or the account is inactive (an operator can reactivate it).');
			else if (e.status === 429)
				showError(e.retryAfter ? `Too many failed attempts. Try again in ${wait(e.retryAfter)}.`
				    : 'Too many attempts. Try again later.');
			else
				showError(e.message || 'Sign-in failed.');
			form.password.focus();
		} finally {
			submit.disabled = false;
		}
	});
	function showError(text) {
		err.textContent = text;
		err.hidden = false;
		fail(text);
	}
	view.replaceChildren(form);
	if (signedOutReason)
		say(signedOutReason);
	form.username.focus();
}

function wait(s) {
	if (s < 60)
		return `${s} second${s === 1 ? '' : 's'}`;
	const m = Math.ceil(s / 60);
	return `${m} minute${m === 1 ? '' : 's'}`;
}

// --- the account -----------------------------------------------------------

async function accountView() {
	try {
		me = await api.me();
	} catch (e) {
		me = null;
		if (e.status === 401)
			go('/signin', signedOutReason);
		else
			fail(e.status === 403 ? 'This account is inactive.' : e.message);
		return;
	}
	nav.hidden = false;
	whoami.textContent = `Signed in as ${me.name}`;
	const operator = await act(() => api.isOperator());
	view.replaceChildren(
	    h('h1', {}, 'Your account'),
	    accountSection(),
	    passwordSection(),
	    h('section', { id: 'sessions', 'aria-labelledby': 'sessions-h' }, h('h2', { id: 'sessions-h' }, 'Sessions'), h('p', {}, 'Loading…')),
	    h('section', { id: 'tokens', 'aria-labelledby': 'tokens-h' }, h('h2', { id: 'tokens-h' }, 'API tokens'), h('p', {}, 'Loading…')),
	    ...(operator ? [h('section', { id: 'users', 'aria-labelledby': 'users-h' }, h('h2', { id: 'users-h' }, 'Users'), h('p', {}, 'Loading…'))] : []));
	await refreshSessions();
	await refreshTokens();
	if (operator)
		await refreshUsers();
}

function accountSection() {
	return h('section', { id: 'account', 'aria-labelledby': 'account-h' },
	    h('h2', { id: 'account-h' }, 'Account'),
	    h('dl', { class: 'facts' },
		h('dt', {}, 'User name'), h('dd', { id: 'account-name' }, me.name),
		h('dt', {}, 'ID'), h('dd', {}, h('code', {}, me.id)),
		h('dt', {}, 'Status'), h('dd', {}, me.status)));
}

function passwordSection() {
	const form = h('form', { id: 'password-form', class: 'card' },
	    field('Current password', { name: 'current', type: 'password', autocomplete: 'current-password', required: true }),
	    field('New password (at least 8 characters)', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
	    field('New password again', { name: 'again', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
	    h('button', { type: 'submit' }, 'Change password'));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const { current, password, again } = form;
		if (password.value !== again.value) {
			fail('The new passwords do not match.');
			again.focus();
			return;
		}
		const ok = await act(() => api.changePassword(me.name, current.value, password.value),
		    'Password changed. Your other sessions have ended.');
		form.reset();
		if (ok)
			await refreshSessions();
	});
	return h('section', { id: 'password', 'aria-labelledby': 'password-h' },
	    h('h2', { id: 'password-h' }, 'Change password'), form);
}

async function refreshSessions() {
	const r = await act(() => api.sessions());
	const sec = document.getElementById('sessions');
	if (!r || !sec)
		return;
	const others = r.sessions.filter((s) => !s.current).length;
	const rows = r.sessions.map((s) => h('tr', {},
	    h('td', {}, s.current ? h('strong', {}, 'This browser') : s.userAgent || 'Unknown'),
	    h('td', {}, s.remoteAddress || '—'),
	    h('td', {}, when(s.createdAt)),
	    h('td', {}, when(s.lastUsedAt)),
	    h('td', {}, when(s.expiresAt)),
	    h('td', {}, s.current ? '' : h('button', {
		type: 'button', class: 'danger',
		'aria-label': `End the session from ${s.remoteAddress || 'an unknown address'} (${s.userAgent || 'unknown agent'}) opened ${new Date(s.createdAt).toLocaleString()}`,
		onclick: async () => {
			if (await act(() => api.endSession(s.id), 'Session ended.'))
				await refreshSessions();
		},
	    }, 'End'))));
	sec.replaceChildren(h('h2', { id: 'sessions-h' }, 'Sessions'),
	    h('p', {}, 'Where you are signed in. Ending a session signs that browser out at its next request.'),
	    table('Your sessions', ['Browser', 'Address', 'Signed in', 'Last used', 'Expires', 'Action'], rows),
	    h('button', { type: 'button', id: 'end-others', class: 'danger', disabled: others === 0,
		onclick: async () => {
			if (await act(() => api.endOtherSessions(), 'All other sessions ended.'))
				await refreshSessions();
		} }, 'End all other sessions'));
}

// --- tokens ----------------------------------------------------------------

// The resource types of an org, for the token presets (InfluxDB's names).
const ORG_TYPES = ['authorizations', 'buckets', 'dashboards', 'orgs', 'sources', 'tasks',
    'telegrafs', 'variables', 'scrapers', 'secrets', 'labels', 'views', 'documents',
    'notificationRules', 'notificationEndpoints', 'checks', 'dbrp', 'notebooks',
    'annotations', 'remotes', 'replications'];
const PRESETS = {
	'read-buckets': ['Read buckets', (org) => [perm('read', 'buckets', org)]],
	'write-buckets': ['Read and write buckets', (org) => [perm('read', 'buckets', org), perm('write', 'buckets', org)]],
	'read-org': ['Read everything in the organization', (org) => ORG_TYPES.map((t) => perm('read', t, org))],
	'all-org': ['Read and write everything in the organization',
	    (org) => ORG_TYPES.flatMap((t) => [perm('read', t, org), perm('write', t, org)])],
};
function perm(action, type, org) {
	return { action, resource: type === 'orgs' ? { type, id: org } : { type, orgID: org } };
}
function permText(p) {
	const r = p.resource || {};
	let s = `${p.action}:`;
	if (r.orgID)
		s += `orgs/${r.org || r.orgID}/`;
	s += r.type;
	if (r.id)
		s += `/${r.name || r.id}`;
	return s;
}

async function refreshTokens() {
	const sec = document.getElementById('tokens');
	const r = await act(() => api.tokens(me.id));
	if (!r || !sec)
		return;
	const rows = r.authorizations.map((t) => {
		const label = t.description || t.id;
		return h('tr', {},
		    h('td', {}, t.description || h('em', {}, 'no description')),
		    h('td', {}, t.status),
		    h('td', {}, h('ul', { class: 'perms' }, t.permissions.map((p) => h('li', {}, h('code', {}, permText(p)))))),
		    h('td', {}, when(t.createdAt)),
		    h('td', {}, when(t.lastUsedAt)),
		    h('td', {}, when(t.expiresAt)),
		    h('td', { class: 'actions' },
			h('button', { type: 'button', 'aria-label': `${t.status === 'active' ? 'Deactivate' : 'Activate'} token ${label}`,
			    onclick: async () => {
				const next = t.status === 'active' ? 'inactive' : 'active';
				if (await act(() => api.setTokenStatus(t.id, next), `Token ${next === 'active' ? 'activated' : 'deactivated'}.`))
					await refreshTokens();
			    } }, t.status === 'active' ? 'Deactivate' : 'Activate'),
			h('button', { type: 'button', class: 'danger', 'aria-label': `Delete token ${label}`,
			    onclick: async () => {
				if (!confirm(`Delete the token "${label}"? Programs using it will stop working.`))
					return;
				if (await act(() => api.deleteToken(t.id), 'Token deleted.'))
					await refreshTokens();
			    } }, 'Delete')));
	});
	sec.replaceChildren(h('h2', { id: 'tokens-h' }, 'API tokens'),
	    rows.length ? table('Your tokens', ['Description', 'Status', 'Permissions', 'Created', 'Last used', 'Expires', 'Actions'], rows)
		: h('p', {}, 'You have no tokens.'),
	    await tokenForm());
}

async function tokenForm() {
	const orgs = (await act(() => api.orgs()))?.orgs || [];
	if (orgs.length === 0)
		return h('p', {}, 'You belong to no organization, so you cannot create a token.');
	const orgId = 'tok-org', accessId = 'tok-access';
	const shown = h('div', { id: 'new-token', class: 'card', hidden: true });
	const form = h('form', { id: 'token-form', class: 'card' },
	    h('h3', {}, 'Create a token'),
	    field('Description', { name: 'description', maxlength: 200 }),
	    h('div', { class: 'field' }, h('label', { for: orgId }, 'Organization'),
		h('select', { id: orgId, name: 'org' }, orgs.map((o) => h('option', { value: o.id }, o.name)))),
	    h('div', { class: 'field' }, h('label', { for: accessId }, 'Access'),
		h('select', { id: accessId, name: 'access' }, Object.entries(PRESETS).map(([k, [text]]) => h('option', { value: k }, text)))),
	    h('button', { type: 'submit' }, 'Create token'));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const org = form.org.value;
		const t = await act(() => api.createToken({ orgID: org, description: form.description.value,
		    permissions: PRESETS[form.access.value][1](org) }), 'Token created. Copy it now: it is shown only once.');
		if (!t)
			return;
		form.reset();
		showToken(shown, t.token);
		await refreshTokensKeeping(shown);
	});
	return h('div', {}, shown, form);
}

// Re-lists the tokens but keeps the just-created secret on screen until the
// person dismisses it; it is never stored anywhere.
async function refreshTokensKeeping(shown) {
	await refreshTokens();
	const fresh = document.getElementById('new-token');
	if (fresh && shown !== fresh) {
		fresh.replaceWith(shown);
		shown.querySelector('input')?.focus();
	}
}

function showToken(box, secret) {
	const input = h('input', { id: 'new-token-value', readonly: true, value: secret, autocomplete: 'off', spellcheck: 'false' });
	const copy = h('button', { type: 'button', id: 'copy-token', onclick: async () => {
		try {
			await navigator.clipboard.writeText(input.value);
			say('Token copied.');
		} catch (e) {
			input.select();
			say('Select the token and copy it (Ctrl+C).');
		}
	} }, 'Copy');
	const done = h('button', { type: 'button', onclick: () => {
		box.replaceChildren();
		box.hidden = true;
		document.getElementById('token-form')?.querySelector('input')?.focus();
	} }, 'Done');
	box.replaceChildren(h('h3', {}, 'Your new token'),
	    h('p', {}, 'Copy it now. It is shown only this once and cannot be read again.'),
	    h('div', { class: 'field' }, h('label', { for: 'new-token-value' }, 'Token'), input),
	    h('div', { class: 'row' }, copy, done));
	box.hidden = false;
	input.focus();
}

// --- users (operators) -----------------------------------------------------

let allUsers = [];

async function refreshUsers() {
	const sec = document.getElementById('users');
	const list = [];
	let next = '/api/v2/users?limit=100';
	// Every page, within reason: the search filters on the page.
	for (let i = 0; next && i < 50; i++) {
		const r = await act(() => api.users(next));
		if (!r)
			return;
		list.push(...r.users);
		next = r.links?.next;
	}
	allUsers = list;
	const search = field('Search users by name or ID', { id: 'user-search', type: 'search', name: 'q', autocomplete: 'off' });
	const results = h('div', { id: 'user-results' });
	search.querySelector('input').addEventListener('input', (ev) => showUsers(results, ev.target.value));
	sec.replaceChildren(h('h2', { id: 'users-h' }, 'Users'), newUserForm(), search, results,
	    h('div', { id: 'reset-box', class: 'card', hidden: true }));
	showUsers(results, '');
}

function showUsers(box, q) {
	const needle = q.trim().toLowerCase();
	const users = allUsers.filter((u) => !needle || u.name.toLowerCase().includes(needle) || u.id.includes(needle));
	const rows = users.map((u) => h('tr', {},
	    h('td', {}, u.name), h('td', {}, h('code', {}, u.id)), h('td', {}, u.status),
	    h('td', { class: 'actions' },
		h('button', { type: 'button', 'aria-label': `Reset password of ${u.name}`, onclick: () => resetForm(u) }, 'Reset password'),
		h('button', { type: 'button', 'aria-label': `${u.status === 'active' ? 'Deactivate' : 'Reactivate'} ${u.name}`,
		    onclick: async () => {
			const next = u.status === 'active' ? 'inactive' : 'active';
			if (await act(() => api.setUserStatus(u.id, next), `${u.name} ${next === 'active' ? 'reactivated' : 'deactivated'}.`))
				await refreshUsers();
		    } }, u.status === 'active' ? 'Deactivate' : 'Reactivate'),
		h('button', { type: 'button', 'aria-label': `End sessions of ${u.name}`,
		    onclick: () => act(() => api.endUserSessions(u.id), `Every session of ${u.name} ended.`) }, 'End sessions'),
		u.id === me.id ? null : h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${u.name}`,
		    onclick: async () => {
			if (!confirm(`Delete the user "${u.name}" with its tokens and sessions?`))
				return;
			if (await act(() => api.deleteUser(u.id), `${u.name} deleted.`))
				await refreshUsers();
		    } }, 'Delete'))));
	box.replaceChildren(rows.length ? table(`Users (${rows.length})`, ['Name', 'ID', 'Status', 'Actions'], rows)
	    : h('p', {}, 'No user matches.'));
}

function newUserForm() {
	const form = h('form', { id: 'user-form', class: 'card' },
	    h('h3', {}, 'Create a user'),
	    field('User name', { name: 'name', required: true, autocomplete: 'off' }),
	    field('Password (at least 8 characters, optional)', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8 }),
	    h('button', { type: 'submit' }, 'Create user'));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const name = form.name.value.trim(), pw = form.password.value;
		if (!name) {
			fail('Enter a user name.');
			form.name.focus();
			return;
		}
		const u = await act(() => api.createUser(name));
		if (!u)
			return;
		if (pw && !(await act(() => api.setPassword(u.id, pw))))
			return;
		form.reset();
		await refreshUsers();
		say(`User ${u.name} created.`);
	});
	return form;
}

function resetForm(u) {
	const box = document.getElementById('reset-box');
	const form = h('form', { id: 'reset-form' },
	    h('h3', {}, `Reset the password of ${u.name}`),
	    field('New password (at least 8 characters)', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
	    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Set password'),
		h('button', { type: 'button', onclick: () => { box.hidden = true; box.replaceChildren(); } }, 'Cancel')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (await act(() => api.setPassword(u.id, form.password.value), `Password of ${u.name} set. Their sessions have ended.`)) {
			box.hidden = true;
			box.replaceChildren();
		}
	});
	box.replaceChildren(form);
	box.hidden = false;
	form.password.focus();
}

// --- the frame -------------------------------------------------------------

document.getElementById('signout').addEventListener('click', async () => {
	await act(() => api.signout());
	me = null;
	go('/signin', 'You are signed out.');
});

function render() {
	if (location.pathname === '/signin')
		signinView();
	else
		accountView();
}

window.addEventListener('popstate', () => render());
render();
