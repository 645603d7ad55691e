'use strict';
// live.js: the live event stream, one per browser. A browser opens at most
// six HTTP/1.1 connections to a host, so a stream per tab froze the page at
// the seventh tab. The tab that holds the Web Lock "ivrbox.live" (the
// leader) keeps the only EventSource and passes each event and the
// stream's state to the other tabs over a BroadcastChannel; when it closes,
// the next tab waiting for the lock takes the stream over. Where the page
// has no Web Locks (plain HTTP to a LAN address is not a secure context),
// the leader is the tab holding a lease in localStorage, renewed every 2 s
// (a tab that stops renewing loses it after 6 s); without BroadcastChannel
// either, a tab keeps its own stream only while it is visible. The live dot
// is green only while events or the box's heartbeats (every 15 s) arrive.

const KINDS = ['call.started', 'call.refused', 'call.ringing', 'call.answered', 'call.ended', 'call.transferred', 'dtmf.digit', 'dtmf.string',
  'prompt.finished', 'prompt.skipped', 'ivr.entered', 'ivr.left', 'control.offered', 'control.accepted', 'control.ended',
  'command.finished', 'recording.started', 'recording.finished', 'fork.started', 'fork.stopped'];
const LIVE_STALE = 40000; // ms without an event or a heartbeat: not live
// mode: '' stopped, 'follow' (events from the leader), 'lead' (the stream
// for every tab), 'own' (no locks: a stream while visible).
const live = {mode: '', es: null, subs: new Set(), bc: null, release: null, abort: null, gen: 0,
  on: false, last: 0, timer: 0, check: 0, lease: 0, id: Math.random().toString(36).slice(2)};
const LEASE_KEY = 'ivrbox.live.lease', LEASE_MS = 6000;

function startLive() {
  if (live.mode) return;
  const gen = ++live.gen;
  live.check = setInterval(liveDot, 5000);
  if (!window.BroadcastChannel) {
    live.mode = 'own';
    document.addEventListener('visibilitychange', ownWhileVisible);
    return ownWhileVisible();
  }
  live.mode = 'follow';
  live.bc = new BroadcastChannel('ivrbox.live');
  live.bc.onmessage = m => fromTab(m.data || {});
  live.bc.postMessage({type: 'hello'});
  if (!navigator.locks) {
    leaseTick();
    live.lease = setInterval(leaseTick, 2000);
    return;
  }
  live.abort = new AbortController();
  navigator.locks.request('ivrbox.live', {signal: live.abort.signal}, () => new Promise(resolve => {
    if (gen !== live.gen) return resolve();
    live.release = resolve;
    live.mode = 'lead';
    openStream();
  })).catch(() => { /* aborted by stopLive */ });
}

function stopLive() {
  live.gen++;
  clearTimeout(live.timer);
  clearInterval(live.check);
  clearInterval(live.lease);
  if (live.mode === 'lead' && !live.release) dropLease();
  if (live.es) live.es.close();
  if (live.release) live.release();
  if (live.abort) live.abort.abort();
  if (live.bc) live.bc.close();
  document.removeEventListener('visibilitychange', ownWhileVisible);
  Object.assign(live, {mode: '', es: null, bc: null, release: null, abort: null, on: false, last: 0});
  liveDot();
}

// leaseTick takes, renews or gives up the localStorage lease (no Web
// Locks): the holder leads, the others follow.
function leaseTick() {
  let l = null;
  try { l = JSON.parse(localStorage.getItem(LEASE_KEY) || 'null'); } catch (e) { /* storage off or junk */ }
  const now = Date.now();
  if (l && l.id !== live.id && l.until > now) {
    if (live.mode === 'lead') { live.mode = 'follow'; if (live.es) live.es.close(); live.es = null; }
    return;
  }
  try { localStorage.setItem(LEASE_KEY, JSON.stringify({id: live.id, until: now + LEASE_MS})); } catch (e) {
    clearInterval(live.lease); // no storage: a stream while visible
    live.mode = 'own';
    document.addEventListener('visibilitychange', ownWhileVisible);
    return ownWhileVisible();
  }
  if (live.mode !== 'lead') { live.mode = 'lead'; openStream(); }
}
function dropLease() {
  try {
    const l = JSON.parse(localStorage.getItem(LEASE_KEY) || 'null');
    if (l && l.id === live.id) localStorage.removeItem(LEASE_KEY);
  } catch (e) { /* storage off */ }
}
window.addEventListener('pagehide', () => { if (live.mode === 'lead' && !live.release) dropLease(); });

// liveLoggedOut tells the other tabs that the session ended here.
function liveLoggedOut() {
  if (live.bc) live.bc.postMessage({type: 'logout'});
}

function onEvent(fn) { live.subs.add(fn); return () => live.subs.delete(fn); }
function dispatch(ev) { live.subs.forEach(f => { try { f(ev); } catch (e) { console.error(e); } }); }

// fromTab handles a message of another tab: the leader's events and
// state, a new tab's hello (the leader answers with its state), a logout.
function fromTab(m) {
  if (m.type === 'event') { mark(true); dispatch(m.ev); }
  if (m.type === 'state') mark(m.on);
  if (m.type === 'hello' && live.mode === 'lead') live.bc.postMessage({type: 'state', on: live.on});
  if (m.type === 'logout') sessionEnded();
}

// mark records that the stream is (or is not) delivering now.
function mark(on) {
  live.on = on;
  live.last = on ? Date.now() : 0;
  liveDot();
}
function share(m) { if (live.mode === 'lead' && live.bc) live.bc.postMessage(m); }

// openStream opens the EventSource of this tab (leader or own).
function openStream() {
  const gen = live.gen;
  const es = live.es = new EventSource('/api/admin/events');
  const state = on => { mark(on); share({type: 'state', on}); };
  const got = m => {
    let ev;
    try { ev = JSON.parse(m.data); } catch (e) { return; }
    mark(true);
    dispatch(ev);
    share({type: 'event', ev});
  };
  KINDS.forEach(k => es.addEventListener(k, got));
  es.onmessage = got;
  es.addEventListener('heartbeat', () => state(true));
  es.onopen = () => state(true);
  es.onerror = () => {
    state(false);
    if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    if (live.es === es) live.es = null;
    clearTimeout(live.timer);
    live.timer = setTimeout(() => reopen(gen), 5000);
  };
}

// reopen opens the stream again after the box refused it, unless the
// session ended meanwhile.
async function reopen(gen) {
  if (gen !== live.gen || !S.loggedIn) return;
  let s = null;
  try { s = await api('GET', 'session'); } catch (e) { /* the box is away: try later */ }
  if (gen !== live.gen) return;
  if (s && !s.logged_in) return sessionEnded();
  if (!s) live.timer = setTimeout(() => reopen(gen), 5000);
  else if (live.mode === 'lead' || (live.mode === 'own' && !document.hidden)) openStream();
}

// ownWhileVisible keeps this tab's own stream open only while it is shown.
function ownWhileVisible() {
  if (document.hidden) {
    clearTimeout(live.timer);
    if (live.es) live.es.close();
    live.es = null;
    mark(false);
  } else if (!live.es) openStream();
}

function liveDot() {
  const on = live.on && Date.now() - live.last < LIVE_STALE;
  const d = $('#live-dot');
  if (d) { d.classList.toggle('on', on); d.title = t(on ? 'live.on' : 'live.off'); }
}
