'use strict';
// logs.js: the event log (recent events, then live ones) and the call
// records (newest first, a page at a time) with their recordings: play,
// download, delete.

const MAX_EVENTS = 300;

PAGES.events = main => {
  const msg = h('div', {class: 'msg', role: 'alert'});
  const body = h('tbody');
  const liveOn = h('input', {type: 'checkbox', id: 'events-live', checked: true});
  const seen = new Set();
  add(main, h('div', {class: 'row'}, h('h1', {class: 'grow'}, t('nav.events')),
    h('label', {class: 'live', for: 'events-live'}, liveOn, ' ', t('ev.live'))), msg,
  h('div', {class: 'card tw'}, h('table', {id: 'event-list'},
    thead(['ev.time', 'ev.kind', 'ev.call|hide-sm', 'ev.fromto', 'ev.detail']), body)));
  const put = (ev, top) => {
    if (ev.seq != null && seen.has(ev.seq)) return;
    seen.add(ev.seq);
    const empty = body.querySelector('td.empty');
    if (empty) empty.parentNode.remove();
    const row = eventRow(ev);
    if (top) body.prepend(row); else body.append(row);
    while (body.rows.length > MAX_EVENTS) body.lastChild.remove();
  };
  (async () => {
    try {
      const list = (await api('GET', 'events/recent?limit=100')) || [];
      list.sort((a, b) => b.seq - a.seq).forEach(ev => put(ev, false));
      if (!body.rows.length) {
        const st = await api('GET', 'status').catch(() => null);
        add(body, h('tr', {}, h('td', {class: 'empty', colSpan: 5}, t('ev.none'), st ? h('div', {class: 'hint'}, t('ev.afterRestart', fmtSecs(st.uptime_s))) : null)));
      }
    } catch (e) { msgBox(msg, e); }
  })();
  return onEvent(ev => { if (liveOn.checked) put(ev, true); });
};

// causeText is an end cause in the user's words (the box's word if unknown).
const causeText = c => (c && hasKey('cause.' + c) ? t('cause.' + c) : c || '');

function eventRow(ev) {
  const d = [];
  if (ev.ivr) d.push(t('ev.ivr', ev.ivr));
  if (ev.digit) d.push(t('ev.digit', ev.digit) + (ev.source ? ' (' + ev.source + ')' : ''));
  if (ev.digits) d.push(t('ev.digits', ev.digits));
  if (ev.prompt) d.push(t('ev.prompt', ev.prompt));
  if (ev.cause) d.push(t('ev.cause', causeText(ev.cause)));
  if (ev.reason && ev.kind === 'call.refused') d.push(ev.reason);
  const x = ev.control || ev.command || ev.recording || ev.fork;
  // A command's kind and status in words; its reason (the box's English)
  // only where the status does not say it already.
  const word = (k, v) => (v && hasKey(k + v) ? t(k + v) : v);
  if (x) d.push([x.key, x.controller, word('cmd.', x.kind), word('cmdst.', x.status), x.format, x.in, x.out,
    lang === 'en' || !hasKey('cmdst.' + x.status) ? x.reason : ''].filter(Boolean).join(' '));
  const c = ev.call || ev;
  return h('tr', {'data-seq': ev.seq}, h('td', {class: 'num'}, fmtClock(ev.time)),
    h('td', {}, h('span', {class: 'badge', title: ev.kind}, DICT.en['kind.' + ev.kind] ? t('kind.' + ev.kind) : ev.kind)),
    h('td', {class: 'mono hide-sm', title: ev.callid}, (ev.callid || '').slice(0, 12)),
    h('td', {}, c.from || c.to ? (c.from || '?') + ' → ' + (c.to || '?') : ''), h('td', {}, d.join(' · ')));
}

const PAGE_SIZE = 50;

