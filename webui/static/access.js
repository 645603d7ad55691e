'use strict';
// access.js: API access — the PBX API user, the app URL events go to, the
// HMAC secret, the admin API's bearer tokens, and the cloud IVR API (its
// namespace, tokens and event subscriptions).

PAGES.access = main => {
  add(main, h('h1', {}, t('nav.access')), accessCard(), tokensCard(), cloudCard());
};

function accessCard() {
  const form = new Form(/^api\./);
  const msg = h('div', {class: 'msg', role: 'alert', id: 'access-msg'});
  const user = h('input', {id: 'access-user', autocomplete: 'off'});
  const pw = h('input', {id: 'access-password', type: 'password', autocomplete: 'new-password'});
  const url = h('input', {id: 'access-url', type: 'url', placeholder: 'http://192.168.1.10:8000/events'});
  const secret = h('input', {id: 'access-secret', type: 'password', autocomplete: 'off'});
  const clearSecret = h('input', {type: 'checkbox', id: 'access-secret-clear'});
  const btn = h('button', {type: 'submit', class: 'pri', id: 'access-save'}, t('save'));
  const stats = h('p', {class: 'hint', id: 'access-delivery'});
  const fill = a => {
    const d = a.delivery;
    stats.textContent = d ? t('acc.delivery').replace('{p}', d.pending).replace('{d}', d.delivered)
      .replace('{r}', d.retried).replace('{x}', d.dropped) : '';
    user.value = a.user || '';
    url.value = a.app_url || '';
    pw.value = secret.value = '';
    pw.placeholder = t(a.password_set ? 'acc.isSet' : 'acc.notSet');
    secret.placeholder = t(a.secret_set ? 'acc.isSet' : 'acc.notSet');
    clearSecret.checked = false;
    clearSecret.parentNode.hidden = !a.secret_set;
  };
  const submit = async e => {
    e.preventDefault();
    const body = {user: user.value.trim(), app_url: url.value.trim()};
    if (pw.value) body.password = pw.value;
    if (secret.value || clearSecret.checked) body.secret = clearSecret.checked ? '' : secret.value;
    btn.disabled = true;
    form.clear();
    try {
      await api('PUT', 'api-access', body);
      msgBox(msg, t('saved'), true);
      fill(await api('GET', 'api-access'));
    } catch (err) {
      if ((err.problems || []).length) err.problems = form.show(err.problems);
      msgBox(msg, err);
    } finally { btn.disabled = false; }
  };
  const card = h('form', {class: 'card', id: 'access-form', onsubmit: submit}, h('h2', {}, t('acc.title')),
    h('p', {class: 'hint'}, t('acc.hint')), h('div', {class: 'form'},
      form.field('user', t('acc.user'), user),
      form.field('password', t('acc.password'), pw, t('acc.keepHint')),
      form.field('app_url', t('acc.url'), url, t('acc.urlHint'), true),
      form.field('secret', t('acc.secret'), secret, t('acc.secretHint'))),
    h('label', {class: 'live', hidden: true}, clearSecret, ' ', t('acc.clearSecret')),
    stats, msg, btn);
  form.fields.set('password_md5', form.fields.get('password'));
  api('GET', 'api-access').then(fill, err => msgBox(msg, err));
  return card;
}

function tokensCard() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'token-msg'});
  const body = h('tbody');
  const name = h('input', {id: 'token-name', placeholder: t('tok.namePh'), maxLength: 64});
  const shown = h('div', {id: 'token-shown'});
  const load = async () => {
    let list;
    try { list = (await api('GET', 'tokens')) || []; } catch (e) { return msgBox(msg, e); }
    clear(body, list.length ? list.map(tk => h('tr', {'data-id': tk.id}, h('td', {}, tk.name),
      h('td', {class: 'mono hide-sm'}, tk.id), h('td', {}, fmtTime(tk.created)), h('td', {}, fmtTime(tk.last_used)),
      h('td', {}, confirmBtn(t('tok.revoke'), async () => {
        try { await api('DELETE', 'tokens/' + encodeURIComponent(tk.id)); toast(t('tok.revoked')); load(); } catch (e) { msgBox(msg, e, false, 'delete'); }
      })))) : emptyRow(5, 'tok.none'));
  };
  const create = async e => {
    e.preventDefault();
    if (!name.value.trim()) return msgBox(msg, t('tok.needName'));
    try {
      const tk = await api('POST', 'tokens', {name: name.value.trim()});
      msgBox(msg);
      name.value = '';
      const val = h('input', {class: 'tok', id: 'token-value', readOnly: true, value: tk.token});
      clear(shown, h('div', {class: 'msg ok'}, h('b', {}, t('tok.once')), val,
        h('button', {type: 'button', id: 'token-copy', onclick: () => copy(val)}, t('copy'))));
      val.select();
      load();
    } catch (err) { msgBox(msg, err); }
  };
  load();
  return h('div', {class: 'card'}, h('h2', {}, t('tok.title')), h('p', {class: 'hint'}, t('tok.hint')),
    h('form', {class: 'row', onsubmit: create}, name, h('button', {type: 'submit', class: 'pri', id: 'token-create'}, t('tok.create'))),
    h('p'), shown, msg, h('div', {class: 'tw'}, h('table', {id: 'token-list'},
      thead(['tok.name', 'tok.id|hide-sm', 'tok.created', 'tok.used', '']), body)));
}

