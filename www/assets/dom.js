// dom.js -- building the page from data without ever parsing it as markup:
// text goes in as text nodes, attributes one by one (the CSP allows no
// inline script or style, and nothing here needs them).

// h('button', {type: 'button', onclick: f}, 'End') -> the element.
export function h(tag, attrs = {}, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith('on'))
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (v === true)
			el.setAttribute(k, '');
		else
			el.setAttribute(k, String(v));
	}
	for (const c of children.flat()) {
		if (c === undefined || c === null || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

// A time as the reader's locale shows it, in a <time> carrying the value.
export function when(iso) {
	if (!iso)
		return '—';
	const d = new Date(iso);
	return h('time', { datetime: iso }, isNaN(d) ? iso : d.toLocaleString());
}

// A labelled input: {label, name, type, ...attrs} -> the field's wrapper.
let fieldSeq = 0;
export function field(label, attrs) {
	const id = attrs.id || `f${++fieldSeq}`;
	return h('div', { class: 'field' },
	    h('label', { for: id }, label),
	    h('input', { id, ...attrs }));
}

// A table in a region that scrolls sideways on a narrow screen (focusable,
// so the keyboard can scroll it too).
export function table(caption, heads, rows) {
	return h('div', { class: 'scroll', role: 'region', 'aria-label': caption, tabindex: 0 },
	    h('table', {},
		h('caption', {}, caption),
		h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t)))),
		h('tbody', {}, rows)));
}
