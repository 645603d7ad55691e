'use strict';
// telephony.js: trunks, inbound and outbound routes (one page), and local
// accounts with the outbound routes each may use. Passwords are write-only:
// the API says whether one is set, never what it is. Each trunk shows its
// registration state, refreshed while the page is open.

// pwInput is a write-only password field with "remove" when one is set.
function pwInput(id, isSet) {
  const pw = h('input', {id: id, type: 'password', autocomplete: 'new-password', placeholder: t(isSet ? 'acc.isSet' : 'acc.notSet')});
  const clr = h('input', {type: 'checkbox', id: id + '-clear'});
  const body = b => { if (pw.value || clr.checked) b.password = clr.checked ? '' : pw.value; return b; };
  return {pw, extra: isSet ? h('label', {class: 'live'}, clr, ' ', t('tel.clearPw')) : null, body};
}
// saving runs fn with btn disabled, showing 422 problems at their fields.
async function saving(btn, msg, form, fn) {
  msgBox(msg);
  if (!form.check()) return msgBox(msg, t('err.fix.save'));
  btn.disabled = true;
  try { await fn(); } catch (e) {
    if ((e.problems || []).length) e.problems = form.show(e.problems);
    msgBox(msg, e);
  } finally { btn.disabled = false; }
}
const opts = (list, cur) => list.map(([v, label]) => h('option', {value: v, selected: v === cur}, label));
const words = s => s.split(/[\s,]+/).filter(Boolean);

PAGES.trunks = main => {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'tel-msg'});
  const trunksBox = h('div', {id: 'trunk-area'}), routesBox = h('div', {id: 'route-area'});
  add(main, h('h1', {}, t('nav.trunks')), msg, trunksBox, routesBox);
  const load = async () => {
    let trunks, routes, ivrs;
    try {
      [trunks, routes, ivrs] = await Promise.all([api('GET', 'trunks'), api('GET', 'routes'), api('GET', 'ivrs')]);
    } catch (e) { return msgBox(msg, e); }
    clear(trunksBox, trunkCard(trunks || [], load, msg));
    clear(routesBox, routesCard(routes || {}, trunks || [], ivrs || []));
  };
  load();
  // States change without an event: refresh the badges in place (an open form stays).
  const tick = setInterval(async () => {
    let list;
    try { list = await api('GET', 'trunks'); } catch (e) { return; }
    for (const tr of list || []) {
      const b = $('#trunk-list tr[data-name="' + CSS.escape(tr.name) + '"] .tstate', main);
      if (b) b.replaceWith(stateBadge(tr));
    }
  }, 5000);
  return () => clearInterval(tick);
};

// stateBadge shows a trunk's state: registered green, failed red (the
// detail as its title), others plain.
function stateBadge(tr) {
  const st = tr.state || 'unknown', key = 'tel.st.' + st;
  const cls = {registered: ' st-mounted', failed: ' st-error'}[st] || '';
  return h('span', {class: 'tstate', 'data-state': st}, h('span', {class: 'badge' + cls}, DICT.en[key] ? t(key) : st),
    tr.state_detail ? h('div', {class: 'hint tdetail'}, trunkDetail(tr.state_detail)) : null);
}
// trunkDetail is why a trunk is not registered, in the page's language
// where the box's words are known (a SIP status, a timeout).
function trunkDetail(d) {
  let m;
  if ((m = /^(?:SIP )?(\d{3})\b/.exec(d))) return t('tel.detail.status', m[1], hasKey('sip.' + m[1]) ? t('sip.' + m[1]) : d);
  if (d === 'registration stopped') return t('tel.detail.stopped');
  if (d === 'not registered') return t('tel.detail.none');
  const raw = k => t(k) + (lang === 'en' ? ' (' + d + ')' : '');
  if (/timed? ?out|timeout|deadline/i.test(d)) return raw('tel.detail.timeout');
  if (/refused/i.test(d)) return raw('tel.detail.refused');
  if (/no such host|lookup/i.test(d)) return raw('tel.detail.dns');
  return d;
}

