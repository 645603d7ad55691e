'use strict';
// diag.js: what an admin looks at first and when something goes wrong —
// the dashboard's box card (time and time zone, NTP, LAN addresses, calls
// now and today, phones, free storage, trunk health with reasons, event
// delivery per application), the diagnostics page (runtime figures, the
// recent calls' traces, the metrics address) and one call's trace (SIP
// ladder, RTP figures, download), and the box's log.

// boxCards fills el from GET dashboard; false when the box has none (old
// firmware: no more polling).
async function boxCards(el) {
  let d;
  try { d = await api('GET', 'dashboard'); } catch (e) { el.hidden = true; return ![404, 405].includes(e.status); }
  el.hidden = false;
  const stat = (key, v, hint) => h('div', {class: 'stat'}, h('span', {}, t(key)), h('b', {}, v == null || v === '' ? '—' : v),
    hint ? h('div', {class: 'hint'}, hint) : null);
  const c = d.calls || {}, s = d.storage || {};
  const ntp = d.ntp || {};
  const ntpText = !ntp.known ? t('dash.ntpUnknown') : ntp.synced ? t('dash.ntpOk') : t('dash.ntpNo');
  clear(el, h('div', {class: 'cards', id: 'box-cards'},
    stat('dash.time', boxTime(d), [d.time_zone === 'Local' ? t('dash.zoneLocal') : d.time_zone, ' · ', ntpText]),
    stat('dash.addresses', (d.addresses || []).join(', ')),
    stat('dash.callsToday', c.today, c.refused_today ? t('dash.refusedToday', c.refused_today) : null),
    stat('dash.phones', d.registrations),
    stat('dash.free', s.data_free_bytes == null ? null : fmtBytes(s.data_free_bytes),
      s.data_total_bytes ? t('dash.ofTotal', fmtBytes(s.data_total_bytes)) : null)),
  (d.trunks || []).length ? h('div', {class: 'health', id: 'trunk-health'}, h('h2', {}, t('tel.trunks')),
    d.trunks.map(tr => h('div', {class: 'row', 'data-trunk': tr.name}, h('b', {class: 'mono'}, tr.name),
      stateBadge({state: tr.status, state_detail: tr.detail})))) : null,
  (d.delivery || []).length ? h('div', {class: 'health', id: 'delivery-health'}, h('h2', {}, t('dash.delivery')),
    d.delivery.map(x => h('div', {'data-app': x.app}, h('b', {}, x.app), ' ', h('span', {class: 'mono'}, x.url || ''), ' — ',
      t('dash.deliveryN', x.pending || 0, x.delivered || 0, x.retried || 0, x.dropped || 0),
      x.queue_age_s >= 1 ? h('span', {class: 'queue-age'}, '; ', t('dash.queueAge', fmtSecs(x.queue_age_s))) : null,
      x.last_delivery_latency_ms ? h('span', {class: 'latency'}, '; ', t('dash.latency',
        x.last_delivery_latency_ms < 1000 ? Math.round(x.last_delivery_latency_ms) + ' ms' : fmtSecs(x.last_delivery_latency_ms / 1000))) : null,
      x.last_error ? h('div', {class: 'err'}, t('dash.lastError', x.last_error)) : null))) : null);
  return true;
}

// boxTime is the box's clock in its own time zone (its UTC offset).
function boxTime(d) {
  const at = new Date(d.time);
  if (isNaN(at)) return d.time || '';
  const local = new Date(at.getTime() + (d.utc_offset_s || 0) * 1000);
  const off = d.utc_offset_s || 0, sign = off < 0 ? '−' : '+', a = Math.abs(off);
  return local.toLocaleString(locale(), {timeZone: 'UTC', dateStyle: 'short', timeStyle: 'short'}) + ' ' +
    (d.zone_abbrev || 'UTC' + sign + String(Math.floor(a / 3600)).padStart(2, '0') + ':' + String(a % 3600 / 60).padStart(2, '0'));
}

