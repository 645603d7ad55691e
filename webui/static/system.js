'use strict';
// system.js: box settings (with the recordings' storage limit and the
// media fork settings), version and board, admin password, backup and
// restore, restart, and factory reset (typed confirmation).

PAGES.system = main => {
  add(main, h('h1', {}, t('nav.system')), settingsCard(), certCard(), blocksCard(), passwordCard(), backupCard(), restartCard(), resetCard());
};

function settingsCard() {
  const form = new Form(/^system\./);
  const msg = h('div', {class: 'msg', role: 'alert', id: 'sys-msg'});
  const name = h('input', {id: 'sys-name', maxLength: 64});
  const max = numInput('', 0, 10000);
  max.id = 'sys-max';
  const hosts = h('input', {id: 'sys-hosts', maxLength: 2000, placeholder: 'ivr.example.lan'});
  const srtp = h('select', {id: 'sys-srtp'}, opts(['off', 'optional', 'required'].map(v => [v, t('srtp.' + v)]), 'off'));
  const learnAny = h('input', {type: 'checkbox', id: 'sys-rtp-any'});
  const about = h('div', {class: 'cards', id: 'about'});
  const media = mediaFields(form), net = netFields(form);
  const btn = h('button', {type: 'submit', class: 'pri', id: 'sys-save'}, t('save'));
  let sys = {};
  const submit = async e => {
    e.preventDefault();
    msgBox(msg);
    if (!form.check()) return msgBox(msg, t('err.fix.save'));
    btn.disabled = true;
    try {
      await api('PUT', 'system', Object.assign({}, sys, {name: name.value.trim(), max_calls: num(max.value),
        http_hosts: hosts.value.split(/[\s,]+/).filter(Boolean), media_encryption: srtp.value,
        rtp_learn_any: learnAny.checked}, media.body(), net.body()));
      msgBox(msg, t('saved'), true);
    } catch (err) {
      if ((err.problems || []).length) err.problems = form.show(err.problems);
      msgBox(msg, err);
    } finally { btn.disabled = false; }
  };
  (async () => {
    try {
      const [s, st, use, d] = await Promise.all([api('GET', 'system'), api('GET', 'status'), api('GET', 'recordings').catch(() => null),
        api('GET', 'dashboard').catch(() => null)]);
      sys = s || {};
      name.value = sys.name || '';
      max.value = sys.max_calls || '';
      hosts.value = (sys.http_hosts || []).join(' ');
      srtp.value = sys.media_encryption || 'off';
      learnAny.checked = !!sys.rtp_learn_any;
      media.fill(sys, use);
      net.fill(sys);
      const stat = (key, v) => h('div', {class: 'stat'}, h('span', {}, t(key)), h('b', {}, v || '—'));
      const ntp = d && d.ntp ? d.ntp : null;
      clear(about, stat('dash.version', st.version), stat('dash.board', st.board), stat('sys.sn', sys.sn),
        stat('dash.uptime', fmtSecs(st.uptime_s)),
        d ? stat('dash.time', boxTime(d)) : null, d ? stat('sys.zone', d.time_zone === 'Local' ? t('dash.zoneLocal') : d.time_zone) : null,
        ntp ? stat('sys.ntp', !ntp.known ? t('dash.ntpUnknown') : ntp.synced ? t('dash.ntpOk') : t('dash.ntpNo')) : null);
    } catch (err) { msgBox(msg, err); }
  })();
  return h('form', {class: 'card', onsubmit: submit}, h('h2', {}, t('sys.about')), about, h('div', {class: 'form'},
    form.field('name', t('sys.name'), name),
    form.field('max_calls', t('sys.maxCalls'), max, t('sys.maxCallsHint')),
    form.field('http_hosts', t('sys.hosts'), hosts, t('sys.hostsHint')),
    form.field('media_encryption', t('sys.srtp'), srtp, t('sys.srtpHint')),
    form.field('rtp_learn_any', t('sys.rtpAny'), learnAny, t('sys.rtpAnyHint'))), media.el, net.el, h('p'), msg, btn);
}

// netFields are the scale-out settings: the drain grace and the addresses
// told to peers beyond the local networks (system.network).
function netFields(form) {
  const drain = Object.assign(numInput('', -1, 3600, '20'), {id: 'sys-drain'});
  const text = (id, ph) => h('input', {id, maxLength: id === 'sys-nets' ? 2000 : 45, placeholder: ph});
  const media = text('sys-ext-media', '203.0.113.7'), sig = text('sys-ext-sip', '203.0.113.7'), nets = text('sys-nets', '192.168.1.0/24');
  const el = h('div', {}, h('h2', {class: 'sub'}, t('sys.netTitle')), h('div', {class: 'form'},
    form.field('drain_seconds', t('sys.drain'), drain, t('sys.drainHint')),
    form.field('network.external_media_address', t('sys.extMedia'), media, t('sys.extHint')),
    form.field('network.external_signaling_address', t('sys.extSIP'), sig),
    form.field('network.local_nets', t('sys.localNets'), nets, t('sys.localNetsHint'))));
  return {el,
    fill(sys) {
      const n = sys.network || {};
      drain.value = sys.drain_seconds || '';
      media.value = n.external_media_address || '';
      sig.value = n.external_signaling_address || '';
      nets.value = (n.local_nets || []).join(' ');
    },
    body() {
      return {drain_seconds: num(drain.value), network: {external_media_address: media.value.trim(),
        external_signaling_address: sig.value.trim(), local_nets: nets.value.split(/[\s,]+/).filter(Boolean)}};
    }};
}

