'use strict';
// edits.js: unsaved edits are not lost by accident. A form given to
// trackDirty counts as edited from its first input until cleanForm (after
// Save or Cancel) or until it leaves the page. Going to another page of
// the app then asks first (a bar: leave without saving, or stay); closing
// or reloading the tab makes the browser ask.

const edits = {form: null, here: '', asking: false};

// trackDirty watches el (a form or a box of fields) for edits.
function trackDirty(el) {
  const on = e => { if (!e.target.closest('.no-dirty')) edits.form = el; };
  el.addEventListener('input', on);
  el.addEventListener('change', on);
  return el;
}
// cleanForm forgets the edits (saved, or cancelled on purpose).
function cleanForm() { edits.form = null; hideLeaveBar(); }
const isDirty = () => !!(edits.form && edits.form.isConnected);

// leaveOK is asked by the router before it leaves a page: false (and the
// address put back) while a form holds unsaved edits; the bar then lets
// the user leave anyway or stay.
function leaveOK() {
  const to = location.hash;
  if (S.rerendering || !isDirty() || to === edits.here) { edits.here = to; return true; }
  history.replaceState(null, '', edits.here || '#/');
  showLeaveBar(to);
  return false;
}

function showLeaveBar(to) {
  hideLeaveBar();
  const bar = h('div', {id: 'leave-bar', class: 'leave', role: 'alertdialog', 'aria-label': t('unsaved.title')},
    h('span', {class: 'grow'}, t('unsaved.ask')),
    h('button', {type: 'button', id: 'leave-stay', class: 'pri', onclick: hideLeaveBar}, t('unsaved.stay')),
    h('button', {type: 'button', id: 'leave-go', class: 'danger', onclick: () => { edits.form = null; hideLeaveBar(); location.hash = to; }},
      t('unsaved.leave')));
  document.body.append(bar);
  bar.querySelector('#leave-stay').focus();
}
function hideLeaveBar() { const b = $('#leave-bar'); if (b) b.remove(); }

window.addEventListener('beforeunload', e => {
  if (!isDirty()) return;
  e.preventDefault();
  e.returnValue = '';
});