function trunkCard(trunks, reload, msg) {
  const formBox = h('div', {id: 'trunk-form-box'});
  const edit = tr => clear(formBox, trunkForm(tr, reload, () => clear(formBox)));
  const rows = trunks.map(tr => h('tr', {'data-name': tr.name},
    h('td', {class: 'mono'}, tr.name), h('td', {}, t('tel.type.' + tr.type)), h('td', {class: 'mono'}, tr.host),
    h('td', {class: 'hide-sm'}, t(tr.has_password ? 'acc.isSet' : 'acc.notSet')),
    h('td', {}, stateBadge(tr)),
    h('td', {class: 'nowrap act'}, h('button', {type: 'button', class: 'sm edit', onclick: () => edit(tr)}, t('tel.edit')), ' ',
      confirmBtn(t('delete'), async () => {
        try { await api('DELETE', 'trunks/' + encodeURIComponent(tr.name)); toast(t('tel.deleted', tr.name)); reload(); } catch (e) { msgBox(msg, e, false, 'delete'); }
      }))));
  return h('div', {class: 'card'}, h('div', {class: 'row'}, h('h2', {class: 'grow'}, t('tel.trunks')),
    h('button', {type: 'button', class: 'pri', id: 'trunk-new', onclick: () => edit(null)}, t('tel.addTrunk'))),
  h('div', {class: 'tw'}, stacked(h('table', {id: 'trunk-list'},
    thead(['tel.name', 'tel.type', 'tel.host', 'tel.password|hide-sm', 'tel.state', '']),
    h('tbody', {}, rows.length ? rows : emptyRow(6, 'tel.noTrunks'))))), formBox);
}

function trunkForm(tr, reload, close) {
  const isNew = !tr;
  tr = tr || {type: 'register'};
  const form = new Form(/^trunks\[\d+\]\.?/);
  const msg = h('div', {class: 'msg', role: 'alert', id: 'trunk-msg'});
  const inp = (k, attrs) => h('input', Object.assign({id: 'trunk-' + k.replace('_', '-'), value: tr[k] == null ? '' : tr[k], autocomplete: 'off'}, attrs));
  const f = {name: inp('name', {disabled: !isNew, maxLength: 32, required: true}), host: inp('host', {placeholder: 'sip.example.net:5060', required: true}),
    user: inp('user'), auth_user: inp('auth_user'), domain: inp('domain'), from_user: inp('from_user')};
  const type = h('select', {id: 'trunk-type'}, opts([['register', t('tel.type.register')], ['peer', t('tel.type.peer')]], tr.type));
  const transport = h('select', {id: 'trunk-transport'}, opts([['', 'UDP'], ['tcp', 'TCP'], ['tls', 'TLS']],
    ['tcp', 'tls'].includes(tr.transport) ? tr.transport : ''));
  const srtp = h('select', {id: 'trunk-srtp'}, opts(['off', 'optional', 'required'].map(v => [v, t('srtp.' + v)]), tr.media_encryption || 'off'));
  const ca = h('textarea', {id: 'trunk-ca-pem', rows: 4, spellcheck: false, autocomplete: 'off', style: 'width: 100%; font-family: monospace',
    placeholder: '-----BEGIN CERTIFICATE-----'}, tr.ca_pem || '');
  const caField = form.field('ca_pem', t('tel.caPEM'), ca, t('tel.caPEMHint'));
  const expiry = numInput(tr.expiry || '', 60, 3600, '300');
  expiry.id = 'trunk-expiry';
  const referOut = h('input', {type: 'checkbox', id: 'trunk-refer-out', checked: !!tr.refer_out});
  const pw = pwInput('trunk-password', tr.has_password);
  const regOnly = [form.field('auth_user', t('tel.authUser'), f.auth_user, t('tel.authUserHint')),
    form.field('expiry', t('tel.expiry'), expiry, t('tel.expiryHint'))];
  const sync = () => {
    regOnly.forEach(el => { el.hidden = type.value !== 'register'; });
    caField.hidden = transport.value !== 'tls';
    f.host.placeholder = transport.value === 'tls' ? 'sip.example.net:5061' : 'sip.example.net:5060';
  };
  type.addEventListener('change', sync);
  transport.addEventListener('change', sync);
  const save = h('button', {type: 'submit', class: 'pri', id: 'trunk-save'}, t('save'));
  const submit = e => {
    e.preventDefault();
    saving(save, msg, form, async () => {
      const b = {name: f.name.value.trim(), type: type.value, host: f.host.value.trim(), transport: transport.value,
        ca_pem: transport.value === 'tls' ? ca.value.trim() : ''};
      for (const k of ['user', 'auth_user', 'domain', 'from_user']) b[k] = f[k].value.trim();
      b.expiry = type.value === 'register' ? num(expiry.value) : 0;
      b.refer_out = referOut.checked;
      b.media_encryption = srtp.value;
      pw.body(b);
      if (isNew) await api('POST', 'trunks', b); else await api('PUT', 'trunks/' + encodeURIComponent(tr.name), b);
      cleanForm();
      toast(t('saved'));
      reload();
    });
  };
  const el = h('form', {class: 'card', id: 'trunk-form', onsubmit: submit},
    h('h2', {}, isNew ? t('tel.newTrunk') : t('tel.trunkTitle', tr.name)),
    h('div', {class: 'form'},
      form.field('name', t('tel.name'), f.name, t('tel.nameHint')),
      form.field('type', t('tel.type'), type, t('tel.typeHint')),
      form.field('host', t('tel.host'), f.host, t('tel.hostHint')),
      form.field('transport', t('tel.transport'), transport, t('tel.transportHint')), caField,
      form.field('media_encryption', t('tel.srtp'), srtp, t('tel.srtpHint')),
      form.field('user', t('tel.user'), f.user, t('tel.userHint')),
      form.field('password', t('tel.password'), pw.pw, tr.has_password ? t('acc.keepHint') : null),
      regOnly[0], form.field('from_user', t('tel.fromUser'), f.from_user, t('tel.fromUserHint')),
      form.field('domain', t('tel.domain'), f.domain, t('tel.domainHint')), regOnly[1],
      form.field('refer_out', t('tel.referOut'), referOut, t('tel.referOutHint'))),
    pw.extra, h('p'), msg,
    h('div', {class: 'row'}, save, h('button', {type: 'button', onclick: () => { cleanForm(); close(); }}, t('tel.cancel'))));
  trackDirty(el);
  sync();
  setTimeout(() => el.scrollIntoView({block: 'nearest'}));
  return el;
}