PAGES.records = main => {
  const msg = h('div', {class: 'msg', role: 'alert'});
  const body = h('tbody');
  const cursors = [''];
  const newer = h('button', {type: 'button', id: 'rec-newer', onclick: () => { cursors.pop(); load(); }}, '← ' + t('rec.newer'));
  const older = h('button', {type: 'button', id: 'rec-older'}, t('rec.older') + ' →');
  const pageNo = h('span', {class: 'live'});
  const filters = recFilters(() => { cursors.length = 1; load(); });
  let last = null;
  older.addEventListener('click', () => { if (last) { cursors.push(last); load(); } });
  add(main, h('h1', {}, t('nav.records')), filters.el, msg, h('div', {class: 'card'}, h('div', {class: 'tw'},
    h('table', {id: 'record-list'}, thead(['rec.started', 'rec.from', 'rec.to', 'rec.duration', 'rec.cause', 'rec.trunk|hide-sm', 'rec.ivrs|hide-sm', 'rec.digits|hide-sm']), body)),
  h('div', {class: 'pager'}, newer, older, pageNo)));
  async function load() {
    const before = cursors[cursors.length - 1];
    const q = filters.query();
    let list;
    try {
      list = (await api('GET', 'records?limit=' + PAGE_SIZE + (q ? '&' + q : '') + (before ? '&before=' + encodeURIComponent(before) : ''))) || [];
    } catch (e) { return msgBox(msg, e); }
    msgBox(msg);
    last = list.length ? list[list.length - 1].started : null;
    newer.disabled = cursors.length < 2;
    older.disabled = list.length < PAGE_SIZE;
    pageNo.textContent = t('rec.page', cursors.length);
    clear(body, list.length ? list.map(r => [h('tr', {'data-id': r.id, class: (r.recordings ? 'has-rec' : '') + (r.refused ? ' refused' : '') || null},
      h('td', {class: 'num'}, fmtTime(r.started)),
      h('td', {}, r.from || ''), h('td', {}, r.to || ''),
      h('td', {class: 'num'}, r.refused ? h('span', {class: 'badge st-error'}, t('rec.refused', r.status || '')) :
        r.answered ? fmtSecs(r.duration_s) : t('rec.unanswered')),
      h('td', {class: 'cause'}, causeText(r.cause), r.reason ? h('div', {class: 'hint'}, reasonText(r)) : null,
        h('a', {class: 'trace hint', href: '#/diag/' + encodeURIComponent(r.id)}, t('diag.trace'))),
      h('td', {class: 'hide-sm mono'}, r.trunk || ''),
      h('td', {class: 'hide-sm'}, (r.ivrs || []).join(' → ')), h('td', {class: 'mono hide-sm'}, r.digits || '')),
    r.recordings ? h('tr', {class: 'recs', 'data-for': r.id}, h('td', {colSpan: 8}, r.recordings.map(recItem))) : null]) :
      emptyRow(8, 'rec.none'));
  }
  load();
};

// reasonText is why a call was refused: the box's own words in English
// (they name the DID and the trunk), a translation built from the record's
// fields in another language where the cause is known.
function reasonText(r) {
  if (lang === 'en' || !hasKey('rec.why.' + r.cause)) return r.reason;
  return t('rec.why.' + r.cause, {to: r.to || '', trunk: r.trunk || '', status: r.status || ''});
}

