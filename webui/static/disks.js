'use strict';
// disks.js: network disks (SMB shares seen as /tmp/media/networkdiskN in
// prompt names): the list with each disk's state, the add/edit form with
// Test, mount, unmount, cache warming, delete, and a file browser with
// listening. The menu entry shows only when the box answers GET disks.

const AUDIO_EXT = /\.(wav|mp3|ulaw|alaw|ul|al|sln)$/i;
const diskPrefix = n => '/tmp/media/networkdisk' + n + '/';
const diskAudio = (n, path) => '/api/admin/disks/' + encodeURIComponent(n) + '/files/' + enc(path) + '/audio';

// showDisks shows or hides the menu entry.
function showDisks(on) {
  S.disks = on;
  const a = $('#nav-disks');
  if (a) a.hidden = !on;
}
// noDisks: the answer of a box without network disks (old firmware: 404).
const noDisks = e => [404, 405, 501].includes(e.status);
// probeDisks asks once per session whether the box has network disks.
function probeDisks() {
  if (S.diskProbe) return;
  S.diskProbe = api('GET', 'disks').then(() => showDisks(true), e => {
    if (noDisks(e)) showDisks(false); else S.diskProbe = null;
  });
}

// netErrText says a network or SMB error in the page's language where it
// is a common one; in English the box's own words follow in brackets.
function netErrText(raw) {
  if (!raw) return '';
  const known = [[/connection refused/i, 'net.refused'], [/i\/o timeout|timed? ?out|deadline/i, 'net.timeout'],
    [/no such host|lookup/i, 'net.dns'], [/LOGON_FAILURE|logon failure|access denied|ACCESS_DENIED/i, 'net.logon'],
    [/BAD_NETWORK_NAME|bad network name/i, 'net.share'], [/OBJECT_NAME_NOT_FOUND|OBJECT_PATH_NOT_FOUND|no such file/i, 'net.folder'],
    [/network is unreachable|no route to host/i, 'net.unreachable']].find(([re]) => re.test(raw));
  if (!known) return raw;
  return lang === 'en' ? t(known[1]) + ' (' + raw + ')' : t(known[1]);
}

// diskState reads a disk's status, nested under "status" or not.
function diskState(d) {
  const s = d.status && typeof d.status === 'object' ? d.status : d;
  const err = s.error || s.last_error || '';
  let st = s.state || (typeof d.status === 'string' ? d.status : '');
  if (!st) st = err ? 'error' : s.mounted ? 'mounted' : 'unmounted';
  return {st, err, seen: s.last_seen || s.last_ok, free: s.free_bytes ?? s.free,
    files: s.files ?? s.file_count, cached: s.cached ?? s.cached_files};
}
const diskOn = d => (d.enabled != null ? d.enabled !== false : !d.disabled);
const stateText = st => (DICT.en['disk.st.' + st] ? t('disk.st.' + st) : st);
const diskTitle = d => t('disk.title', d.number) + (d.name ? ' · ' + d.name : '');
const shareText = d => '//' + (d.server || '?') + '/' + (d.share || '?') + (d.folder ? '/' + String(d.folder).replace(/^\/+/, '') : '');

// diskFault fills the dashboard banner with the disks in error; false when
// the box has no disks (no more polling).
async function diskFault(el) {
  let list;
  try { list = (await api('GET', 'disks')) || []; } catch (e) {
    if (noDisks(e)) { showDisks(false); clear(el); return false; }
    return true;
  }
  showDisks(true);
  const bad = list.filter(d => diskState(d).st === 'error');
  clear(el, bad.length ? [h('b', {}, t('disk.fault')), bad.map(d => h('div', {class: 'fault'},
    h('a', {href: '#/disks/' + d.number}, diskTitle(d)), ': ', netErrText(diskState(d).err) || stateText('error')))] : null);
  return true;
}

PAGES.disks = (main, arg) => {
  const [n, what, ...rest] = (arg || '').split('/');
  if (!n) diskList(main);
  else if (what === 'files') diskFiles(main, n, rest.join('/')); else diskEditor(main, n);
};

