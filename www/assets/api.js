// api.js -- the usersd API as the page uses it.  The session cookie
// (HttpOnly, SameSite=Strict, Path=/api/) does the authenticating: the page
// never sees it and keeps no token or secret anywhere.  Writes send JSON
// from this origin, which is what src/csrf.c asks of a cookie write.

export class ApiError extends Error {
	constructor(status, code, message, retryAfter) {
		super(message);
		this.status = status;
		this.code = code;
		this.retryAfter = retryAfter;
	}
}

// Basic credentials of name and password, UTF-8 encoded.
function basic(name, password) {
	const bytes = new TextEncoder().encode(`${name}:${password}`);
	let bin = '';
	for (const b of bytes)
		bin += String.fromCharCode(b);
	return 'Basic ' + btoa(bin);
}

// One request: the parsed JSON body (or null), or an ApiError.
export async function call(method, path, { body, auth } = {}) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	if (auth)
		headers.Authorization = basic(auth.name, auth.password);
	let res;
	try {
		res = await fetch(path, {
			method, headers, credentials: 'same-origin', cache: 'no-store',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (e) {
		throw new ApiError(0, 'unavailable', 'The server cannot be reached.');
	}
	const text = await res.text();
	let json = null;
	if (text) {
		try { json = JSON.parse(text); } catch (e) { json = null; }
	}
	if (!res.ok) {
		const ra = parseInt(res.headers.get('Retry-After') || '', 10);
		throw new ApiError(res.status, json?.code || 'error',
		    json?.message || `HTTP ${res.status}`,
		    Number.isFinite(ra) ? ra : undefined);
	}
	return json;
}

export const api = {
	signin: (name, password) => call('POST', '/api/v2/signin', { auth: { name, password } }),
	signout: () => call('POST', '/api/v2/signout'),
	me: () => call('GET', '/api/v2/me'),
	changePassword: (name, current, password) =>
	    call('PUT', '/api/v2/me/password', { auth: { name, password: current }, body: { password } }),
	sessions: () => call('GET', '/api/v2/me/sessions'),
	endSession: (id) => call('DELETE', `/api/v2/me/sessions/${encodeURIComponent(id)}`),
	endOtherSessions: () => call('DELETE', '/api/v2/me/sessions'),
	tokens: (userID) => call('GET', `/api/v2/authorizations?userID=${encodeURIComponent(userID)}`),
	createToken: (t) => call('POST', '/api/v2/authorizations', { body: t }),
	setTokenStatus: (id, status) => call('PATCH', `/api/v2/authorizations/${encodeURIComponent(id)}`, { body: { status } }),
	deleteToken: (id) => call('DELETE', `/api/v2/authorizations/${encodeURIComponent(id)}`),
	orgs: () => call('GET', '/api/v2/orgs?limit=100'),
	users: (path) => call('GET', path || '/api/v2/users?limit=100'),
	createUser: (name) => call('POST', '/api/v2/users', { body: { name } }),
	setPassword: (id, password) => call('POST', `/api/v2/users/${encodeURIComponent(id)}/password`, { body: { password } }),
	setUserStatus: (id, status) => call('PATCH', `/api/v2/users/${encodeURIComponent(id)}`, { body: { status } }),
	deleteUser: (id) => call('DELETE', `/api/v2/users/${encodeURIComponent(id)}`),
	endUserSessions: (id) => call('DELETE', `/api/v2/users/${encodeURIComponent(id)}/sessions`),
	// Whether the caller may read every user: a name no user can have
	// (a line separator, U+2028) is then 404, else an empty list
	// (docs/permissions.md, "Lists").
	isOperator: async () => {
		try {
			await call('GET', '/api/v2/users?name=%E2%80%A8');
			return false;
		} catch (e) {
			if (e.status === 404)
				return true;
			throw e;
		}
	},
};