// routesCard edits both route lists and saves them together.
function routesCard(routes, trunks, ivrs) {
  const form = new Form();
  const msg = h('div', {class: 'msg', role: 'alert', id: 'routes-msg'});
  const inb = (routes.inbound || []).map(r => Object.assign({}, r));
  const outb = (routes.outbound || []).map(r => Object.assign({}, r, {patterns: (r.patterns || []).join(' '), trunks: (r.trunks || []).slice()}));
  const inBody = h('tbody', {id: 'in-rows'}), outBody = h('tbody', {id: 'out-rows'});
  const tnames = trunks.map(x => [x.name, x.name]);
  // cell is a table cell with an input bound to o[k], registered at path.
  const cell = (path, input, cls) => {
    const err = h('div', {class: 'err'});
    const td = h('td', {class: cls}, input, err);
    form.slot(path, td, err);
    return td;
  };
  const bind = (o, k, id, attrs, conv) => {
    const el = h(attrs && attrs.tag || 'input', Object.assign({id: id, value: o[k] == null ? '' : o[k], autocomplete: 'off'}, attrs, {tag: null}));
    el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', () => { o[k] = conv ? conv(el.value) : el.value; });
    return el;
  };
  const moves = (list, i, draw, pre) => h('td', {class: 'nowrap'},
    h('button', {type: 'button', class: 'sm', title: t('tel.up'), disabled: i === 0, onclick: () => { list.splice(i - 1, 0, list.splice(i, 1)[0]); draw(); }}, '↑'), ' ',
    h('button', {type: 'button', class: 'sm', title: t('tel.down'), disabled: i === list.length - 1, onclick: () => { list.splice(i + 1, 0, list.splice(i, 1)[0]); draw(); }}, '↓'), ' ',
    h('button', {type: 'button', class: 'sm danger', id: pre + i + '-remove', title: t('tel.remove'), onclick: () => { list.splice(i, 1); draw(); }}, '✕'));
  const drawIn = () => clear(inBody, inb.length ? inb.map((r, i) => {
    const p = 'inbound_routes[' + i + ']';
    return h('tr', {}, cell(p + '.name', bind(r, 'name', 'in-' + i + '-name', {maxLength: 32})),
      cell(p + '.trunk', bind(r, 'trunk', 'in-' + i + '-trunk', {tag: 'select'})),
      cell(p + '.did', bind(r, 'did', 'in-' + i + '-did', {placeholder: t('tel.anyNumber')})),
      cell(p + '.ivr', bind(r, 'ivr', 'in-' + i + '-ivr', {tag: 'select'})), moves(inb, i, redrawIn, 'in-'));
  }) : emptyRow(5, 'tel.noIn'));
  const drawOut = () => clear(outBody, outb.length ? outb.map((r, i) => {
    const p = 'outbound_routes[' + i + ']';
    const tl = h('div', {class: 'tlist'}, r.trunks.map((name, j) => {
      const s = h('select', {id: 'out-' + i + '-trunk-' + j, onchange: e => { r.trunks[j] = e.target.value; }},
        opts([['', '—']].concat(tnames), name));
      return [s, h('button', {type: 'button', class: 'sm', title: t('tel.remove'), onclick: () => { r.trunks.splice(j, 1); drawOut(); }}, '✕')];
    }), r.trunks.length < 8 ? h('button', {type: 'button', class: 'sm', id: 'out-' + i + '-trunk-add',
      onclick: () => { r.trunks.push(''); drawOut(); }}, '+ ' + t('tel.trunk')) : null);
    return h('tr', {}, cell(p + '.name', bind(r, 'name', 'out-' + i + '-name', {maxLength: 32})),
      cell(p + '.patterns', bind(r, 'patterns', 'out-' + i + '-patterns', {placeholder: '_1XXXXXXXXXX _9.'})),
      cell(p + '.strip', bind(r, 'strip', 'out-' + i + '-strip', {type: 'number', min: 0, max: 32, step: 1, required: true, class: 'short'}, num)),
      cell(p + '.prefix', bind(r, 'prefix', 'out-' + i + '-prefix', {class: 'short'})),
      cell(p + '.trunks', tl), moves(outb, i, drawOut, 'out-'));
  }) : emptyRow(6, 'tel.noOut'));
  // Selects get their options after bind (bind sets value before options exist).
  const fillSelects = () => {
    inb.forEach((r, i) => {
      const ts = $('#in-' + i + '-trunk', inBody), is = $('#in-' + i + '-ivr', inBody);
      if (ts) add(clear(ts), opts([['', t('tel.anyTrunk')]].concat(tnames), r.trunk || ''));
      if (is) add(clear(is), opts([['', '—']].concat(ivrs.map(v => [v.number, v.number + (v.name ? ' · ' + v.name : '')])), r.ivr || ''));
    });
  };
  const redrawIn = () => { drawIn(); fillSelects(); };
  const save = h('button', {type: 'button', class: 'pri', id: 'routes-save'}, t('tel.saveRoutes'));
  save.addEventListener('click', () => saving(save, msg, form, async () => {
    const body = {inbound: inb.map(r => ({name: r.name.trim(), trunk: r.trunk || '', did: (r.did || '').trim(), ivr: r.ivr || ''})),
      outbound: outb.map(r => ({name: r.name.trim(), patterns: words(r.patterns), strip: num(r.strip),
        prefix: (r.prefix || '').trim(), trunks: r.trunks.filter(Boolean)}))};
    await api('PUT', 'routes', body);
    cleanForm();
    msgBox(msg, t('saved'), true);
  }));
  redrawIn();
  drawOut();
  return trackDirty(h('div', {class: 'card', id: 'routes'},
    h('h2', {}, t('tel.inbound')), h('p', {class: 'hint'}, t('tel.inHint')),
    h('div', {class: 'tw'}, h('table', {id: 'in-table', class: 'routes'}, thead(['tel.name', 'tel.trunk', 'tel.did', 'tel.ivr', '']), inBody)),
    h('button', {type: 'button', id: 'in-add', onclick: () => { inb.push({name: '', trunk: '', did: '', ivr: ''}); redrawIn(); }}, '+ ' + t('tel.addRoute')),
    h('h2', {class: 'sub'}, t('tel.outbound')), h('p', {class: 'hint'}, t('tel.outHint')),
    h('div', {class: 'tw'}, h('table', {id: 'out-table', class: 'routes'}, thead(['tel.name', 'tel.patterns', 'tel.strip', 'tel.prefix', 'tel.trunks', '']), outBody)),
    h('button', {type: 'button', id: 'out-add', onclick: () => {
      outb.push({name: '', patterns: '', strip: 0, prefix: '', trunks: trunks.length ? [trunks[0].name] : []}); drawOut();
    }}, '+ ' + t('tel.addRoute')),
    h('p'), msg, h('div', {class: 'row'}, save)));
}

