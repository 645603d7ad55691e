'use strict';
// ivr.js: the IVR list and the editor of one IVR (prompts, timing, call
// recording, key actions with their API-control and record steps,
// digit-string collection, timeout and invalid actions; or, under cloud
// control, the greeting and the cloud application's settings; or, under XML
// control, the XML application's URLs, prompt, secret and timeout). Save sends
// the IVR to the API and shows its validation problems next to the fields.

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'];
const ACTS = ['', 'ivr', 'transfer', 'hangup', 'api', 'record', 'repeat'];
const STEPS = ['api', 'record']; // actions with settings and a "then" action (next)
const FORMATS = ['in', 'mixed', 'stereo', 'split'];
const AFTER_MEDIA = ['', 'hold', 'next']; // cloud.after_media: silence, hold prompts, the next action
const CONTROLS = ['', 'cloud', 'xml']; // ivr.control: the IVR's keys, a cloud application, an XML application
const ctlLabel = v => t(v === 'cloud' ? 'ivr.ctlCloud' : v === 'xml' ? 'ivr.ctlXML' : 'ivr.ctlKeys');
const keyID = k => (k === '*' ? 'star' : k === '#' ? 'hash' : k);
let ivrDraft = null; // {num, ivr}: unsaved edits kept across a language switch
let ivrPrompts = []; // GET prompts, for the pickers

PAGES.ivrs = (main, arg) => {
  if (arg) ivrEditor(main, arg); else ivrList(main);
  return () => { if (!S.rerendering) ivrDraft = null; };
};

function actText(a) {
  if (!a || !a.type) return t('act.default');
  return t('act.' + a.type) + (a.target ? ' ' + a.target : '') + (a.next && a.next.type ? ', ' + t('ivr.then') + ' ' + actText(a.next) : '');
}

async function ivrList(main) {
  const msg = h('div', {class: 'msg', role: 'alert'});
  const body = h('tbody');
  add(main, h('div', {class: 'row'}, h('h1', {class: 'grow'}, t('nav.ivrs')),
    h('a', {class: 'btn pri', href: '#/ivrs/new', id: 'ivr-new'}, t('ivr.new'))), msg,
  h('div', {class: 'card tw'}, h('table', {id: 'ivr-list'}, thead(['ivr.number', 'ivr.name', 'ivr.prompts', 'ivr.flow', 'ivr.from']), body)));
  let list, routes;
  try {
    [list, routes, ivrPrompts] = await Promise.all([api('GET', 'ivrs'), api('GET', 'routes').catch(() => ({})),
      api('GET', 'prompts').catch(() => [])]);
  } catch (e) { return msgBox(msg, e); }
  list = list || [];
  ivrPrompts = ivrPrompts || [];
  clear(body, list.length ? list.map(i => h('tr', {'data-number': i.number},
    h('td', {}, h('a', {href: '#/ivrs/' + encodeURIComponent(i.number)}, h('b', {}, i.number))),
    h('td', {}, i.name || ''),
    h('td', {class: 'mono'}, (i.prompts || []).map((p, n) => [n ? ', ' : '', promptMissing(p) ? h('span', {class: 'warn', title: t('ivr.missingPrompt')}, p + ' ⚠') : p]),
      (i.prompts || []).some(promptMissing) ? h('div', {class: 'warn'}, t('ivr.missingN', i.prompts.filter(promptMissing).length)) : null),
    h('td', {class: 'flow'}, ivrFlow(i)), h('td', {class: 'from'}, ivrSources(i, list, (routes && routes.inbound) || [])))) :
    emptyRow(5, 'ivr.none'));
  stacked($('#ivr-list', main));
}

// ivrFlow says what an IVR does: its keys, the digit string, and what
// happens on no key and on a wrong key.
function ivrFlow(i) {
  if (i.control) return [h('span', {class: 'badge'}, ctlLabel(i.control)), i.control === 'xml' && i.app && i.app.url ? h('div', {class: 'mono'}, i.app.url) : null];
  const keys = Object.keys(i.keys || {}).sort();
  const c = i.collect;
  return [keys.map(k => h('div', {}, k + ' → ' + actText(i.keys[k]))),
    c ? h('div', {class: 'collect'}, t('ivr.collectWords', c.min_len || 1, c.max_len || 32, c.terminator || '#',
      c.after && c.after.type ? actText(c.after) : t('ivr.afterDefault'))) : null,
    h('div', {class: 'hint'}, t('ivr.noKey', i.timeout && i.timeout.type ? actText(i.timeout) : t('ivr.timeoutDefault'))),
    keys.length || c ? h('div', {class: 'hint'}, t('ivr.wrongKey', i.invalid && i.invalid.type ? actText(i.invalid) : t('ivr.invalidDefault'))) : null];
}