function diskList(main) {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'disk-msg'});
  const box = h('div', {id: 'disk-list'});
  add(main, h('div', {class: 'row'}, h('h1', {class: 'grow'}, t('nav.disks')),
    h('a', {class: 'btn pri', href: '#/disks/new', id: 'disk-new'}, t('disk.new'))),
  h('p', {class: 'hint'}, t('disk.hint')), msg, box);
  const load = async () => {
    let list;
    try { list = (await api('GET', 'disks')) || []; } catch (e) {
      return msgBox(msg, noDisks(e) ? t('disk.unsupported') : e);
    }
    list.sort((a, b) => a.number - b.number);
    clear(box, list.length ? list.map(d => diskCard(d, load, msg)) : h('div', {class: 'card empty'}, t('disk.none')));
  };
  load();
  every(main, load);
}

// diskCard is one disk of the list: its state, numbers and actions.
function diskCard(d, reload, msg) {
  const s = diskState(d);
  const stat = (key, v) => h('div', {class: 'stat'}, h('span', {}, t(key)), h('b', {}, v == null || v === '' ? '—' : v));
  const card = h('div', {class: 'card disk', 'data-number': d.number},
    h('div', {class: 'row'}, h('h2', {class: 'grow'}, h('a', {href: '#/disks/' + d.number}, diskTitle(d))),
      !diskOn(d) ? h('span', {class: 'badge'}, t('disk.disabled')) : null,
      h('span', {class: 'badge st-' + s.st}, stateText(s.st))),
    s.err ? h('div', {class: 'msg'}, t('disk.cause', netErrText(s.err))) : null,
    h('div', {class: 'cards'}, stat('disk.share', h('span', {class: 'mono'}, shareText(d))),
      stat('disk.seen', s.seen ? fmtTime(s.seen) : null), stat('disk.free', s.free == null ? null : fmtBytes(s.free)),
      stat('disk.files', s.files), stat('disk.cached', s.cached)),
    h('div', {class: 'row'}, diskActions(d, s, reload, msg),
      h('a', {class: 'btn files', href: '#/disks/' + d.number + '/files'}, t('disk.browse'))));
  card.reload = reload;
  return card;
}

// every runs fn every 5 s while main is on the page.
function every(main, fn) {
  const id = setInterval(() => { if (main.isConnected) fn(); else clearInterval(id); }, 5000);
}

// diskActions are Mount or Unmount, and Warm cache.
function diskActions(d, s, reload, msg) {
  const act = (key, path, cls) => h('button', {type: 'button', class: cls, onclick: async e => {
    e.target.disabled = true;
    try {
      const r = await api('POST', 'disks/' + d.number + '/' + path, {});
      toast(t('disk.done.' + path, d.number, r && r.files));
    } catch (err) { msgBox(msg, err); }
    e.target.disabled = false;
    reload();
  }}, t(key));
  // A disk in error offers no Mount (it would fail the same way): the cause
  // is shown above, and the settings are checked with Test on the form.
  if (s.st === 'error') return [h('span', {class: 'hint'}, t('disk.errorHint'))];
  return [s.st === 'mounted' ? act('disk.unmount', 'unmount', 'unmount') : act('disk.mount', 'mount', 'mount'),
    act('disk.warm', 'warm', 'warm')];
}

async function diskEditor(main, n) {
  const isNew = n === 'new';
  const msg = h('div', {class: 'msg', role: 'alert', id: 'disk-msg'});
  add(main, h('h1', {}, isNew ? t('disk.newTitle') : t('disk.title', n)), msg);
  let list;
  try { list = (await api('GET', 'disks')) || []; } catch (e) { return msgBox(msg, e); }
  const d = isNew ? {number: Math.max(0, ...list.map(x => x.number)) + 1} : list.find(x => String(x.number) === n);
  if (!d) return msgBox(msg, t('disk.notFound', n));
  if (!isNew) {
    const st = h('div', {id: 'disk-status'});
    const draw = x => clear(st, diskCard(x, async () => {
      try { draw((await api('GET', 'disks')).find(y => y.number === x.number) || x); } catch (e) { msgBox(msg, e); }
    }, msg));
    add(main, st);
    draw(d);
    every(main, () => st.querySelector('.disk').reload());
  }
  add(main, diskForm(d, isNew, msg));
}

