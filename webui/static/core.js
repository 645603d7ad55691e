'use strict';
// core.js: DOM and format helpers, the API client, translations, forms with
// per-field errors, and the router with the page shell (the live event
// stream is in live.js).

const $ = (sel, root) => (root || document).querySelector(sel);

// h builds an element: h('button', {class: 'pri', onclick: fn}, 'text', child...).
function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'for') el.htmlFor = v;
    else if (k in el && k !== 'list' && k !== 'type') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  add(el, kids);
  return el;
}
function add(el, ...kids) {
  for (const c of kids.flat(9)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}
function clear(el, ...kids) { el.replaceChildren(); return add(el, kids); }

// Translations: DICT comes from i18n.js.
let lang = 'en';
// t(key, a, b) fills {0}, {1}; t(key, {name: v}) fills {name}.
function t(key, ...args) {
  const s = (DICT[lang] && DICT[lang][key]) || DICT.en[key] || key;
  const named = args.length === 1 && args[0] && typeof args[0] === 'object' ? args[0] : null;
  return s.replace(/\{(\w+)\}/g, (m, k) => (named ? (named[k] ?? m) : /^\d$/.test(k) ? args[k] : m));
}
const hasKey = key => !!DICT.en[key];
function pickLang(serverLang) {
  let l = null;
  try { l = localStorage.getItem('ivrbox.lang'); } catch (e) { /* storage off */ }
  if (!l) l = serverLang || ((navigator.language || '').startsWith('zh') ? 'zh' : 'en');
  setLang(l === 'zh' ? 'zh' : 'en', false);
}
function setLang(l, remember) {
  lang = l;
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  if (remember) try { localStorage.setItem('ivrbox.lang', l); } catch (e) { /* storage off */ }
}
function langButton() {
  return h('button', {id: 'lang', class: 'lang', type: 'button', title: t('lang.switch'),
    onclick: () => { setLang(lang === 'zh' ? 'en' : 'zh', true); rerender(); }}, lang === 'zh' ? 'English' : '中文');
}

// Formatting.
const locale = () => (lang === 'zh' ? 'zh-CN' : 'en-GB');
function fmtTime(s) {
  if (!s) return '—';
  const d = new Date(s);
  return isNaN(d) ? s : d.toLocaleString(locale(), {dateStyle: 'short', timeStyle: 'medium'});
}
function fmtClock(s) {
  const d = new Date(s);
  return isNaN(d) ? '' : d.toLocaleTimeString(locale());
}
function fmtSecs(n) {
  n = Math.max(0, Math.round(n || 0));
  const d = Math.floor(n / 86400), hh = Math.floor(n % 86400 / 3600), m = Math.floor(n % 3600 / 60), s = n % 60;
  if (d) return t('fmt.dh', d, hh);
  if (hh) return t('fmt.hm', hh, m);
  if (m) return t('fmt.ms', m, s);
  return t('fmt.s', s);
}
function fmtBytes(n) {
  if (n == null) return '—';
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KB';
  if (n < 1073741824) return (n / 1048576).toFixed(n < 104857600 ? 1 : 0) + ' MB';
  return (n / 1073741824).toFixed(n < 107374182400 ? 1 : 0) + ' GB';
}
const since = s => fmtSecs((Date.now() - new Date(s)) / 1000);

// apiError is what api() throws: message, HTTP status, problems, Retry-After,
// and the stable code (with its params) the page translates.
class apiError extends Error {
  constructor(msg, status, problems, retry, code, params) {
    super(msg); this.status = status; this.problems = problems || []; this.retry = retry;
    this.code = code || ''; this.params = params || {};
  }
}
const errOf = (d, status, statusText, retry) => new apiError((d && d.error) || statusText || 'HTTP ' + status, status,
  d && d.problems, retry, d && d.code, d && d.params);
// codeText is the page's words for an API code, or '' when it has none.
const codeText = (code, params) => (code && hasKey('code.' + code) ? t('code.' + code, params || {}) : '');
// errText turns an error into a message for people, in the page's
// language; verb (save, delete, test, restore, upload, apply) says what was
// not done when the box listed problems.
function errText(e, verb) {
  if (!(e instanceof apiError)) return t('err.net');
  if (e.status === 429) return t('err.429', e.retry || 300);
  if (e.status === 422 || (e.problems && e.problems.length)) return t('err.fix.' + (verb || 'save'));
  const c = codeText(e.code, e.params);
  if (c) return c;
  const k = 'err.' + e.status;
  const known = hasKey(k) ? t(k) : '';
  // Without a translation of its code, the box's own (English) words are
  // all there is: shown after the status's text.
  return known && e.message && e.message !== DICT.en[k] ? known + ' (' + e.message + ')' : known || e.message;
}
// probText is one problem of a 422 in the page's language.
const probText = p => codeText(p.code, p.params) || p.problem;

// api calls the admin API; it throws apiError on an error status. A 401 on
// anything but login/setup/password means the session ended: back to login.
async function api(method, path, body, raw) {
  const opt = {method, credentials: 'same-origin', headers: {Accept: 'application/json'}};
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = raw ? body : JSON.stringify(body);
  }
  let r;
  try { r = await fetch('/api/admin/' + path, opt); } catch (e) { throw new Error('network'); }
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await r.json().catch(() => null) : null;
  if (!r.ok) {
    if (r.status === 401 && !/^(login|setup|password|session)$/.test(path)) sessionEnded();
    throw errOf(data, r.status, r.statusText, r.headers.get('Retry-After'));
  }
  return data;
}
const enc = name => name.split('/').map(encodeURIComponent).join('/');

