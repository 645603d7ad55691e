'use strict';
// prompts.js: the prompt list (local files and built-ins), listening in the
// browser, upload with progress, and deleting uploaded prompts.

const MAX_UPLOAD = 20 << 20;

PAGES.prompts = main => {
  const msg = h('div', {class: 'msg', role: 'alert'});
  const body = h('tbody');
  const known = {list: []};
  add(main, h('h1', {}, t('nav.prompts')), uploadCard(() => load(), known), msg,
    h('div', {class: 'card tw'}, h('table', {id: 'prompt-list'},
      thead(['pr.name', 'pr.kind', 'pr.duration', 'pr.usedBy', 'pr.size|hide-sm', 'pr.modified|hide-sm', '']), body)));
  async function load(highlight) {
    let list, ivrs;
    try { [list, ivrs] = await Promise.all([api('GET', 'prompts'), api('GET', 'ivrs').catch(() => [])]); } catch (e) { return msgBox(msg, e); }
    list = list || [];
    known.list = list;
    const uses = promptUses(ivrs || []);
    list.sort((a, b) => (a.builtin - b.builtin) || ((a.disk || 0) - (b.disk || 0)) || a.name.localeCompare(b.name));
    clear(body, list.length ? list.map(p => promptRow(p, load, msg, uses.get(p.name) || [])) : emptyRow(7));
    if (highlight) { const r = body.querySelector('tr[data-name="' + CSS.escape(highlight) + '"]'); if (r) r.scrollIntoView({block: 'center'}); }
  }
  load();
};

// promptUses maps each prompt name to the IVRs that play it (prompts, hold
// prompts, digit-string hold prompts, the XML fallback prompt).
function promptUses(ivrs) {
  const uses = new Map();
  const use = (name, ivr) => {
    if (!name || name.includes('${')) return;
    if (!uses.has(name)) uses.set(name, []);
    if (!uses.get(name).includes(ivr)) uses.get(name).push(ivr);
  };
  for (const i of ivrs) {
    const names = [...(i.prompts || []), ...((i.cloud || {}).hold || []), ...((i.collect || {}).hold_prompts || []), (i.app || {}).fallback_prompt];
    names.forEach(n => use(n, i.number));
  }
  return uses;
}
const ivrLinks = nums => nums.map((n, i) => [i ? ', ' : '', h('a', {href: '#/ivrs/' + encodeURIComponent(n)}, n)]);

// onePlayer keeps one prompt playing at a time on the page.
document.addEventListener('play', e => {
  document.querySelectorAll('audio').forEach(a => { if (a !== e.target) a.pause(); });
}, true);

function promptRow(p, reload, msg, usedBy) {
  const play = h('span', {class: 'player'});
  const listen = h('button', {type: 'button', class: 'sm listen', onclick: () => {
    clear(play, h('audio', {controls: true, autoplay: true, preload: 'auto', src: promptAudio(p)}));
  }}, '▶ ' + t('pr.listen'));
  add(play, listen);
  // Deleting a prompt an IVR plays asks in words what it breaks.
  const del = p.builtin || p.disk ? null : confirmBtn(t('delete'), async () => {
    try { await api('DELETE', 'prompts/' + enc(p.name)); toast(t('pr.deleted', p.name)); reload(); } catch (e) { msgBox(msg, e, false, 'delete'); }
  }, {class: 'danger sm delete', 'data-sure': usedBy.length ? t('pr.delUsed', usedBy.join(', ')) : null});
  return h('tr', {'data-name': p.name}, h('td', {class: 'mono nowrap'}, p.name, p.error ? h('div', {class: 'err'}, t('pr.bad', p.error)) : null),
    h('td', {}, h('span', {class: 'badge'}, p.disk ? t('pr.disk', p.disk) : t(p.builtin ? 'pr.builtin' : 'pr.local'))),
    h('td', {class: 'num'}, p.duration_ms == null ? '—' : (p.duration_ms / 1000).toFixed(1) + ' s'),
    h('td', {class: 'used'}, usedBy.length ? ivrLinks(usedBy) : h('span', {class: 'hint'}, t('pr.unused'))),
    h('td', {class: 'num hide-sm'}, fmtBytes(p.size)), h('td', {class: 'hide-sm'}, fmtTime(p.modified)),
    h('td', {class: 'play act'}, play, ' ', del));
}