function diskForm(d, isNew, topMsg) {
  const form = new Form(/^disks\[\d+\]\.?/);
  const msg = h('div', {class: 'msg', role: 'alert', id: 'disk-form-msg'});
  const pwSet = d.has_password || d.password_set;
  const inp = (id, v, attrs) => h('input', Object.assign({id: 'disk-' + id, value: v == null ? '' : v, autocomplete: 'off'}, attrs));
  const number = numInput(d.number, 1, 8, '', true);
  number.id = 'disk-number';
  const f = {name: inp('name', d.name, {maxLength: 64}), server: inp('server', d.server, {placeholder: '192.168.1.20', required: true}),
    share: inp('share', d.share, {placeholder: 'media', required: true}), folder: inp('folder', d.folder, {placeholder: 'ivr/prompts'}),
    user: inp('user', d.user, {placeholder: t('disk.guest')}), domain: inp('domain', d.domain),
    password: inp('password', '', {type: 'password', autocomplete: 'new-password', placeholder: t(pwSet ? 'acc.isSet' : 'acc.notSet')})};
  const clearPw = h('input', {type: 'checkbox', id: 'disk-password-clear'});
  const enabled = h('input', {type: 'checkbox', id: 'disk-enabled', checked: diskOn(d)});
  const body = () => {
    const b = {number: num(number.value), disabled: !enabled.checked};
    for (const k of ['name', 'server', 'share', 'folder', 'user', 'domain']) b[k] = f[k].value.trim();
    if (f.password.value || clearPw.checked) b.password = clearPw.checked ? '' : f.password.value;
    return b;
  };
  const run = async (btn, fn, verb) => {
    msgBox(msg);
    if (!form.check()) return msgBox(msg, t('err.fix.' + verb));
    btn.disabled = true;
    try { await fn(); } catch (e) {
      if ((e.problems || []).length) e.problems = form.show(e.problems);
      msgBox(msg, e, false, verb);
    } finally { btn.disabled = false; }
  };
  const test = h('button', {type: 'button', id: 'disk-test'}, t('disk.test'));
  test.addEventListener('click', () => run(test, async () => {
    const b = body();
    if (!b.number) return msgBox(msg, t('disk.needNumber'));
    msgBox(msg, t('disk.testing'), true);
    let r;
    try { r = await api('POST', 'disks/test', b); } catch (e) {
      if (e.status === 422) throw e;
      return msgBox(msg, t('disk.testFail', e instanceof apiError ? codeText(e.code, e.params) || netErrText(e.message) : errText(e)));
    }
    if (r && (r.ok === false || r.error)) return msgBox(msg, t('disk.testFail', netErrText(r.error || '?')));
    const s = r ? diskState(r) : {};
    msgBox(msg, t('disk.testOk') + (s.files != null ? ' ' + t('disk.testFiles', s.files) : ''), true);
  }, 'test'));
  const save = h('button', {type: 'submit', class: 'pri', id: 'disk-save'}, t('save'));
  const submit = e => {
    e.preventDefault();
    run(save, async () => {
      const b = body();
      if (isNew) await api('POST', 'disks', b); else await api('PUT', 'disks/' + d.number, b);
      toast(t('saved'));
      if (isNew || b.number !== d.number) location.hash = '#/disks/' + b.number; else rerender();
    }, 'save');
  };
  const del = isNew ? null : confirmBtn(t('disk.delete'), async () => {
    try {
      await api('DELETE', 'disks/' + d.number);
      toast(t('disk.deleted', d.number));
      location.hash = '#/disks';
    } catch (e) { msgBox(topMsg, e, false, 'delete'); }
  }, {class: 'danger', id: 'disk-delete'});
  return h('form', {class: 'card', id: 'disk-form', onsubmit: submit}, h('h2', {}, t('disk.settings')),
    h('div', {class: 'form'},
      form.field('number', t('disk.number'), number, t('disk.numberHint')),
      form.field('name', t('disk.name'), f.name),
      form.field('server', t('disk.server'), f.server, t('disk.serverHint')),
      form.field('share', t('disk.share'), f.share),
      form.field('folder', t('disk.folder'), f.folder, t('disk.folderHint')),
      form.field('user', t('disk.user'), f.user, t('disk.userHint')),
      form.field('domain', t('disk.domain'), f.domain),
      form.field('password', t('disk.password'), f.password, pwSet ? t('acc.keepHint') : null)),
    pwSet ? h('label', {class: 'live'}, clearPw, ' ', t('disk.clearPw')) : null,
    h('label', {class: 'check'}, enabled, ' ', t('disk.enabled')), h('p'), msg,
    h('div', {class: 'row'}, test, save, h('a', {class: 'btn', href: '#/disks'}, t('back')), h('span', {class: 'grow'}), del));
}