// ivrSources lists what leads into IVR i: inbound routes, other IVRs'
// actions; with nothing, how callers can still reach it.
function ivrSources(i, all, inbound) {
  const from = [];
  for (const r of inbound) {
    if (r.ivr === i.number) from.push(h('div', {}, t('ivr.fromRoute', r.did || t('tel.anyNumber'), r.trunk || t('tel.anyTrunk'))));
  }
  const leads = (a, depth) => !!a && depth < 4 && ((a.type === 'ivr' && a.target === i.number) || leads(a.next, depth + 1) ||
    leads(a.api && a.api.fallback, depth + 1));
  for (const o of all) {
    if (o.number === i.number) continue;
    const how = [];
    for (const k of Object.keys(o.keys || {})) if (leads(o.keys[k], 0)) how.push(t('ivr.viaKey', k));
    if (leads(o.timeout, 0)) how.push(t('ivr.viaTimeout'));
    if (leads(o.invalid, 0)) how.push(t('ivr.viaInvalid'));
    if (o.collect && leads(o.collect.after, 0)) how.push(t('ivr.viaCollect'));
    if (o.cloud && (leads(o.cloud.next, 0) || leads(o.cloud.fallback, 0))) how.push(t('ivr.viaCloud'));
    if (how.length) from.push(h('div', {}, h('a', {href: '#/ivrs/' + encodeURIComponent(o.number)}, 'IVR ' + o.number), ' ', how.join(', ')));
  }
  return from.length ? from : h('div', {class: 'hint only'}, t('ivr.reachedOnly', i.number));
}

function blankIVR() {
  return {number: '', name: '', ring: 0, prompts: [], repeat: 1, digit_timeout: 3, wait: 3, keys: {},
    timeout: {type: 'hangup'}, invalid: {}, record: ''};
}

async function ivrEditor(main, number) {
  const isNew = number === 'new';
  const msg = h('div', {class: 'msg', role: 'alert', id: 'ivr-msg'});
  add(main, h('h1', {}, isNew ? t('ivr.newTitle') : t('ivr.editTitle', number)), msg);
  let all, prompts;
  try {
    [all, prompts] = await Promise.all([api('GET', 'ivrs'), api('GET', 'prompts').catch(() => [])]);
  } catch (e) { return msgBox(msg, e); }
  let ivr = ivrDraft && ivrDraft.num === number ? ivrDraft.ivr : null;
  if (!ivr) {
    const found = isNew ? blankIVR() : (all || []).find(i => i.number === number);
    if (!found) return msgBox(msg, t('ivr.notFound', number));
    ivr = structuredClone(found);
    ivr.keys = ivr.keys || {};
    ivr.prompts = ivr.prompts || [];
    ivr.timeout = ivr.timeout || {};
    ivr.invalid = ivr.invalid || {};
    // The API leaves zero numbers out; the form shows them (its fields may not be empty).
    for (const [k, v] of [['ring', 0], ['repeat', 1], ['wait', 0], ['digit_timeout', 0]]) if (ivr[k] == null) ivr[k] = v;
  }
  const c = ivr.cloud = ivr.cloud || {};
  c.hold = c.hold || [];
  c.next = c.next || {};
  c.fallback = c.fallback || {};
  ivr.app = ivr.app || {};
  ivrDraft = {num: number, ivr};
  const nums = (all || []).map(i => i.number);
  const form = new Form(/^ivrs\[\d+\]\.?/);
  ivrPrompts = prompts || [];
  main.append(h('datalist', {id: 'dl-prompts'}, ivrPrompts.map(p => h('option', {value: p.name, label: p.disk ? t('pr.disk', p.disk) : null}))),
    trackDirty(ivrForm(ivr, form, nums)), saveBar(ivr, form, number, isNew));
}

// bind makes input edit obj[key]: as a number when how is true, a
// checkbox's state when it is 'check'.
function bind(input, obj, key, how) {
  if (how === 'check') input.addEventListener('change', () => { obj[key] = input.checked; });
  else input.addEventListener('input', () => { obj[key] = how ? num(input.value) : input.value; });
  return input;
}