// cloudCard is the cloud IVR API: the box's namespace, the tokens that
// may call the API (the raw token shown once), and the event subscriptions.
function cloudCard() {
  return h('div', {class: 'card', id: 'cloud'}, h('h2', {}, t('cloud.title')), h('p', {class: 'hint'}, t('cloud.hint')),
    cloudNamespace(), h('h2', {class: 'sub'}, t('cloud.tokens')), cloudTokens(),
    h('h2', {class: 'sub'}, t('cloud.subs')), h('p', {class: 'hint'}, t('cloud.subsHint')), cloudSubs());
}

function cloudNamespace() {
  const form = new Form(/^cloud\./);
  const msg = h('div', {class: 'msg', role: 'alert', id: 'cloud-ns-msg'});
  const ns = h('input', {id: 'cloud-ns', autocomplete: 'off', maxLength: 64, placeholder: 'ivrbox.local'});
  const hint = h('span', {}, t('cloud.nsHint', 'ivrbox.local'));
  const btn = h('button', {type: 'submit', class: 'pri', id: 'cloud-ns-save'}, t('save'));
  const fill = c => {
    ns.value = c.namespace || '';
    ns.placeholder = c.default || 'ivrbox.local';
    hint.textContent = t('cloud.nsHint', ns.placeholder);
  };
  const submit = async e => {
    e.preventDefault();
    btn.disabled = true;
    form.clear();
    try {
      fill(await api('PUT', 'cloud', {namespace: ns.value.trim()}));
      msgBox(msg, t('saved'), true);
    } catch (err) {
      if ((err.problems || []).length) err.problems = form.show(err.problems);
      msgBox(msg, err);
    } finally { btn.disabled = false; }
  };
  api('GET', 'cloud').then(fill, err => msgBox(msg, err));
  return h('form', {id: 'cloud-ns-form', onsubmit: submit}, h('div', {class: 'form'},
    form.field('namespace', t('cloud.ns'), ns, hint)), msg, btn);
}

// TOKEN_APIS are the APIs a cloud token may open (its apis).
const TOKEN_APIS = ['cloud', 'ws', 'conf'];

// cloudTokens makes, lists and revokes the tokens of the cloud IVR API
// and the WebSocket ivrapi; each opens the APIs ticked when it was made.
function cloudTokens() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'cloud-token-msg'});
  const body = h('tbody');
  const name = h('input', {id: 'cloud-token-name', placeholder: t('cloud.tokNamePh'), maxLength: 64});
  const apis = TOKEN_APIS.map(a => h('input', {type: 'checkbox', id: 'cloud-token-api-' + a, value: a, checked: a === 'cloud'}));
  const shown = h('div', {id: 'cloud-token-shown'});
  const opens = tk => h('td', {class: 'apis'}, (tk.apis && tk.apis.length ? tk.apis : ['cloud']).map(a =>
    h('span', {class: 'badge', 'data-api': a}, TOKEN_APIS.includes(a) ? t('cloud.api.' + a) : a)));
  const load = async () => {
    let list;
    try { list = (await api('GET', 'cloud/tokens')) || []; } catch (e) { return msgBox(msg, e); }
    clear(body, list.length ? list.map(tk => h('tr', {'data-id': tk.id}, h('td', {}, tk.name),
      h('td', {class: 'mono hide-sm'}, tk.id), opens(tk), h('td', {}, fmtTime(tk.created)),
      h('td', {}, confirmBtn(t('tok.revoke'), async () => {
        try {
          await api('DELETE', 'cloud/tokens/' + encodeURIComponent(tk.id));
          toast(t('cloud.tokRevoked'));
          if ($('#cloud-token-shown [data-id="' + tk.id + '"]')) clear(shown);
          load();
        } catch (e) { msgBox(msg, e); }
      })))) : emptyRow(5, 'cloud.tokNone'));
  };
  const create = async e => {
    e.preventDefault();
    if (!name.value.trim()) return msgBox(msg, t('tok.needName'));
    const picked = apis.filter(c => c.checked).map(c => c.value);
    if (!picked.length) return msgBox(msg, t('cloud.needAPI'));
    try {
      const tk = await api('POST', 'cloud/tokens', {name: name.value.trim(), apis: picked});
      msgBox(msg);
      name.value = '';
      const val = h('input', {class: 'tok', id: 'cloud-token-value', readOnly: true, value: tk.token});
      clear(shown, h('div', {class: 'msg ok', 'data-id': tk.id}, h('b', {}, t('cloud.tokOnce')), val,
        h('button', {type: 'button', id: 'cloud-token-copy', onclick: () => copy(val)}, t('copy'))));
      val.select();
      load();
    } catch (err) { msgBox(msg, err); }
  };
  load();
  return h('div', {}, h('p', {class: 'hint'}, t('cloud.tokHint')), h('form', {class: 'row', id: 'cloud-token-form', onsubmit: create}, name,
    h('div', {class: 'topics', role: 'group', 'aria-label': t('cloud.tokAPIs')},
      apis.map(c => h('label', {class: 'check'}, c, ' ', t('cloud.api.' + c.value)))),
    h('button', {type: 'submit', class: 'pri', id: 'cloud-token-create'}, t('tok.create'))),
  h('p'), shown, msg, h('div', {class: 'tw'}, h('table', {id: 'cloud-token-list'},
    thead(['tok.name', 'tok.id|hide-sm', 'cloud.tokAPIs', 'tok.created', '']), body)));
}