// diskFiles browses one folder of a disk.
async function diskFiles(main, n, path) {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'files-msg'});
  const body = h('tbody');
  const parts = path ? path.split('/') : [];
  const link = i => '#/disks/' + n + '/files' + (i ? '/' + parts.slice(0, i).map(encodeURIComponent).join('/') : '');
  const crumbs = h('nav', {class: 'crumbs', id: 'files-path', 'aria-label': t('disk.folder')},
    h('a', {href: link(0)}, t('disk.title', n)), parts.map((p, i) => [' / ', h('a', {href: link(i + 1)}, p)]));
  add(main, h('h1', {}, t('disk.filesTitle', n)), crumbs, msg,
    h('div', {class: 'card tw'}, h('table', {id: 'file-list'}, thead(['disk.fname', 'pr.size|hide-sm', 'pr.modified|hide-sm', '']), body)),
    h('a', {class: 'btn', href: '#/disks/' + n}, t('back')));
  let r;
  try { r = await api('GET', 'disks/' + encodeURIComponent(n) + '/files?path=' + encodeURIComponent(path)); } catch (e) { return msgBox(msg, e); }
  const list = (Array.isArray(r) ? r : r && (r.entries || r.files)) || [];
  const isDir = e => !!(e.dir || e.is_dir || e.type === 'dir');
  list.sort((a, b) => (isDir(b) - isDir(a)) || a.name.localeCompare(b.name));
  clear(body, list.length ? list.map(e => fileRow(n, path, e, isDir(e))) : emptyRow(4, 'disk.emptyDir'));
}

function fileRow(n, dir, e, isDir) {
  const p = (dir ? dir + '/' : '') + e.name;
  const play = h('td', {class: 'play'});
  const audio = !isDir && (e.audio || AUDIO_EXT.test(e.name));
  if (audio) {
    add(play, h('button', {type: 'button', class: 'sm listen', onclick: () =>
      clear(play, h('audio', {controls: true, autoplay: true, preload: 'auto', src: diskAudio(n, p)}))}, '▶ ' + t('pr.listen')));
  }
  return h('tr', {'data-name': e.name, class: isDir ? 'dir' : null},
    h('td', {class: 'mono'}, isDir ? h('a', {href: '#/disks/' + n + '/files/' + p.split('/').map(encodeURIComponent).join('/')}, e.name + '/') : e.name,
      audio ? h('div', {class: 'hint'}, diskPrefix(n) + p.replace(AUDIO_EXT, '')) : null),
    h('td', {class: 'num hide-sm'}, isDir ? '' : fmtBytes(e.size)), h('td', {class: 'hide-sm'}, fmtTime(e.modified)), play);
}