// promptAudio is where the browser listens to a prompt: a disk file through
// the disk's file browser, the others through the prompt API.
function promptAudio(p) {
  const pre = p.disk ? diskPrefix(p.disk) : null;
  if (pre && p.name.startsWith(pre)) return diskAudio(p.disk, p.name.slice(pre.length));
  return '/api/admin/prompts/' + enc(p.name) + '/audio';
}

function uploadCard(reload, known) {
  const file = h('input', {type: 'file', id: 'upload-file', accept: 'audio/*,.wav,.mp3,.ulaw,.alaw,.sln,.ul,.al'});
  const name = h('input', {id: 'upload-name', autocomplete: 'off', placeholder: t('pr.namePh')});
  const bar = h('progress', {id: 'upload-progress', max: 1, value: 0, hidden: true});
  const msg = h('div', {class: 'msg', role: 'alert', id: 'upload-msg'});
  const btn = h('button', {type: 'submit', class: 'pri', id: 'upload-btn'}, t('pr.upload'));
  const unarm = () => { delete btn.dataset.replace; btn.textContent = t('pr.upload'); msgBox(msg); };
  name.addEventListener('input', unarm);
  file.addEventListener('change', () => {
    unarm();
    const f = file.files[0];
    if (f && !name.value) name.placeholder = f.name.replace(/\.[^.]*$/, '');
  });
  const submit = async e => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return msgBox(msg, t('pr.choose'));
    if (f.size > MAX_UPLOAD) return msgBox(msg, t('pr.tooBig', fmtBytes(f.size)));
    const target = name.value.trim() || f.name.replace(/\.[^.]*$/, '');
    const same = known.list.find(p => p.name === target && !p.disk);
    if (same && btn.dataset.replace !== target) {
      btn.dataset.replace = target;
      btn.textContent = t('pr.replace');
      return msgBox(msg, t(same.builtin ? 'pr.overBuiltin' : 'pr.overUpload', target));
    }
    const replace = btn.dataset.replace === target;
    delete btn.dataset.replace;
    btn.textContent = t('pr.upload');
    btn.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    msgBox(msg);
    try {
      const p = await upload(f, name.value.trim(), replace, v => { bar.value = v; });
      const n = (p && p.name) || name.value.trim() || f.name;
      msgBox(msg, t('pr.uploaded', n), true);
      file.value = '';
      name.value = '';
      name.placeholder = t('pr.namePh');
      reload(n);
    } catch (err) {
      // The box knows a name the list did not (another tab, a script): ask the same way.
      if (err.code === 'prompt.exists') {
        btn.dataset.replace = target;
        btn.textContent = t('pr.replace');
        return msgBox(msg, t(err.params.builtin ? 'pr.overBuiltin' : 'pr.overUpload', target));
      }
      msgBox(msg, err, false, 'upload');
    } finally { btn.disabled = false; bar.hidden = true; }
  };
  return h('form', {class: 'card', id: 'upload-form', onsubmit: submit}, h('h2', {}, t('pr.uploadTitle')),
    h('p', {class: 'hint'}, t('pr.uploadHint')), h('div', {class: 'form'},
      h('div', {class: 'field'}, h('label', {for: 'upload-file'}, t('pr.file')), file),
      h('div', {class: 'field'}, h('label', {for: 'upload-name'}, t('pr.nameOpt')), name)),
    h('p'), bar, msg, btn);
}

// upload posts one file as multipart/form-data, reporting progress (0-1);
// without replace the box refuses a name in use (409 prompt.exists).
function upload(file, name, replace, progress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', '/api/admin/prompts');
    x.setRequestHeader('Accept', 'application/json');
    x.upload.onprogress = e => { if (e.lengthComputable) progress(e.loaded / e.total); };
    x.onload = () => {
      let d = null;
      try { d = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
      if (x.status >= 200 && x.status < 300) return resolve(d);
      if (x.status === 401) sessionEnded();
      reject(errOf(d, x.status, x.statusText, x.getResponseHeader('Retry-After')));
    };
    x.onerror = () => reject(new Error('network'));
    const fd = new FormData();
    fd.append('file', file);
    if (name) fd.append('name', name);
    fd.append('replace', replace ? '1' : '0');
    x.send(fd);
  });
}