// recFilters is the filter bar of the call records: dates (the box's local
// days), a number, an IVR, a cause, refused or not, free text, and the CSV
// download of the same selection. changed runs on Apply.
function recFilters(changed) {
  const inp = (id, attrs) => h('input', Object.assign({id: 'rec-' + id, autocomplete: 'off'}, attrs));
  const f = {from: inp('from', {type: 'date'}), to: inp('to', {type: 'date'}), number: inp('number', {inputmode: 'tel', placeholder: '1001'}),
    ivr: inp('ivr', {inputmode: 'numeric', placeholder: '6500', class: 'short'}), q: inp('q', {type: 'search', placeholder: t('rec.searchPh')})};
  const causes = ['', 'normal', 'bye', 'cancel', 'hangup', 'admin', 'no_route', 'no_ivr', 'busy', 'codec', 'no-answer', 'rejected', 'unavailable', 'error'];
  const cause = h('select', {id: 'rec-cause'}, causes.map(c => h('option', {value: c}, c ? causeText(c) : t('rec.anyCause'))));
  const refused = h('select', {id: 'rec-refused'}, [['', 'rec.all'], ['1', 'rec.onlyRefused'], ['0', 'rec.notRefused']].map(([v, k]) => h('option', {value: v}, t(k))));
  const csv = h('a', {class: 'btn', id: 'rec-csv', download: 'call-records.csv'}, '⬇ CSV');
  const query = () => {
    const p = new URLSearchParams();
    for (const k of ['from', 'to', 'number', 'ivr', 'q']) if (f[k].value.trim()) p.set(k, f[k].value.trim());
    if (f.to.value) p.set('to', nextDay(f.to.value)); // the chosen day is included
    if (cause.value) p.set('cause', cause.value);
    if (refused.value) p.set('refused', refused.value);
    return p.toString();
  };
  const sync = () => { const q = query(); csv.href = '/api/admin/records?format=csv' + (q ? '&' + q : ''); };
  const apply = e => { e.preventDefault(); sync(); changed(); };
  const field = (key, el) => h('div', {class: 'field'}, h('label', {for: el.id}, t(key)), el);
  const el = h('form', {class: 'card filters', id: 'rec-filters', onsubmit: apply, oninput: sync, onchange: sync}, h('div', {class: 'form'},
    field('rec.fromDay', f.from), field('rec.toDay', f.to), field('rec.number', f.number), field('rec.ivr', f.ivr),
    field('rec.cause', cause), field('rec.refusedQ', refused), field('rec.search', f.q)),
  h('div', {class: 'row'}, h('button', {type: 'submit', class: 'pri', id: 'rec-apply'}, t('rec.apply')), csv, h('span', {class: 'hint'}, t('rec.localTime'))));
  sync();
  return {el, query};
}
// nextDay is the date after d (YYYY-MM-DD).
function nextDay(d) {
  const x = new Date(d + 'T12:00:00Z');
  x.setUTCDate(x.getUTCDate() + 1);
  return x.toISOString().slice(0, 10);
}

// recItem lists one recording of a call: per file a player, a download
// link and a delete button; a file that is gone shows "deleted".
function recItem(rc) {
  const what = t('fmt.' + rc.format) + ' · ' + fmtSecs(rc.duration_s) + ' · ' + fmtBytes(rc.bytes);
  return h('div', {class: 'rec', 'data-rec': rc.id}, h('span', {class: 'badge'}, what), (rc.files || []).map(f => {
    const url = '/api/admin/recordings/' + enc(f);
    const box = h('div', {class: 'recfile', 'data-file': f}, h('span', {class: 'mono'}, f.split('/').pop()));
    const gone = () => { box.classList.add('gone'); clear(box, h('span', {class: 'mono'}, f.split('/').pop()), ' ', h('span', {class: 'badge'}, t('rec.deleted'))); };
    fetch(url, {method: 'HEAD', credentials: 'same-origin'}).then(res => {
      if (res.status === 404) return gone();
      add(box, h('audio', {controls: true, preload: 'metadata', src: url}),
        h('a', {class: 'btn sm', href: url + '?download=1', download: f.split('/').pop()}, '⬇ ' + t('rec.download')),
        confirmBtn(t('delete'), async () => {
          try { await api('DELETE', 'recordings/' + enc(f)); gone(); toast(t('rec.deletedFile')); } catch (e) {
            if (e.status === 404) gone(); else toast(errText(e));
          }
        }, {class: 'danger sm del'}));
    }, () => {});
    return box;
  }));
}