PAGES.accounts = main => {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'acct-top-msg'});
  const box = h('div', {id: 'acct-area'});
  add(main, h('h1', {}, t('nav.accounts')), h('p', {class: 'hint'}, t('tel.acctHint')), msg, box);
  const load = async () => {
    let accts, routes, regs;
    try {
      [accts, routes, regs] = await Promise.all([api('GET', 'accounts'), api('GET', 'routes'), api('GET', 'registrations').catch(() => null)]);
    } catch (e) { return msgBox(msg, e); }
    const names = ((routes && routes.outbound) || []).map(r => r.name);
    const formBox = h('div', {id: 'acct-form-box'});
    const edit = a => clear(formBox, accountForm(a, names, load, () => clear(formBox)));
    const rows = (accts || []).map(a => h('tr', {'data-ext': a.ext}, h('td', {class: 'mono'}, a.ext), h('td', {}, a.name || ''),
      h('td', {class: 'mono'}, (a.outbound_routes || []).join(', ') || '—'),
      h('td', {class: 'reg'}, regCell(regs, a.ext)),
      h('td', {class: 'hide-sm'}, t(a.has_password ? 'acc.isSet' : 'acc.notSet')),
      h('td', {class: 'nowrap act'}, h('button', {type: 'button', class: 'sm edit', onclick: () => edit(a)}, t('tel.edit')), ' ',
        confirmBtn(t('delete'), async () => {
          try { await api('DELETE', 'accounts/' + encodeURIComponent(a.ext)); toast(t('tel.deleted', a.ext)); load(); } catch (e) { msgBox(msg, e, false, 'delete'); }
        }))));
    clear(box, h('div', {class: 'card'}, h('div', {class: 'row'}, h('h2', {class: 'grow'}, t('nav.accounts')),
      h('button', {type: 'button', class: 'pri', id: 'acct-new', onclick: () => edit(null)}, t('tel.addAcct'))),
    h('div', {class: 'tw'}, stacked(h('table', {id: 'acct-list'}, thead(['tel.ext', 'tel.name', 'tel.allowed', 'tel.phone', 'tel.password|hide-sm', '']),
      h('tbody', {}, rows.length ? rows : emptyRow(6, 'tel.noAccts')))))), formBox);
  };
  load();
};

