'use strict';
// conf.js: the live conferences — every room with its members (number,
// call, joined, muted, talking), Mute/Unmute and Kick per member and End per
// room; kept current by the conference events and a poll every 2 s.

NAV.splice(NAV.indexOf('ivrs') + 1, 0, 'conferences');
KINDS.push('conf.created', 'conf.joined', 'conf.left', 'conf.ended', 'conf.talking');

const confPath = (id, call) => 'conferences/' + encodeURIComponent(id) + (call ? '/members/' + encodeURIComponent(call) : '');

PAGES.conferences = main => {
  const msg = h('div', {class: 'msg', role: 'alert', id: 'conf-msg'});
  const list = h('div', {id: 'conf-list'});
  const count = h('span', {class: 'badge', id: 'conf-count'}, '0');
  add(main, h('h1', {}, t('nav.conferences'), ' ', count), h('p', {class: 'hint'}, t('conf.hint')), msg, list);
  let busy = false, gone = false, seen = null, deb = 0;
  const load = async () => {
    if (busy || gone) return;
    busy = true;
    try {
      const rooms = (await api('GET', 'conferences')) || [];
      if (gone) return;
      msgBox(msg);
      const sig = JSON.stringify(rooms);
      // Keep a Kick or End waiting for its second click.
      const armed = [...list.querySelectorAll('button.danger')].some(b => b.textContent === t('sure'));
      if (sig !== seen && !armed) { seen = sig; confRooms(list, count, rooms, act); }
    } catch (e) {
      if (!gone) msgBox(msg, e.status === 501 ? t('conf.off') : e);
    } finally { busy = false; }
  };
  // act runs one change, tells how it went, and reloads.
  const act = async (method, path, done) => {
    try { await api(method, path); toast(done); } catch (e) { toast(errText(e)); }
    seen = null;
    await load();
  };
  const off = onEvent(ev => {
    if (!/^conf\./.test(ev.kind)) return;
    clearTimeout(deb);
    deb = setTimeout(load, 150);
  });
  load();
  const tick = setInterval(load, 2000);
  return () => { gone = true; off(); clearInterval(tick); clearTimeout(deb); };
};

// confRooms draws the rooms, each a card with its members' table.
function confRooms(el, count, rooms, act) {
  count.textContent = rooms.length;
  if (!rooms.length) return clear(el, h('div', {class: 'card empty', id: 'conf-none'}, t('conf.none')));
  clear(el, rooms.map(r => h('div', {class: 'card conf', 'data-id': r.id},
    h('div', {class: 'row'}, h('h2', {class: 'grow'}, t('conf.room', r.id)),
      h('span', {class: 'badge n'}, t('conf.count', r.members.length, r.max_members)),
      confirmBtn(t('conf.end'), () => act('DELETE', confPath(r.id), t('conf.ended', r.id)), {class: 'danger sm end'})),
    h('p', {class: 'hint'}, t('conf.created', fmtClock(r.created), since(r.created)), r.owner ? ' · ' + t('conf.owner', r.owner) : ''),
    h('div', {class: 'tw'}, h('table', {class: 'members'},
      thead(['conf.number', 'conf.call|hide-sm', 'conf.joined|hide-sm', 'conf.state', '']),
      h('tbody', {}, r.members.length ? r.members.map(m => confMember(r, m, act)) : emptyRow(5, 'conf.nomembers')))))));
}

// confMember is one member's row.
function confMember(r, m, act) {
  const path = confPath(r.id, m.call_id);
  return h('tr', {'data-call': m.call_id, class: m.muted ? 'muted' : null},
    h('td', {}, m.number || '—'), h('td', {class: 'mono hide-sm'}, m.call_id),
    h('td', {class: 'num hide-sm'}, fmtClock(m.joined)),
    h('td', {}, m.muted ? h('span', {class: 'badge st-muted'}, t('conf.muted')) : null,
      m.talking ? h('span', {class: 'badge st-talking'}, t('conf.talking')) : null),
    h('td', {class: 'nowrap'},
      h('button', {type: 'button', class: 'sm ' + (m.muted ? 'unmute' : 'mute'),
        onclick: () => act('POST', path + (m.muted ? '/unmute' : '/mute'), t(m.muted ? 'conf.unmuted' : 'conf.mutedNow'))},
      t(m.muted ? 'conf.unmute' : 'conf.mute')), ' ',
      confirmBtn(t('conf.kick'), () => act('DELETE', path, t('conf.kicked')), {class: 'danger sm kick'})));
}
