'use strict';
// access.js: API access — the PBX API user, the app URL events go to, the
// HMAC secret, and the admin API's bearer tokens.

PAGES.access = main => {
  add(main, h('h1', {}, t('nav.access')), accessCard(), tokensCard());
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
      if (err.status === 422) err.problems = form.show(err.problems);
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
        try { await api('DELETE', 'tokens/' + encodeURIComponent(tk.id)); toast(t('tok.revoked')); load(); } catch (e) { msgBox(msg, e); }
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
