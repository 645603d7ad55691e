'use strict';
// cert.js: the System page's HTTPS certificate card: fingerprint, names,
// expiry and source; upload of a PEM certificate and key (checked by the
// box: a refusal says why); regeneration of a self-signed one.

function certCard() {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'cert-msg'});
  const info = h('div', {class: 'cards', id: 'cert-info'});
  const fp = h('code', {id: 'cert-fp', class: 'fp'}, '…');
  const names = h('p', {class: 'hint', id: 'cert-names'});
  const certPEM = h('textarea', {id: 'cert-pem', rows: 4, spellcheck: false, placeholder: '-----BEGIN CERTIFICATE-----'});
  const keyPEM = h('textarea', {id: 'cert-key', rows: 4, spellcheck: false, placeholder: '-----BEGIN PRIVATE KEY-----'});
  const show = c => {
    fp.textContent = c.fingerprint;
    const stat = (key, v, id) => h('div', {class: 'stat', id}, h('span', {}, t(key)), h('b', {}, v || '—'));
    clear(info, stat('cert.source', t(c.source === 'uploaded' ? 'cert.uploaded' : 'cert.generated'), 'cert-source'),
      stat('cert.notAfter', fmtTime(c.not_after), 'cert-expiry'));
    clear(names, h('b', {}, t('cert.names'), ' '), (c.dns_names || []).concat(c.ips || []).join(', '),
      h('br'), h('b', {}, t('cert.subject'), ' '), c.subject);
  };
  const load = async () => {
    try { show(await api('GET', 'cert')); } catch (err) { msgBox(msg, err); }
  };
  const upload = h('button', {type: 'submit', class: 'pri', id: 'cert-upload'}, t('cert.upload'));
  const submit = async e => {
    e.preventDefault();
    upload.disabled = true;
    try {
      show(await api('POST', 'cert', {cert_pem: certPEM.value, key_pem: keyPEM.value}));
      certPEM.value = keyPEM.value = '';
      msgBox(msg, t('cert.uploadedOK'), true);
    } catch (err) { msgBox(msg, err, false, 'upload'); } finally { upload.disabled = false; }
  };
  const regen = confirmBtn(t('cert.regenerate'), async () => {
    try {
      show(await api('POST', 'cert/regenerate', {}));
      msgBox(msg, t('cert.regenerated'), true);
    } catch (err) { msgBox(msg, err); }
  }, {class: 'danger', id: 'cert-regen'});
  load();
  return h('form', {class: 'card', id: 'cert-form', onsubmit: submit}, h('h2', {}, t('cert.title')),
    h('p', {class: 'hint'}, t('cert.fingerprint'), ' ', fp), info, names,
    h('h2', {class: 'sub'}, t('cert.replace')), h('p', {class: 'hint'}, t('cert.replaceHint')), h('div', {class: 'form pem'},
      h('div', {class: 'field'}, h('label', {for: 'cert-pem'}, t('cert.certPEM')), certPEM),
      h('div', {class: 'field'}, h('label', {for: 'cert-key'}, t('cert.keyPEM')), keyPEM)),
    h('p'), msg, h('div', {class: 'row'}, upload, regen));
}