// ivrForm is the whole editor. The control choice shows the parts that
// apply: the keys' (timing, key actions, digit string, timeout and invalid)
// or the cloud application's settings, or the XML application's (no
// prompts then), and names the prompts accordingly.
function ivrForm(ivr, form, nums) {
  const txt = (key, attrs) => bind(h('input', Object.assign({value: ivr[key] || ''}, attrs)), ivr, key);
  const n = (key, min, max, ph) => bind(numInput(ivr[key], min, max, ph, true), ivr, key, true);
  const promptsTitle = h('h2'), promptsHint = h('p', {class: 'hint'});
  const keysOnly = [
    form.field('repeat', t('ivr.repeat'), n('repeat', 1, 100, '1'), t('ivr.repeatHint')),
    form.field('wait', t('ivr.wait'), n('wait', 0, 600, '0'), t('ivr.waitHint')),
    form.field('digit_timeout', t('ivr.digitTimeout'), n('digit_timeout', 0, 600, '3'), t('ivr.digitTimeoutHint')),
    h('div', {class: 'card', id: 'ivr-keys-card'}, h('h2', {}, t('ivr.keys')), keyTable(ivr, form, nums)),
    h('div', {class: 'card', id: 'ivr-collect-card'}, h('h2', {}, t('ivr.collect')), collectBox(ivr, form, nums)),
    h('div', {class: 'card', id: 'ivr-other-card'}, h('h2', {}, t('ivr.other')), h('div', {class: 'form'},
      actionField(ivr.timeout, 'timeout', t('ivr.timeout'), t('ivr.timeoutDefault'), form, nums),
      actionField(ivr.invalid, 'invalid', t('ivr.invalid'), t('ivr.invalidDefault'), form, nums)))];
  const cloud = cloudBox(ivr.cloud, form, nums);
  const xml = xmlBox(ivr.app, form);
  const promptsCard = h('div', {class: 'card', id: 'ivr-prompts-card'}, promptsTitle, promptsHint, promptList(ivr.prompts, 'prompts', form));
  const control = () => {
    const on = ivr.control === 'cloud', isXML = ivr.control === 'xml';
    keysOnly.forEach(el => { el.hidden = on || isXML; });
    cloud.hidden = !on;
    xml.hidden = !isXML;
    promptsCard.hidden = isXML;
    promptsTitle.textContent = t(on ? 'ivr.greeting' : 'ivr.prompts');
    promptsHint.textContent = t(on ? 'ivr.greetingHint' : 'ivr.promptsHint');
  };
  control();
  return h('div', {id: 'ivr-form'},
    h('div', {class: 'card'}, h('h2', {}, t('ivr.general')), h('div', {class: 'form'},
      form.field('number', t('ivr.number'), txt('number', {inputmode: 'numeric', autocomplete: 'off', required: true}), t('ivr.numberHint')),
      form.field('name', t('ivr.name'), txt('name', {maxLength: 64})),
      form.field('control', t('ivr.control'), pickOf(CONTROLS, ivr.control || '', v => { ivr.control = v; control(); },
        ctlLabel, 'ivr-control'), t('ivr.controlHint')),
      form.field('ring', t('ivr.ring'), n('ring', 0, 600, '0'), t('ivr.ringHint')),
      keysOnly.slice(0, 3),
      form.field('record', t('ivr.record'), pickOf(['', 'mixed', 'stereo', 'split'], ivr.record || '', v => { ivr.record = v; },
        v => t(v ? 'fmt.' + v : 'ivr.recordOff'), 'ivr-record'), t('ivr.recordHint')),
      form.field('refer_out', t('ivr.referOut'), h('input', {type: 'checkbox', id: 'ivr-refer-out', checked: !!ivr.refer_out,
        onchange: e => { ivr.refer_out = e.target.checked; }}), t('ivr.referOutHint')))),
    promptsCard, cloud, xml, keysOnly.slice(3));
}