PAGES.diag = (main, arg) => {
  if (arg) return traceView(main, arg);
  const msg = h('div', {class: 'msg', role: 'alert'});
  const figs = h('div', {class: 'cards', id: 'diag-figures'});
  const body = h('tbody');
  add(main, h('h1', {}, t('nav.diag')), msg, figs,
    h('div', {class: 'card'}, h('h2', {}, t('diag.traces')), h('p', {class: 'hint'}, t('diag.tracesHint')),
      h('div', {class: 'tw'}, h('table', {id: 'trace-list'}, thead(['rec.started', 'rec.from', 'rec.to', 'diag.messages', '']), body))),
    h('div', {class: 'card'}, h('h2', {}, t('diag.metrics')), h('p', {class: 'hint'}, t('diag.metricsHint')),
      h('code', {class: 'mono'}, 'curl -H "Authorization: Bearer ivb_…" ' + location.origin + '/metrics')));
  (async () => {
    try {
      const [d, list] = await Promise.all([api('GET', 'diagnostics'), api('GET', 'traces')]);
      const stat = (key, v) => h('div', {class: 'stat'}, h('span', {}, t(key)), h('b', {}, v == null ? '—' : v));
      clear(figs, stat('dash.version', d.version), stat('diag.go', d.go), stat('diag.cpus', d.cpus), stat('dash.goroutines', d.goroutines),
        stat('diag.heap', fmtBytes(d.heap_bytes)), stat('dash.mem', d.rss_mb == null ? null : Number(d.rss_mb).toFixed(1) + ' MB'),
        stat('diag.gc', d.gc_runs), stat('dash.uptime', fmtSecs(d.uptime_s)));
      clear(body, (list || []).length ? list.map(x => h('tr', {'data-call': x.call}, h('td', {class: 'num'}, fmtTime(x.started)),
        h('td', {}, x.from || ''), h('td', {}, x.to || ''), h('td', {class: 'num'}, x.messages, x.live ? [' ', h('span', {class: 'badge'}, t('diag.live'))] : null),
        h('td', {}, h('a', {class: 'btn sm', href: '#/diag/' + encodeURIComponent(x.call)}, t('diag.show'))))) : emptyRow(5, 'diag.noTraces'));
      stacked($('#trace-list', main));
    } catch (e) { msgBox(msg, e); }
  })();
};

// traceView shows one call's trace: the SIP messages as a ladder (the box
// on the right, the other side on the left), each opening to its full
// text, and the RTP figures.
async function traceView(main, id) {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'trace-msg'});
  const url = 'calls/' + encodeURIComponent(id) + '/trace';
  add(main, h('h1', {}, t('diag.traceTitle')), msg);
  let tr;
  try { tr = await api('GET', url); } catch (e) { return msgBox(msg, e); }
  const rtp = tr.rtp;
  const stat = (key, v) => h('div', {class: 'stat'}, h('span', {}, t(key)), h('b', {}, v == null || v === '' ? '—' : v));
  add(main, h('div', {class: 'cards'}, stat('rec.from', tr.from), stat('rec.to', tr.to), stat('rec.started', fmtTime(tr.started)),
    stat('diag.callId', h('span', {class: 'mono'}, tr.sip_call_id))),
  h('div', {class: 'card'}, h('div', {class: 'row'}, h('h2', {class: 'grow'}, t('diag.sip')),
    h('a', {class: 'btn sm', id: 'trace-download', href: '/api/admin/' + url + '?format=text', download: 'trace-' + id + '.txt'}, '⬇ ' + t('rec.download'))),
  h('div', {class: 'ladder', id: 'ladder'}, h('div', {class: 'lhead'}, h('span', {}, t('diag.peer')), h('span', {}, 'ivrbox')),
    (tr.sip || []).map(m => h('details', {class: 'lmsg ' + (m.dir === 'in' ? 'in' : 'out'), 'data-method': m.method || ''},
      h('summary', {}, h('span', {class: 'ltime num'}, fmtClock(m.time)), h('span', {class: 'arrow'}, m.dir === 'in' ? '→' : '←'),
        h('b', {class: 'mono'}, m.status ? m.first_line.replace(/^SIP\/2\.0 /, '') : m.method || m.first_line), ' ',
        h('span', {class: 'hint mono'}, m.status ? '(' + m.method + ')' : m.remote)),
      h('pre', {class: 'mono'}, m.text || m.first_line)))),
    tr.dropped ? h('p', {class: 'hint'}, t('diag.dropped', tr.dropped)) : null),
  h('div', {class: 'card', id: 'trace-rtp'}, h('h2', {}, t('diag.rtp')), rtp ? h('div', {class: 'cards'},
    stat('dash.codec', rtp.codec), stat('diag.remote', h('span', {class: 'mono'}, rtp.remote)), stat('diag.localPort', rtp.local_port),
    stat('diag.pktIn', rtp.packets_in), stat('diag.pktOut', rtp.packets_out), stat('diag.lost', rtp.lost),
    stat('diag.jitter', rtp.jitter_ms == null ? null : Number(rtp.jitter_ms).toFixed(1) + ' ms'),
    stat('diag.first', rtp.first ? t('diag.first.' + rtp.first) : null)) : h('p', {class: 'hint'}, t('diag.noRTP'))),
  h('a', {class: 'btn', href: '#/diag'}, t('back')));
}