function toast(msg) {
  let el = $('#toast');
  if (!el) document.body.append(el = h('div', {id: 'toast', class: 'toast', role: 'status'}));
  el.textContent = msg;
  el.classList.add('show');
  clearTimeout(el.timer);
  el.timer = setTimeout(() => el.classList.remove('show'), 2500);
}
// msgBox shows an error (or, with ok, a success) with its problem list.
// verb says what failed (see errText).
function msgBox(el, e, ok, verb) {
  if (!e) return clear(el);
  if (ok || typeof e === 'string') { el.className = ok ? 'msg ok' : 'msg'; return clear(el, e); }
  el.className = 'msg';
  const probs = (e.problems || []).map(p => h('li', {}, p.field ? fieldWords(p.field) + ': ' : '', probText(p)));
  return clear(el, errText(e, verb), probs.length ? h('ul', {}, probs) : null);
}
// fieldWords says an API field path in the user's words:
// ivrs[0].keys["1"].target → "IVR #1 › key 1 › target".
function fieldWords(path) {
  const out = [];
  for (const m of String(path).matchAll(/(\w+)|\[("?)([^\]"]*)\2\]/g)) {
    if (m[1]) { out.push(hasKey('path.' + m[1]) ? t('path.' + m[1]) : m[1]); continue; }
    const idx = m[2] ? m[3] : '#' + (Number(m[3]) + 1);
    if (out.length) out[out.length - 1] += ' ' + idx; else out.push(idx);
  }
  return out.join(' › ');
}