// xmlBox edits the settings of XML control (ivr.app, a): the application's
// URL, its fallback URL and prompt, the signing secret and the timeout.
function xmlBox(a, form) {
  const txt = (key, id, attrs) => bind(h('input', Object.assign({id, value: a[key] || ''}, attrs)), a, key);
  const pick = bind(h('input', {id: 'xml-fallback-prompt', list: 'dl-prompts', value: a.fallback_prompt || '', placeholder: t('ivr.pickPrompt')}),
    a, 'fallback_prompt');
  return h('div', {class: 'card', id: 'ivr-xml'}, h('h2', {}, t('ivr.xml')), h('p', {class: 'hint'}, t('ivr.xmlHint')),
    h('div', {class: 'form'},
      form.field('app.url', t('ivr.xmlURL'), txt('url', 'xml-url', {type: 'url', placeholder: 'https://app.example.com/ivr', maxLength: 1024}), t('ivr.xmlURLHint')),
      form.field('app.fallback_url', t('ivr.xmlFallbackURL'), txt('fallback_url', 'xml-fallback-url', {type: 'url', maxLength: 1024}), t('ivr.xmlFallbackURLHint')),
      form.field('app.fallback_prompt', t('ivr.xmlFallbackPrompt'), pick, t('ivr.xmlFallbackPromptHint')),
      form.field('app.secret', t('ivr.xmlSecret'), txt('secret', 'xml-secret', {type: 'password', autocomplete: 'off', maxLength: 256}), t('ivr.xmlSecretHint')),
      form.field('app.timeout', t('ivr.xmlTimeout'), Object.assign(bind(numInput(a.timeout || '', 0, 30, '5'), a, 'timeout', true), {id: 'xml-timeout'}),
        t('ivr.xmlTimeoutHint'))));
}

// cloudBox edits the settings of cloud control (ivr.cloud, c): the timers,
// barge-in, what follows the application's media (silence, the hold
// prompts, the next action) and the fallback action.
function cloudBox(c, form, nums) {
  const n = (key, id, ph) => Object.assign(bind(numInput(c[key] || '', 0, 3600, ph), c, key, true), {id});
  const barge = bind(h('input', {type: 'checkbox', id: 'cloud-barge', checked: !!c.barge_in}), c, 'barge_in', 'check');
  const bargeErr = h('div', {class: 'err'});
  const bargeBox = h('div', {class: 'field'}, h('label', {class: 'check'}, barge, ' ', t('ivr.cloudBarge')), bargeErr);
  form.slot('cloud.barge_in', bargeBox, bargeErr);
  const hold = h('div', {id: 'cloud-hold-box'}, h('h2', {class: 'sub'}, t('ivr.cloudHold')), h('p', {class: 'hint'}, t('ivr.cloudHoldHint')),
    promptList(c.hold, 'cloud.hold', form));
  const next = actionField(c.next, 'cloud.next', t('ivr.cloudNext'), t('ivr.thenDefault'), form, nums);
  const after = () => {
    hold.hidden = c.after_media !== 'hold';
    next.hidden = c.after_media !== 'next';
  };
  const box = h('div', {class: 'card', id: 'ivr-cloud'}, h('h2', {}, t('ivr.cloud')), h('p', {class: 'hint'}, t('ivr.cloudHint')),
    h('div', {class: 'form'},
      form.field('cloud.first_command', t('ivr.cloudFirst'), n('first_command', 'cloud-first', '10'), t('ivr.cloudFirstHint')),
      form.field('cloud.idle', t('ivr.cloudIdle'), n('idle', 'cloud-idle', '60'), t('ivr.cloudIdleHint')),
      bargeBox,
      form.field('cloud.after_media', t('ivr.cloudAfter'), pickOf(AFTER_MEDIA, c.after_media || '', v => { c.after_media = v; after(); },
        v => t('ivr.after.' + (v || 'silence')), 'cloud-after'), t('ivr.cloudAfterHint')),
      next,
      actionField(c.fallback, 'cloud.fallback', t('ivr.cloudFallback'), t('ivr.thenDefault'), form, nums)),
    hold);
  after();
  return box;
}