// mediaFields are the recording and media fork settings: fill(sys, use)
// shows GET system's and GET recordings' usage, body() is their part of
// PUT system.
function mediaFields(form) {
  const mb = numInput('', 0, 1000000, '0');
  mb.id = 'sys-rec-mb';
  const used = h('div', {class: 'hint', id: 'sys-rec-used'}, '\u00a0');
  const n = (id, ph) => Object.assign(numInput('', 0, 1024, ph), {id});
  const perCall = n('sys-fork-call', '2'), total = n('sys-fork-total', '64');
  const box = id => h('input', {type: 'checkbox', id});
  const loop = box('sys-fork-loop'), multi = box('sys-fork-multi'), lan = box('sys-fork-lan');
  const check = (path, el, key) => {
    const err = h('div', {class: 'err'});
    const f = h('div', {class: 'field'}, h('label', {class: 'check'}, el, ' ', t(key)), err);
    form.slot(path, f, err);
    return f;
  };
  const el = h('div', {}, h('h2', {class: 'sub'}, t('sys.recTitle')), h('div', {class: 'form'},
    form.field('recording.max_mb', t('sys.recMax'), mb, t('sys.recMaxHint')), used),
  h('h2', {class: 'sub'}, t('sys.forkTitle')), h('p', {class: 'hint'}, t('sys.forkHint')), h('div', {class: 'form'},
    form.field('fork.max_per_call', t('sys.forkCall'), perCall), form.field('fork.max_total', t('sys.forkTotal'), total, t('sys.forkTotalHint')),
    check('fork.allow_loopback', loop, 'sys.forkLoop'), check('fork.allow_multicast', multi, 'sys.forkMulti'), check('fork.lan_only', lan, 'sys.forkLAN')));
  return {el,
    fill(sys, use) {
      const r = sys.recording || {}, f = sys.fork || {};
      mb.value = r.max_mb || '';
      perCall.value = f.max_per_call || '';
      total.value = f.max_total || '';
      loop.checked = !!f.allow_loopback; multi.checked = !!f.allow_multicast; lan.checked = !!f.lan_only;
      if (use) used.textContent = t('sys.recUsed', fmtBytes(use.used_bytes), use.active);
    },
    body: () => ({recording: {max_mb: num(mb.value)}, fork: {max_per_call: num(perCall.value), max_total: num(total.value),
      allow_loopback: loop.checked, allow_multicast: multi.checked, lan_only: lan.checked}}),
  };
}

function passwordCard() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'pw-msg'});
  const old = h('input', {type: 'password', id: 'pw-old', autocomplete: 'current-password'});
  const pw = h('input', {type: 'password', id: 'pw-new', autocomplete: 'new-password'});
  const pw2 = h('input', {type: 'password', id: 'pw-new2', autocomplete: 'new-password'});
  const submit = async e => {
    e.preventDefault();
    if (pw.value.length < 8) return msgBox(msg, t('pw.short'));
    if (!pw.value.trim()) return msgBox(msg, t('pw.spaces'));
    if (pw.value !== pw2.value) return msgBox(msg, t('pw.mismatch'));
    try {
      await api('POST', 'password', {old: old.value, new: pw.value});
      old.value = pw.value = pw2.value = '';
      msgBox(msg, t('pw.changed'), true);
    } catch (err) { msgBox(msg, err.status === 401 || err.status === 403 ? t('pw.wrongOld') : err); }
  };
  return h('form', {class: 'card', id: 'pw-form', onsubmit: submit}, h('h2', {}, t('pw.title')),
    h('input', {type: 'text', autocomplete: 'username', value: 'admin', hidden: true}), h('div', {class: 'form'},
      h('div', {class: 'field'}, h('label', {for: 'pw-old'}, t('pw.old')), old),
      h('div', {class: 'field'}, h('label', {for: 'pw-new'}, t('pw.new')), pw),
      h('div', {class: 'field'}, h('label', {for: 'pw-new2'}, t('pw.again')), pw2)),
    h('p'), msg, h('button', {type: 'submit', class: 'pri'}, t('pw.change')));
}

