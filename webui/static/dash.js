'use strict';
// dash.js: the dashboard — status, load, live calls with their recordings
// and forks (kept current by the event stream), the board's LEDs and buttons when the box has a HAL, and a
// banner when a network disk is in error.

PAGES.dashboard = main => {
  const msg = h('div', {class: 'msg', role: 'alert'});
  const cards = h('div', {class: 'cards', id: 'status'});
  const calls = h('tbody');
  const count = h('span', {class: 'badge', id: 'calls-count'}, '0');
  const leds = h('div', {class: 'card', id: 'leds', hidden: true});
  const fault = h('div', {class: 'msg', role: 'alert', id: 'disk-fault'});
  const box = h('div', {class: 'card', id: 'box-card', hidden: true});
  add(main, h('h1', {}, t('nav.dashboard')), msg, fault, cards, box,
    h('div', {class: 'card'}, h('h2', {}, t('dash.calls'), ' ', count),
      h('div', {class: 'tw'}, h('table', {id: 'calls'},
        thead(['dash.from', 'dash.to', 'dash.started', 'dash.state', 'dash.codec', 'dash.source', '']), calls))),
    leds);
  let hal = true, disks = true, boxed = true, deb = 0;
  const loadStatus = async () => {
    try {
      statusCards(cards, await api('GET', 'status'));
      msgBox(msg);
    } catch (e) { msgBox(msg, e); }
    if (boxed) boxed = await boxCards(box);
    if (hal) hal = await halPanel(leds);
    if (disks) disks = await diskFault(fault);
  };
  const loadCalls = async () => {
    try { callRows(calls, count, (await api('GET', 'calls')) || [], loadCalls); } catch (e) { msgBox(msg, e); }
  };
  const off = onEvent(ev => {
    if (!/^(call|recording|fork)\./.test(ev.kind)) return;
    clearTimeout(deb);
    deb = setTimeout(() => { loadCalls(); loadStatus(); }, 150);
  });
  loadStatus();
  loadCalls();
  const tick = setInterval(() => { loadStatus(); loadCalls(); }, 5000);
  return () => { off(); clearInterval(tick); clearTimeout(deb); };
};

function statusCards(el, s) {
  const l = s.load || {};
  const stat = (key, v) => h('div', {class: 'stat'}, h('span', {}, t(key)), h('b', {}, v == null ? '—' : v));
  clear(el, stat('dash.calls', s.calls), stat('dash.uptime', fmtSecs(s.uptime_s)),
    stat('dash.cpu', l.cpu_percent == null ? null : Number(l.cpu_percent).toFixed(1) + ' %'),
    stat('dash.mem', l.rss_mb == null ? null : Number(l.rss_mb).toFixed(1) + ' MB'),
    stat('dash.sip', s.sip),
    stat('dash.version', s.version), stat('dash.board', s.board));
}

function callRows(body, count, list, reload) {
  count.textContent = list.length;
  if (!list.length) return clear(body, emptyRow(7, 'dash.nocalls'));
  setTimeout(() => stacked(body.closest('table')));
  clear(body, list.map(c => h('tr', {'data-id': c.id},
    h('td', {}, c.from || '—'), h('td', {}, c.to || '—'),
    h('td', {class: 'num'}, fmtClock(c.started), ' ', h('span', {class: 'hint'}, '(' + since(c.started) + ')')),
    h('td', {}, h('span', {class: 'badge'}, t(c.answered ? 'dash.answered' : 'dash.ringing')),
      c.recordings ? [' ', h('span', {class: 'badge rec-n'}, t('dash.recs', c.recordings))] : null,
      c.forks ? [' ', h('span', {class: 'badge fork-n'}, t('dash.forks', c.forks))] : null),
    h('td', {}, c.codec || '—'), h('td', {}, c.source || '—', ' ', h('a', {class: 'trace', href: '#/diag/' + encodeURIComponent(c.id)}, t('diag.trace'))),
    h('td', {class: 'act'}, confirmBtn(t('dash.hangup'), async () => {
      try { await api('DELETE', 'calls/' + encodeURIComponent(c.id)); toast(t('dash.hungup')); } catch (e) { toast(errText(e)); }
      reload();
    }, {class: 'danger sm hangup'})))));
}

// halWord is a board's LED, pattern or button name in the page's language
// where it is a common one (green, heartbeat, reset...), else as the board names it.
const halWord = (kind, name) => (hasKey(kind + '.' + name) ? t(kind + '.' + name) : name);

// halPanel shows the LEDs and buttons; false when the box has none (no more polling).
async function halPanel(el) {
  let hal;
  try { hal = await api('GET', 'hal'); } catch (e) { el.hidden = true; return e.status !== 404 && e.status !== 405; }
  el.hidden = !(hal.leds || []).length && !(hal.buttons || []).length;
  if (el.hidden) return false;
  const still = p => !p || ['on', 'off', 'solid', 'steady'].includes(p);
  clear(el, h('h2', {}, t('dash.leds')), h('div', {class: 'leds'}, (hal.leds || []).map(l =>
    h('span', {class: 'led', 'data-led': l.name}, h('i', {class: (l.on ? 'on' : '') + (still(l.pattern) ? '' : ' blink')}),
      halWord('led', l.name), l.pattern && !still(l.pattern) ? h('span', {class: 'hint'}, halWord('ledp', l.pattern)) : null))),
  (hal.buttons || []).length ? h('div', {class: 'actions'}, hal.buttons.map(b =>
    h('button', {type: 'button', onclick: async () => {
      try { await api('POST', 'hal/buttons/' + encodeURIComponent(b.name) + '/press', {ms: 100}); toast(t('dash.pressed', halWord('btn', b.name))); } catch (e) { toast(errText(e)); }
    }}, t('dash.press', halWord('btn', b.name))))) : null);
  return true;
}