// promptList edits an ordered list of prompt names in place.
function promptList(arr, path, form) {
  const box = h('div', {id: 'pl-' + path.replace(/\W+/g, '-'), class: 'prompts-edit'});
  const err = h('div', {class: 'err'});
  const pick = h('input', {list: 'dl-prompts', placeholder: t('ivr.pickPrompt'), class: 'pick', 'aria-label': t('ivr.pickPrompt')});
  const addIt = () => {
    const v = pick.value.trim();
    if (!v) return pick.focus();
    arr.push(v);
    pick.value = '';
    draw();
    pick.focus();
  };
  pick.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); addIt(); } });
  const addBtn = h('button', {type: 'button', class: 'add', onclick: addIt}, t('ivr.addPrompt'));
  const sel = promptSelect(v => { arr.push(v); draw(); });
  const move = (i, j) => { [arr[i], arr[j]] = [arr[j], arr[i]]; draw(); };
  function draw() {
    for (const k of [...form.fields.keys()]) if (k.startsWith(path + '[')) form.fields.delete(k);
    const items = arr.map((name, i) => {
      const e = h('div', {class: 'err'});
      const warn = h('div', {class: 'warn', hidden: !promptMissing(name)}, t('ivr.missingPrompt'));
      const input = bind(h('input', {value: name, list: 'dl-prompts', 'aria-label': t('ivr.prompt') + ' ' + (i + 1)}), arr, i);
      input.addEventListener('input', () => { warn.hidden = !promptMissing(input.value.trim()); });
      const li = h('li', {'data-name': name}, input,
        h('button', {type: 'button', class: 'sm up', title: t('ivr.up'), 'aria-label': t('ivr.up'), disabled: i === 0, onclick: () => move(i, i - 1)}, '↑'),
        h('button', {type: 'button', class: 'sm down', title: t('ivr.down'), 'aria-label': t('ivr.down'), disabled: i === arr.length - 1, onclick: () => move(i, i + 1)}, '↓'),
        h('button', {type: 'button', class: 'sm danger remove', title: t('ivr.remove'), 'aria-label': t('ivr.remove'),
          onclick: () => { arr.splice(i, 1); draw(); }}, '✕'), warn, e);
      form.slot(path + '[' + i + ']', li, e);
      return li;
    });
    clear(box, items.length ? h('ol', {class: 'plist'}, items) : h('div', {class: 'empty'}, t('ivr.noPrompts')),
      h('div', {class: 'row'}, pick, addBtn, sel), err);
  }
  form.slot(path, box, err);
  draw();
  return box;
}

// promptMissing says whether no known prompt has name (a name with
// ${...} is made per call: not checked).
const promptMissing = name => !!name && ivrPrompts.length > 0 && !name.includes('${') && !ivrPrompts.some(p => p.name === name);

// promptSelect lists the known prompts grouped (built-in, uploaded, each
// network disk); choosing one adds it with added(name).
function promptSelect(added) {
  const groups = new Map();
  for (const p of ivrPrompts) {
    const g = p.disk ? t('pr.diskN', p.disk) : t(p.builtin ? 'ivr.builtins' : 'ivr.uploads');
    if (!groups.has(g)) groups.set(g, []);
    const pre = p.disk ? diskPrefix(p.disk) : '';
    groups.get(g).push(h('option', {value: p.name}, pre && p.name.startsWith(pre) ? p.name.slice(pre.length) : p.name));
  }
  const sel = h('select', {class: 'pick-list', 'aria-label': t('ivr.choosePrompt')}, h('option', {value: ''}, t('ivr.choosePrompt')),
    [...groups].map(([g, opts]) => h('optgroup', {label: g}, opts)));
  sel.addEventListener('change', () => { if (sel.value) added(sel.value); sel.value = ''; });
  return sel;
}

// pickOf is a select of values (label(v) shown) that calls set(v) on change.
function pickOf(values, cur, set, label, id) {
  const sel = h('select', {id}, values.map(v => h('option', {value: v, selected: v === cur}, label(v))));
  sel.addEventListener('change', () => set(sel.value));
  return sel;
}