function backupCard() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'restore-msg'});
  const file = h('input', {type: 'file', id: 'restore-file', accept: '.json,application/json'});
  const restore = confirmBtn(t('sys.restore'), async () => {
    const f = file.files[0];
    if (!f) return msgBox(msg, t('pr.choose'));
    const text = await f.text();
    try { JSON.parse(text); } catch (e) { return msgBox(msg, t('sys.notJSON')); }
    try {
      await api('POST', 'restore', text, true);
      msgBox(msg, t('sys.restored'), true);
      file.value = '';
    } catch (err) { msgBox(msg, err, false, 'restore'); }
  }, {class: 'danger', id: 'restore-btn'});
  return h('div', {class: 'card'}, h('h2', {}, t('sys.backup')), h('p', {class: 'hint'}, t('sys.backupHint')),
    h('a', {class: 'btn', href: '/api/admin/backup', download: 'ivrbox-backup.json', id: 'backup-link'}, '⬇ ' + t('sys.download')),
    h('h2', {class: 'sub'}, t('sys.restore')), h('p', {class: 'hint'}, t('sys.restoreHint')),
    h('div', {class: 'row'}, file, restore), h('p'), msg);
}

// waitBack polls the session until the box answers again (after a restart)
// and until want(session) holds; then done runs.
function waitBack(want, done) {
  let n = 0;
  const poll = async () => {
    try { if (want(await api('GET', 'session'))) return done(true); } catch (e) { /* not back yet */ }
    if (++n < 60) setTimeout(poll, 1000); else done(false);
  };
  setTimeout(poll, 1000);
}

function restartCard() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'restart-msg'});
  const btn = confirmBtn(t('sys.restart'), async () => {
    try {
      await api('POST', 'restart', {});
      msgBox(msg, t('sys.restarting'), true);
      waitBack(() => true, ok => msgBox(msg, t(ok ? 'sys.back' : 'sys.notBack'), ok));
    } catch (err) { msgBox(msg, err); }
  }, {class: 'danger', id: 'restart-btn'});
  return h('div', {class: 'card'}, h('h2', {}, t('sys.restart')), h('p', {class: 'hint'}, t('sys.restartHint')), msg, btn);
}

function resetCard() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'reset-msg'});
  const word = h('input', {id: 'reset-confirm', autocomplete: 'off', placeholder: 'RESET'});
  const btn = h('button', {type: 'button', class: 'danger', id: 'reset-btn', disabled: true}, t('sys.reset'));
  word.addEventListener('input', () => { btn.disabled = word.value !== 'RESET'; });
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      await api('POST', 'factory-reset', {confirm: word.value});
      msgBox(msg, t('sys.resetting'), true);
      stopLive();
      waitBack(s => s.setup_needed, () => { S.loggedIn = false; S.setup = true; location.hash = '#/setup'; route(); });
    } catch (err) { msgBox(msg, err); btn.disabled = false; }
  });
  return h('div', {class: 'card'}, h('h2', {}, t('sys.reset')), h('p', {class: 'hint'}, t('sys.resetHint')),
    h('label', {for: 'reset-confirm'}, t('sys.resetType')), h('div', {class: 'row'}, word, btn), h('p'), msg);
}

// blocksCard lists the SIP sources the box blocked (floods, password
// guessing) and the accounts it banned, each with a button that lifts it.
function blocksCard() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'blocks-msg'});
  const body = h('tbody');
  const lift = b => b.source ? 'blocks/sources/' + encodeURIComponent(b.source) : 'blocks/users/' + encodeURIComponent(b.user);
  const load = async () => {
    let list;
    try { list = ((await api('GET', 'blocks')) || {}).blocks || []; } catch (e) { return msgBox(msg, e); }
    clear(body, list.length ? list.map(b => h('tr', {}, h('td', {class: 'mono'}, b.source || t('blocks.account', b.user)),
      h('td', {}, t('blocks.reason.' + b.reason.replace(' ', '_'))), h('td', {class: 'hide-sm'}, fmtTime(b.since)),
      h('td', {}, fmtTime(b.until)), h('td', {class: 'hide-sm'}, String(b.dropped)),
      h('td', {}, confirmBtn(t('blocks.lift'), async () => {
        try { await api('DELETE', lift(b)); toast(t('blocks.lifted')); load(); } catch (e) { msgBox(msg, e, false, 'delete'); }
      })))) : emptyRow(6, 'blocks.none'));
  };
  load();
  return h('div', {class: 'card', id: 'blocks'}, h('h2', {}, t('blocks.title')), h('p', {class: 'hint'}, t('blocks.hint')),
    msg, h('div', {class: 'tw'}, h('table', {id: 'blocks-list'},
      thead(['blocks.who', 'blocks.why', 'blocks.since|hide-sm', 'blocks.until', 'blocks.dropped|hide-sm', '']), body)),
    h('p'), h('button', {type: 'button', id: 'blocks-refresh', onclick: load}, t('blocks.refresh')));
}
