'use strict';
// main.js: the first-run password page, the login page, and start-up.

function authCard(title, sub, form) {
  return h('div', {class: 'center'}, h('div', {class: 'card'}, langButton(),
    h('h1', {}, h('img', {src: '/favicon.svg', alt: '', width: 22, height: 22}), ' ivrbox'),
    h('h2', {}, title), h('p', {class: 'hint'}, sub), form));
}
function loggedIn() {
  S.setup = false;
  S.loggedIn = true;
  startLive();
  if (location.hash === '#/dashboard') route(); else location.hash = '#/dashboard';
}

PAGES.setup = root => {
  if (S.httpsPort && location.protocol === 'http:') return setupOverHTTPS(root);
  const pw = h('input', {type: 'password', id: 'setup-pw', autocomplete: 'new-password', required: true});
  const pw2 = h('input', {type: 'password', id: 'setup-pw2', autocomplete: 'new-password', required: true});
  const msg = h('div', {class: 'msg', id: 'setup-msg', role: 'alert'});
  const btn = h('button', {class: 'pri', id: 'setup-btn', type: 'submit'}, t('setup.save'));
  const submit = async e => {
    e.preventDefault();
    if (pw.value.length < 8) return msgBox(msg, t('pw.short'));
    if (!pw.value.trim()) return msgBox(msg, t('pw.spaces'));
    if (pw.value !== pw2.value) return msgBox(msg, t('pw.mismatch'));
    btn.disabled = true;
    try {
      await api('POST', 'setup', {password: pw.value});
      loggedIn();
    } catch (err) {
      if (err.status === 409) { S.setup = false; location.hash = '#/login'; return; }
      msgBox(msg, err);
    } finally { btn.disabled = false; }
  };
  add(root, authCard(t('setup.title'), t('setup.sub'), h('form', {id: 'setup-form', onsubmit: submit},
    h('input', {type: 'text', autocomplete: 'username', value: 'admin', hidden: true}),
    h('label', {for: 'setup-pw'}, t('pw.new')), pw, h('p'), h('label', {for: 'setup-pw2'}, t('pw.again')), pw2,
    h('p'), msg, btn)));
  pw.focus();
};

// setupOverHTTPS sends the first-run setup to the HTTPS page: the box takes
// the first password over HTTPS only.
function setupOverHTTPS(root) {
  const url = new URL('/#/setup', location.href);
  url.protocol = 'https:';
  url.port = S.httpsPort;
  add(root, authCard(t('setup.title'), t('setup.https'), h('a', {class: 'btn pri', id: 'setup-https', href: url.href}, t('setup.openHTTPS'))));
}

PAGES.login = root => {
  const pw = h('input', {type: 'password', id: 'login-pw', autocomplete: 'current-password', required: true});
  const msg = h('div', {class: 'msg', id: 'login-msg', role: 'alert'});
  const btn = h('button', {class: 'pri', id: 'login-btn', type: 'submit'}, t('login.go'));
  const submit = async e => {
    e.preventDefault();
    btn.disabled = true;
    try {
      await api('POST', 'login', {password: pw.value});
      loggedIn();
    } catch (err) {
      msgBox(msg, err.status === 401 ? t('login.wrong') : err);
      pw.select();
    } finally { btn.disabled = false; }
  };
  add(root, authCard(t('login.title'), t('login.sub'), h('form', {id: 'login-form', onsubmit: submit},
    h('input', {type: 'text', autocomplete: 'username', value: 'admin', hidden: true}),
    h('label', {for: 'login-pw'}, t('pw.admin')), pw, h('p'), msg, btn)));
  pw.focus();
};

async function boot() {
  let s;
  try {
    s = await api('GET', 'session');
  } catch (e) {
    pickLang();
    clear($('#app'), h('div', {class: 'center'}, h('div', {class: 'msg'}, t('boot.fail'), ' ', errText(e)),
      h('button', {type: 'button', onclick: boot}, t('retry'))));
    return;
  }
  pickLang(s.lang);
  S.setup = !!s.setup_needed;
  S.httpsPort = s.https_port || '';
  S.loggedIn = !!s.logged_in && !S.setup;
  if (S.loggedIn) startLive();
  window.removeEventListener('hashchange', route);
  window.addEventListener('hashchange', route);
  route();
}
boot();