// actionCtl is a type select and a target control editing act in place;
// changed(act) runs after each change. An API-control or record step also
// gets its settings and its "then" action (act.next) below; the form (with
// path, the action's API path) shows their problems. depth 1 is a "then"
// action: it offers no further steps.
function actionCtl(act, noneLabel, nums, id, changed, form, path, depth) {
  const tgt = h('span', {class: 'target'});
  const acts = depth ? ACTS.filter(a => !STEPS.includes(a) || a === act.type) : ACTS;
  const sel = h('select', {id: id + '-type', 'aria-label': t('ivr.action')}, acts.map(a =>
    h('option', {value: a, selected: (act.type || '') === a}, a ? t('act.' + a) : noneLabel)));
  const drawTarget = () => {
    if (form && path) for (const k of [...form.fields.keys()]) if (k.startsWith(path + '.')) form.fields.delete(k);
    if (act.type === 'ivr') {
      const opts = nums.includes(act.target) || !act.target ? nums : [act.target, ...nums];
      if (!act.target) act.target = opts[0] || '';
      clear(tgt, h('select', {id: id + '-target', 'aria-label': t('ivr.target'), onchange: e => { act.target = e.target.value; changed(act); }},
        opts.map(n => h('option', {value: n, selected: n === act.target}, n))));
    } else if (act.type === 'transfer') {
      clear(tgt, h('input', {id: id + '-target', value: act.target || '', inputmode: 'tel', placeholder: t('ivr.numberToCall'),
        'aria-label': t('ivr.target'), oninput: e => { act.target = e.target.value.trim(); changed(act); }}));
    } else if (STEPS.includes(act.type) && !depth) {
      delete act.target;
      clear(tgt, stepBox(act, nums, id, () => changed(act), form, path));
    } else {
      delete act.target;
      clear(tgt);
    }
  };
  sel.addEventListener('change', () => {
    act.type = sel.value;
    if (act.type !== 'ivr' && act.type !== 'transfer') delete act.target;
    else if (act.target && act.type === 'ivr' && !nums.includes(act.target)) act.target = '';
    drawTarget();
    changed(act);
  });
  drawTarget();
  return [sel, tgt];
}

// stepBox edits the settings of an API-control step (act.api) or a record
// step (act.record), and the action that follows it (act.next); an
// API-control step also gets its fallback (act.api.fallback: what runs
// when no controller came or the one that did went away; none: act.next).
function stepBox(act, nums, id, changed, form, path) {
  const api = act.type === 'api';
  const st = api ? (act.api = act.api || {}) : (act.record = act.record || {});
  const sub = (api ? 'api' : 'record');
  const fld = (key, label, input, hint) => {
    input.id = id + '-' + key.replace(/_/g, '-');
    const err = h('div', {class: 'err'});
    const box = h('div', {class: 'field'}, h('label', {for: input.id}, label), input, hint ? h('div', {class: 'hint'}, hint) : null, err);
    if (form) form.slot(path + '.' + sub + '.' + key, box, err);
    return box;
  };
  const txt = (key, ph) => bind(h('input', {value: st[key] || '', placeholder: ph || ''}), st, key);
  const n = (key, max, ph) => bind(numInput(st[key] || '', 0, max, ph), st, key, true);
  const fields = api ? [
    fld('key', t('ivr.apiKey'), txt('key', t('ivr.apiKeyPh')), t('ivr.apiKeyHint')),
    fld('name', t('ivr.apiName'), Object.assign(txt('name'), {maxLength: 100}), t('ivr.apiNameHint')),
    fld('params', t('ivr.apiParams'), txt('params', '{"exam": 1}')),
    fld('timeout', t('ivr.apiTimeout'), n('timeout', 600, '30'), t('ivr.apiTimeoutHint'))] : [
    fld('max_seconds', t('ivr.recMax'), n('max_seconds', 3600, '60')),
    fld('finish_keys', t('ivr.recKeys'), txt('finish_keys', '#')),
    fld('silence_seconds', t('ivr.recSilence'), n('silence_seconds', 3600, '0'), t('ivr.recSilenceHint')),
    fld('format', t('ivr.recFormat'), pickOf(FORMATS, st.format || 'in', v => { st.format = v; }, v => t('fmt.' + v))),
    h('label', {class: 'check'}, bind(h('input', {type: 'checkbox', id: id + '-beep', checked: !!st.beep}), st, 'beep', 'check'), ' ', t('ivr.recBeep'))];
  act.next = act.next || {type: 'hangup'};
  const then = followField(act.next, t('ivr.then'), t('ivr.thenDefault'), nums, id + '-next', changed, form, path && path + '.next');
  if (!api) return h('div', {class: 'step form'}, fields, then);
  st.fallback = st.fallback || {};
  const fb = followField(st.fallback, t('ivr.apiFallback'), t('ivr.apiFallbackDefault'), nums, id + '-fallback', changed, form,
    path && path + '.api.fallback', t('ivr.apiFallbackHint'));
  return h('div', {class: 'step form'}, fields, then, fb);
}