// PAGES.logs is the box's log: the lines the box keeps (across a restart
// of the service), newest first, by level and text, refreshed while shown,
// and the download of all kept lines.
PAGES.logs = main => {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'log-msg'});
  const body = h('tbody');
  const level = h('select', {id: 'log-level'}, ['debug', 'info', 'warn', 'error'].map(l =>
    h('option', {value: l, selected: l === 'info'}, t('log.level.' + l))));
  const q = h('input', {type: 'search', id: 'log-q', placeholder: t('log.searchPh'), autocomplete: 'off'});
  const kept = h('span', {class: 'hint', id: 'log-kept'});
  const dl = h('a', {class: 'btn', id: 'log-download', download: 'ivrbox.log'}, '⬇ ' + t('rec.download'));
  let last = 0, gen = 0;
  const params = () => 'level=' + level.value + (q.value.trim() ? '&q=' + encodeURIComponent(q.value.trim()) : '');
  const row = l => h('tr', {'data-seq': l.seq, class: 'lv-' + String(l.level).toLowerCase()}, h('td', {class: 'num nowrap'}, fmtTime(l.time)),
    h('td', {}, h('span', {class: 'badge'}, l.level)), h('td', {}, l.msg), h('td', {class: 'mono hide-sm'}, l.attrs || ''));
  async function load(more) {
    const g = more ? gen : ++gen;
    dl.href = '/api/admin/logs?format=text&' + params();
    let r;
    try { r = await api('GET', 'logs?limit=500&' + params() + (more && last ? '&after=' + last : '')); } catch (e) { return msgBox(msg, e); }
    if (g !== gen) return;
    msgBox(msg);
    const lines = (r && r.lines) || [];
    if (lines.length) last = lines[lines.length - 1].seq;
    kept.textContent = t('log.kept', r && r.max);
    const rows = lines.slice().reverse().map(row);
    if (!more) clear(body, rows.length ? rows : emptyRow(4, 'log.none'));
    else if (rows.length) { const e = body.querySelector('td.empty'); if (e) e.parentNode.remove(); body.prepend(...rows); }
    while (body.rows.length > 1000) body.lastChild.remove();
  }
  const reload = () => { last = 0; load(false); };
  level.addEventListener('change', reload);
  q.addEventListener('input', () => { clearTimeout(q.timer); q.timer = setTimeout(reload, 300); });
  add(main, h('h1', {}, t('nav.logs')), h('div', {class: 'card row'},
    h('label', {for: 'log-level', class: 'live'}, t('log.level')), level, q, dl, kept), msg,
  h('div', {class: 'card tw'}, h('table', {id: 'log-list'}, thead(['ev.time', 'log.levelCol', 'log.msg', 'log.attrs|hide-sm']), body)));
  reload();
  const tick = setInterval(() => load(true), 5000);
  return () => clearInterval(tick);
};