const TOPICS = ['ivr', 'call'];

function cloudSubs() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'cloud-sub-msg'});
  const body = h('tbody');
  const url = h('input', {id: 'cloud-sub-url', type: 'url', placeholder: 'http://192.168.1.10:8000/ivr-events'});
  const secret = h('input', {id: 'cloud-sub-secret', type: 'password', autocomplete: 'off'});
  const topics = TOPICS.map(tp => h('input', {type: 'checkbox', id: 'cloud-sub-topic-' + tp, value: tp, checked: true}));
  const btn = h('button', {type: 'submit', class: 'pri', id: 'cloud-sub-add'}, t('cloud.subAdd'));
  const addForm = h('form', {id: 'cloud-sub-form', hidden: true}, h('div', {class: 'form'},
    h('div', {class: 'field wide'}, h('label', {for: url.id}, t('cloud.url')), url),
    h('div', {class: 'field'}, h('label', {}, t('cloud.topics')), h('div', {class: 'topics'},
      topics.map(c => h('label', {class: 'check'}, c, ' ', t('cloud.topic.' + c.value))))),
    h('div', {class: 'field'}, h('label', {for: secret.id}, t('cloud.secret')), secret, h('div', {class: 'hint'}, t('cloud.secretHint')))),
  h('p'), btn);
  const load = async () => {
    let list;
    try { list = (await api('GET', 'cloud/subscriptions')) || []; } catch (e) {
      addForm.hidden = true;
      clear(body, emptyRow(6, e.status === 503 ? 'cloud.off' : 'none'));
      return e.status === 503 ? null : msgBox(msg, e);
    }
    addForm.hidden = false;
    clear(body, list.length ? list.map(s => h('tr', {'data-id': s.id},
      h('td', {class: 'mono'}, s.url, s.hasSecret ? h('div', {}, h('span', {class: 'badge'}, t('cloud.signed'))) : null),
      h('td', {}, (s.topics || []).join(', ')), h('td', {class: 'mono'}, s.namespace || t('cloud.nsBox')),
      h('td', {class: 'num nowrap'}, (s.pending || 0) + ' / ' + (s.delivered || 0) + ' / ' + (s.failed || 0)),
      h('td', {class: 'mono'}, s.lastError || '—'),
      h('td', {}, confirmBtn(t('delete'), async () => {
        try { await api('DELETE', 'cloud/subscriptions/' + encodeURIComponent(s.id)); toast(t('cloud.subDeleted')); load(); } catch (e) { msgBox(msg, e, false, 'delete'); }
      })))) : emptyRow(6, 'cloud.subNone'));
  };
  addForm.addEventListener('submit', async e => {
    e.preventDefault();
    const tps = topics.filter(c => c.checked).map(c => c.value);
    if (!url.value.trim()) return msgBox(msg, t('cloud.needUrl'));
    if (!tps.length) return msgBox(msg, t('cloud.needTopic'));
    btn.disabled = true;
    try {
      const body = {url: url.value.trim(), topics: tps};
      if (secret.value) body.secret = secret.value;
      await api('POST', 'cloud/subscriptions', body);
      url.value = secret.value = '';
      msgBox(msg, t('cloud.subAdded'), true);
      load();
    } catch (err) { msgBox(msg, err); } finally { btn.disabled = false; }
  });
  load();
  return h('div', {}, h('div', {class: 'tw'}, h('table', {id: 'cloud-sub-list'},
    thead(['cloud.url', 'cloud.topics', 'cloud.namespace', 'cloud.delivery', 'cloud.lastError', '']), body)), h('p'), msg, addForm);
}

// copy puts an input's text on the clipboard (the Clipboard API needs HTTPS,
// which a box on a LAN rarely has, so fall back to the selection).
async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch (e) {
    input.select();
    document.execCommand('copy');
  }
  toast(t('copied'));
}