// followField is the chooser of an action that follows a step (its "then"
// action, an API-control step's fallback), editing act in place: a type
// and a target, no further steps. The form shows problems at path.
function followField(act, label, noneLabel, nums, id, changed, form, path, hint) {
  const [sel, tgt] = actionCtl(act, noneLabel, nums, id, changed, form, path, 1);
  const err = h('div', {class: 'err'});
  const box = h('div', {class: 'field act'}, h('label', {for: sel.id}, label), h('div', {class: 'row'}, sel, tgt),
    hint ? h('div', {class: 'hint'}, hint) : null, err);
  if (form && path) form.slot(path, box, err);
  return box;
}

function actionField(act, path, label, noneLabel, form, nums) {
  const [sel, tgt] = actionCtl(act, noneLabel, nums, 'act-' + path.replace(/\W+/g, '-'), () => {}, form, path);
  const err = h('div', {class: 'err'});
  const box = h('div', {class: 'field act'}, h('label', {for: sel.id}, label), h('div', {class: 'row'}, sel, tgt), err);
  form.slot(path, box, err);
  return box;
}

function keyTable(ivr, form, nums) {
  const rows = KEYS.map(k => {
    const path = 'keys[' + JSON.stringify(k) + ']';
    const act = ivr.keys[k] || {type: ''};
    const [sel, tgt] = actionCtl(act, t('act.none'), nums, 'key-' + keyID(k), a => {
      if (a.type) ivr.keys[k] = a; else delete ivr.keys[k];
    }, form, path);
    const err = h('div', {class: 'err'});
    const tr = h('tr', {'data-key': k}, h('td', {class: 'key'}, k), h('td', {}, sel), h('td', {}, tgt, err));
    form.slot(path, tr, err);
    return tr;
  });
  const err = h('div', {class: 'err'});
  const box = h('div', {class: 'tw'}, h('table', {class: 'keys', id: 'keys'}, thead(['ivr.key', 'ivr.action', 'ivr.target']), h('tbody', {}, rows)), err);
  form.slot('keys', box, err);
  return box;
}

function collectBox(ivr, form, nums) {
  const box = h('div', {id: 'collect'});
  let saved = ivr.collect || {min_len: 1, max_len: 32, terminator: '#', hold_prompts: [], after: {}};
  const on = h('input', {type: 'checkbox', id: 'collect-on', checked: !!ivr.collect});
  const draw = () => {
    for (const k of [...form.fields.keys()]) if (k.startsWith('collect.')) form.fields.delete(k);
    if (!ivr.collect) return clear(box);
    const c = ivr.collect;
    c.hold_prompts = c.hold_prompts || [];
    c.after = c.after || {};
    const term = h('select', {}, KEYS.slice().reverse().map(k => h('option', {value: k, selected: (c.terminator || '#') === k}, k)));
    term.addEventListener('change', () => { c.terminator = term.value; });
    clear(box, h('div', {class: 'form'},
      form.field('collect.min_len', t('ivr.minLen'), bind(numInput(c.min_len, 1, 64), c, 'min_len', true)),
      form.field('collect.max_len', t('ivr.maxLen'), bind(numInput(c.max_len, 1, 64), c, 'max_len', true)),
      form.field('collect.terminator', t('ivr.terminator'), term),
      actionField(c.after, 'collect.after', t('ivr.after'), t('ivr.afterDefault'), form, nums)),
    h('h2', {class: 'sub'}, t('ivr.hold')), h('p', {class: 'hint'}, t('ivr.holdHint')),
    promptList(c.hold_prompts, 'collect.hold_prompts', form));
  };
  on.addEventListener('change', () => {
    if (on.checked) ivr.collect = saved; else { saved = ivr.collect; ivr.collect = null; }
    draw();
  });
  draw();
  const err = h('div', {class: 'err'});
  form.slot('collect', box, err);
  return h('div', {}, h('label', {class: 'check'}, on, ' ', t('ivr.collectOn')), h('p', {class: 'hint'}, t('ivr.collectHint')), box, err);
}