// Form keeps the fields of one form by API path, to show 422 problems next
// to them. field() builds a labelled field and registers it.
class Form {
  constructor(prefix) { this.fields = new Map(); this.prefix = prefix; }
  field(path, label, input, hint, wide) {
    const err = h('div', {class: 'err'});
    const id = 'f-' + path.replace(/[^a-z0-9]+/gi, '-');
    if (!input.id) input.id = id;
    const box = h('div', {class: 'field' + (wide ? ' wide' : '')},
      h('label', {for: input.id}, label), input, hint ? h('div', {class: 'hint'}, hint) : null, err);
    this.fields.set(path, {box, err});
    return box;
  }
  slot(path, box, err) { this.fields.set(path, {box, err}); }
  clear() {
    for (const f of this.fields.values()) { f.err.textContent = ''; f.box.classList.remove('invalid'); }
  }
  // show puts each problem next to its field (the nearest registered path)
  // and returns those that have no field.
  show(problems) {
    this.clear();
    const rest = [];
    let first = null;
    for (const p of problems || []) {
      let path = String(p.field || '');
      if (this.prefix) path = path.replace(this.prefix, '');
      let f = null;
      for (; path && !(f = this.fields.get(path)); path = parentPath(path));
      if (!f) { rest.push(p); continue; }
      f.err.textContent = (f.err.textContent ? f.err.textContent + '; ' : '') + probText(p);
      f.box.classList.add('invalid');
      first = first || f.box;
    }
    if (first) first.scrollIntoView({block: 'center'});
    return rest;
  }
  // check refuses, next to its field, every shown number input whose text
  // is not a number in its range (the browser keeps letters out of the
  // value, so they would be sent as an empty field); false if any is.
  check() {
    this.clear();
    const boxes = new Map([...this.fields.values()].map(f => [f.box, f]));
    let first = null;
    for (const f of this.fields.values()) {
      for (const input of f.box.querySelectorAll('input[type=number]')) {
        let el = input.parentElement;
        while (el && !boxes.has(el)) el = el.parentElement;
        const why = numProblem(input);
        if (boxes.get(el) !== f || !why || input.closest('[hidden]')) continue;
        f.err.textContent = (f.err.textContent ? f.err.textContent + '; ' : '') + why;
        f.box.classList.add('invalid');
        first = first || f.box;
      }
    }
    if (first) first.scrollIntoView({block: 'center'});
    return !first;
  }
}
// numProblem is what is wrong with a number input's text, or ''.
function numProblem(input) {
  const v = input.validity;
  if (v.badInput) return t('v.notNumber');
  if (v.valueMissing) return t('v.needNumber');
  if (v.stepMismatch) return t('v.whole');
  if (v.rangeUnderflow || v.rangeOverflow) return input.max !== '' ? t('v.range', input.min || 0, input.max) : t('v.min', input.min);
  return '';
}
// A number field shows its problem while it is typed (not when it loses
// focus: the message moving the page then would make a click miss Save).
document.addEventListener('input', e => {
  const input = e.target;
  if (!(input instanceof HTMLInputElement) || input.type !== 'number') return;
  const box = input.closest('.field, li, td');
  const err = box && box.querySelector('.err');
  if (!err) return;
  const why = numProblem(input);
  err.textContent = why;
  box.classList.toggle('invalid', !!why);
});
// parentPath drops the last step of an API field path: a.b[2] → a.b → a.
function parentPath(p) {
  const q = p.replace(/(\.[^.[\]]*|\[[^\]]*\])$/, '');
  return q === p ? '' : q;
}
const num = v => (v === '' || v == null ? 0 : Number(v));
// numInput is a whole-number field; req: it may not be left empty.
function numInput(value, min, max, ph, req) {
  return h('input', {type: 'number', min: min, max: max, step: 1, value: value == null ? '' : value, inputmode: 'numeric', placeholder: ph,
    required: !!req});
}
// confirmBtn is a button that asks "Sure?" on the first click and runs fn
// on a second click within 4 s (no browser dialogs).
function confirmBtn(label, fn, props) {
  const b = h('button', Object.assign({type: 'button', class: 'danger sm'}, props), label);
  let armed = 0;
  b.addEventListener('click', async () => {
    if (!armed) {
      b.textContent = b.dataset.sure || t('sure');
      armed = setTimeout(() => { armed = 0; b.textContent = label; }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = 0;
    b.disabled = true;
    try { await fn(); } finally { b.disabled = false; b.textContent = label; }
  });
  return b;
}
// thead makes a table head from translation keys; "key|cls" adds a class.
const thead = keys => h('thead', {}, h('tr', {}, keys.map(k => {
  const [key, cls] = k.split('|');
  return h('th', {class: cls}, key ? t(key) : '');
})));
// stacked marks a table whose rows become cards on a phone: each cell
// gets its column's name (data-label) and the table the class stack.
function stacked(table) {
  const names = [...table.querySelectorAll('thead th')].map(th => th.textContent);
  table.classList.add('stack');
  for (const tr of table.querySelectorAll('tbody tr')) {
    [...tr.cells].forEach((td, i) => { if (names[i] && td.colSpan === 1) td.dataset.label = names[i]; });
  }
  return table;
}
const emptyRow = (n, key) => h('tr', {}, h('td', {class: 'empty', colSpan: n}, t(key || 'none')));

// Router: #/page/arg. PAGES is filled by the page files.
const PAGES = {};
const NAV = ['dashboard', 'ivrs', 'prompts', 'disks', 'trunks', 'accounts', 'access', 'events', 'records', 'logs', 'system', 'diag'];
const S = {loggedIn: false, setup: false, cleanup: null};
function rerender() { S.rerendering = true; try { route(); } finally { S.rerendering = false; } }
function sessionEnded() {
  if (!S.loggedIn) return;
  S.loggedIn = false;
  S.diskProbe = null;
  cleanForm();
  stopLive();
  location.hash = '#/login';
}
function route() {
  if (!leaveOK()) return;
  if (S.cleanup) { try { S.cleanup(); } catch (e) { console.error(e); } S.cleanup = null; }
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const arg = rest.map(decodeURIComponent).join('/');
  const app = $('#app');
  document.title = 'ivrbox';
  if (S.setup || !S.loggedIn) {
    const page = S.setup ? 'setup' : 'login';
    if (name !== page) return location.replace('#/' + page);
    app.className = '';
    const c = PAGES[page](clear(app));
    S.cleanup = typeof c === 'function' ? c : null;
    return;
  }
  const page = PAGES[name] && !['setup', 'login'].includes(name) ? name : 'dashboard';
  if (page !== name) return location.replace('#/dashboard');
  const main = h('main', {id: 'main'});
  app.className = 'shell';
  clear(app, shell(page), main);
  liveDot();
  const c = PAGES[page](main, arg);
  S.cleanup = typeof c === 'function' ? c : null;
  window.scrollTo(0, 0);
}
function shell(cur) {
  const nav = h('nav', {id: 'nav', 'aria-label': t('nav.menu')}, NAV.map(p =>
    h('a', {href: '#/' + p, id: 'nav-' + p, class: p === cur ? 'cur' : null, hidden: p === 'disks' && !S.disks}, t('nav.' + p))));
  probeDisks();
  nav.addEventListener('click', e => { if (e.target.tagName === 'A') nav.classList.remove('open'); });
  const top = h('header', {class: 'top'},
    h('button', {id: 'menu-btn', type: 'button', 'aria-label': t('nav.menu'), 'aria-controls': 'nav',
      onclick: () => nav.classList.toggle('open')}, '☰'),
    h('span', {class: 'brand'}, h('img', {src: '/favicon.svg', alt: ''}), 'ivrbox'),
    h('span', {id: 'live-dot', class: 'dot'}), h('span', {class: 'grow'}), langButton(),
    h('button', {id: 'logout', type: 'button', onclick: logout}, t('nav.logout')));
  return [top, nav];
}
async function logout() {
  try { await api('POST', 'logout', {}); } catch (e) { /* gone anyway */ }
  S.loggedIn = false;
  cleanForm();
  liveLoggedOut();
  stopLive();
  location.hash = '#/login';
  route();
}