// regCell says whether ext's phones are registered: contact, user agent,
// and when the registration runs out (regs null: the box does not tell).
function regCell(regs, ext) {
  if (!regs) return '—';
  const mine = regs.filter(r => r.user === ext);
  if (!mine.length) return h('span', {class: 'badge'}, t('tel.unregistered'));
  return mine.map(r => h('div', {class: 'regd'}, h('span', {class: 'badge st-mounted'}, t('tel.registered')), ' ',
    h('span', {class: 'mono'}, r.source || r.contact), r.user_agent ? [' · ', r.user_agent] : null,
    h('div', {class: 'hint'}, t('tel.regExpires', fmtSecs(r.expires_s)))));
}

function accountForm(a, routeNames, reload, close) {
  const isNew = !a;
  a = a || {outbound_routes: []};
  const form = new Form(/^accounts\[\d+\]\.?/);
  const msg = h('div', {class: 'msg', role: 'alert', id: 'acct-msg'});
  const ext = h('input', {id: 'acct-ext', value: a.ext || '', disabled: !isNew, inputmode: 'numeric', required: true, autocomplete: 'off'});
  const name = h('input', {id: 'acct-name', value: a.name || '', maxLength: 64, autocomplete: 'off'});
  const pw = pwInput('acct-password', a.has_password);
  const boxes = routeNames.map(n => h('input', {type: 'checkbox', id: 'acct-route-' + n, value: n, checked: (a.outbound_routes || []).includes(n)}));
  const allowed = h('div', {id: 'acct-routes'}, boxes.length ? boxes.map(b => h('label', {class: 'check'}, b, ' ', b.value)) : h('span', {class: 'hint'}, t('tel.noOut')));
  const save = h('button', {type: 'submit', class: 'pri', id: 'acct-save'}, t('save'));
  const submit = e => {
    e.preventDefault();
    saving(save, msg, form, async () => {
      const b = pw.body({ext: ext.value.trim(), name: name.value.trim(), outbound_routes: boxes.filter(x => x.checked).map(x => x.value)});
      if (isNew) await api('POST', 'accounts', b); else await api('PUT', 'accounts/' + encodeURIComponent(a.ext), b);
      cleanForm();
      toast(t('saved'));
      reload();
    });
  };
  const el = h('form', {class: 'card', id: 'acct-form', onsubmit: submit},
    h('h2', {}, isNew ? t('tel.newAcct') : t('tel.acctTitle', a.ext)),
    h('div', {class: 'form'}, form.field('ext', t('tel.ext'), ext, t('tel.extHint')), form.field('name', t('tel.name'), name),
      form.field('password', t('tel.password'), pw.pw, a.has_password ? t('acc.keepHint') : null), form.field('outbound_routes', t('tel.allowed'), allowed, t('tel.allowedHint'), true)),
    pw.extra, h('p'), msg, h('div', {class: 'row'}, save, h('button', {type: 'button', onclick: () => { cleanForm(); close(); }}, t('tel.cancel'))));
  trackDirty(el);
  setTimeout(() => el.scrollIntoView({block: 'nearest'}));
  return el;
}