// ivrBody is the IVR JSON the API takes, from the editor's draft.
function ivrBody(d) {
  const o = {number: (d.number || '').trim(), name: (d.name || '').trim(), ring: num(d.ring), prompts: d.prompts.map(p => p.trim()),
    repeat: num(d.repeat), digit_timeout: num(d.digit_timeout), wait: num(d.wait), keys: {},
    timeout: actBody(d.timeout), invalid: actBody(d.invalid)};
  if (d.record) o.record = d.record;
  if (d.refer_out) o.refer_out = true;
  const act = actBody;
  for (const k of Object.keys(d.keys)) if (d.keys[k] && d.keys[k].type) o.keys[k] = act(d.keys[k]);
  if (d.control === 'cloud') {
    o.control = 'cloud';
    const c = d.cloud || {};
    const cl = {};
    if (num(c.first_command)) cl.first_command = num(c.first_command);
    if (num(c.idle)) cl.idle = num(c.idle);
    if (c.barge_in) cl.barge_in = true;
    if (c.after_media) cl.after_media = c.after_media;
    if (c.after_media === 'hold') cl.hold = (c.hold || []).map(p => p.trim());
    if (c.after_media === 'next' && c.next && c.next.type) cl.next = act(c.next);
    if (c.fallback && c.fallback.type) cl.fallback = act(c.fallback);
    o.cloud = cl;
  }
  if (d.control === 'xml') {
    o.control = 'xml';
    const a = d.app || {};
    const app = {url: (a.url || '').trim()};
    for (const k of ['fallback_url', 'fallback_prompt', 'secret']) if ((a[k] || '').trim()) app[k] = a[k].trim();
    if (num(a.timeout)) app.timeout = num(a.timeout);
    o.app = app;
  }
  if (d.collect) {
    const c = d.collect;
    o.collect = {min_len: num(c.min_len), max_len: num(c.max_len), terminator: c.terminator || '#',
      hold_prompts: (c.hold_prompts || []).map(p => p.trim()), after: act(c.after)};
  }
  return o;
}

// actBody is an action as the API takes it: only the fields of its type,
// empty settings left out.
function actBody(a) {
  if (!a || !a.type) return {};
  const o = {type: a.type};
  if (a.type === 'ivr' || a.type === 'transfer') o.target = a.target || '';
  const pick = (src, keys) => {
    const r = {};
    for (const k of keys) {
      const v = typeof src[k] === 'string' ? src[k].trim() : src[k];
      if (v) r[k] = v;
    }
    return Object.keys(r).length ? r : null;
  };
  if (a.type === 'api' && a.api) {
    const api = pick(a.api, ['key', 'name', 'id', 'params', 'timeout']) || {};
    if (a.api.fallback && a.api.fallback.type) api.fallback = actBody(a.api.fallback);
    o.api = Object.keys(api).length ? api : undefined;
  }
  if (a.type === 'record' && a.record) o.record = pick(a.record, ['max_seconds', 'finish_keys', 'beep', 'silence_seconds', 'format']) || undefined;
  if (STEPS.includes(a.type) && a.next && a.next.type) o.next = actBody(a.next);
  return o;
}

function saveBar(ivr, form, number, isNew) {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'save-msg'});
  const save = h('button', {type: 'button', class: 'pri', id: 'ivr-save'}, t('save'));
  save.addEventListener('click', async () => {
    msgBox(msg);
    if (!form.check()) return msgBox(msg, t('err.fix.save'));
    save.disabled = true;
    const body = ivrBody(ivr);
    try {
      if (isNew) await api('POST', 'ivrs', body); else await api('PUT', 'ivrs/' + encodeURIComponent(number), body);
      ivrDraft = null;
      cleanForm();
      toast(t('saved'));
      msgBox(msg, t('ivr.saved', body.number), true);
      if (body.number !== number) location.hash = '#/ivrs/' + encodeURIComponent(body.number);
    } catch (e) {
      if (e.code === 'ivr.number_taken') form.show([{field: 'number', problem: e.message, code: e.code, params: e.params}]);
      if ((e.problems || []).length) e.problems = form.show(e.problems);
      msgBox(msg, e);
    } finally { save.disabled = false; }
  });
  const del = isNew ? null : confirmBtn(t('ivr.delete'), async () => {
    try {
      await api('DELETE', 'ivrs/' + encodeURIComponent(number));
      ivrDraft = null;
      cleanForm();
      toast(t('ivr.deleted', number));
      location.hash = '#/ivrs';
    } catch (e) { msgBox(msg, e, false, 'delete'); }
  }, {class: 'danger', id: 'ivr-delete'});
  return h('div', {class: 'card'}, msg, h('div', {class: 'row'}, save,
    h('a', {class: 'btn', href: '#/ivrs'}, t('back')), h('span', {class: 'grow'}), del));
}
