package call

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/route"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/media/stream"
)

// DialTimeout bounds how long an outbound call may ring before it is
// given up (cause no-answer).
const DialTimeout = 60 * time.Second

// target is one way to reach a number: a trunk or a registered account.
type target struct {
	uri       string         // Request-URI
	dest      netip.AddrPort // where the INVITE goes
	from      string         // our From user
	fromHost  string         // our From host; "" for our address
	authUser  string
	password  string
	transport string
	trunk     string // trunk name; "" for a local account
	// serverName and ca check a TLS trunk's certificate (sip.DialOptions).
	serverName, ca string
	// encryption is the leg's media encryption (config.Encryption*).
	encryption string
}

// DialIVR places a call to number through the first outbound route that
// matches it and that account fromExt may use, trying the route's trunks in
// order. It returns at once with the call's snapshot; the IVR engine runs the
// call from the start (so an API may move it as soon as it is answered) and
// its Answer dials: CallStarted, CallRinging, CallAnswered, then the IVR's
// events; CallEnded with Status and Reason when it fails. From is ivr and To
// is number, as the PBX API reports them. Errors: CodeUnknownIVR,
// CodeUnknownAccount, CodeNoRoute, CodeNotAllowed, CodeNoTrunk, CodeBusy,
// CodeShutdown.
func (m *Manager) DialIVR(ctx context.Context, ivr, number, fromExt string) (Info, error) {
	if m.runner == nil || !m.runner.Has(ivr) {
		return Info{}, fail(CodeUnknownIVR, "dial", nil, "IVR %q", ivr)
	}
	if m.dialer == nil {
		return Info{}, fail(CodeNoTrunk, "dial", nil, "no SIP dialer")
	}
	if m.draining.Load() {
		return Info{}, fail(CodeShutdown, "dial", nil, "the box is draining: it places no new call")
	}
	cfg := m.opt.Config()
	out, err := route.FindOutbound(*cfg, fromExt, number)
	if err != nil {
		return Info{}, routeErr("dial", err)
	}
	trunks := trunksOf(cfg, out.Route.Trunks)
	if len(trunks) == 0 {
		return Info{}, fail(CodeNoTrunk, "dial", nil, "route %q has no usable trunk", out.Route.Name)
	}
	c := newCall(m, event.Outbound, ivr, number, m.log)
	c.fromExt, c.trunk = fromExt, trunks[0].Name
	c.dial = func(ctx context.Context) error { return m.dialTrunks(ctx, c, trunks, out.Dial) }
	if err := m.admitRun(c); err != nil {
		return Info{}, err
	}
	if err := c.openOutMedia(); err != nil {
		m.remove(c)
		c.cancel(errEnded)
		m.wg.Done()
		return Info{}, fail(CodeInternal, "dial", err, "")
	}
	m.total.Add(1)
	go c.run(leg{})
	c.publish(event.Event{Kind: event.CallStarted})
	c.log.Info("outbound call", "ivr", ivr, "number", number, "dial", out.Dial, "route", out.Route.Name,
		"trunk", c.trunk, "fromext", fromExt, "leg", c.leg)
	go m.runOutbound(c, ivr)
	return c.Info(), nil
}

// admitRun admits c like admit and counts it as running (Close waits for it).
func (m *Manager) admitRun(c *Call) error {
	if err := m.admit(c); err != nil {
		return err
	}
	m.mu.Lock()
	closed := m.closed
	if !closed {
		m.wg.Add(1)
	}
	m.mu.Unlock()
	if closed {
		m.remove(c)
		return fail(CodeShutdown, "dial", nil, "the box is shutting down")
	}
	return nil
}

// runOutbound runs the IVR on a call the box places; the engine's Answer
// dials it (placeOnce).
func (m *Manager) runOutbound(c *Call, ivr string) {
	defer m.wg.Done()
	defer m.finish(c)
	if err := m.runner.Run(c.ctx, c.base, ivr); err != nil && !errors.Is(err, context.Canceled) {
		c.log.Info("call run ended", "err", err)
	}
}

// placeOnce dials the call the first time Answer is called and returns the
// outcome then and after.
func (c *Call) placeOnce(ctx context.Context) error {
	c.mu.Lock()
	if c.dialed || c.dial == nil {
		err := c.dialErr
		c.mu.Unlock()
		return err
	}
	c.dialed = true
	dial := c.dial
	c.mu.Unlock()
	err := dial(ctx)
	c.mu.Lock()
	c.dialErr = err
	c.mu.Unlock()
	return err
}

// dialTrunks dials the call's trunks in order until one answers. On
// failure the call is over (its cause, SIP status and reason recorded) and
// the error has CodeEnded.
func (m *Manager) dialTrunks(ctx context.Context, c *Call, trunks []config.Trunk, dial string) error {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	var err error
	for i, t := range trunks {
		if i > 0 {
			c.mu.Lock()
			c.trunk = t.Name
			c.mu.Unlock()
		}
		var cd *sip.ClientDialog
		cd, err = m.dialLeg(ctx, c, c.stream(), m.trunkTarget(t, dial))
		if err == nil {
			c.attach(cd)
			return nil
		}
		if !failover(err) || c.ctx.Err() != nil {
			break
		}
		c.log.Warn("trunk failed: trying the next one", "trunk", t.Name, "err", err)
	}
	cause, status, reason := failureOf(ctx, err)
	c.log.Info("outbound call failed", "cause", cause, "status", status, "err", err)
	c.setFailure(cause, status, reason)
	c.cancel(errEnded)
	return fail(CodeEnded, "dial", err, "%s", reason)
}

// dialLeg sends the INVITE for st (our offer) to tg and waits for the
// answer; 180/183 mark c ringing (CallRinging, once), 183 with SDP starts
// early media. On answer st is pointed at the callee.
func (m *Manager) dialLeg(ctx context.Context, c *Call, st *stream.Stream, tg target) (*sip.ClientDialog, error) {
	local := netip.AddrPortFrom(m.localIPFor(tg.dest), uint16(st.LocalPort()))
	st.SetSignal(tg.dest.Addr()) // strict RTP: the callee's SDP address or this IP
	c.mu.Lock()
	c.local.version++
	if st == c.st {
		c.local.addr = local // re-INVITE answers describe this stream
	}
	offer, offered, err := offerKeys(tg.encryption, local, c.local.sessID, c.local.version)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	keys := srtpKeys{policy: tg.encryption, offered: offered}
	cd, err := m.dialer.Dial(ctx, sip.DialOptions{
		Target: tg.uri, Destination: tg.dest, From: tg.from, FromHost: tg.fromHost, AuthUser: tg.authUser,
		Password: tg.password, Transport: tg.transport, ServerName: tg.serverName, CA: tg.ca, SDP: offer,
		OnProgress: func(p sip.Progress) { c.progress(st, keys, p) },
	})
	if err != nil {
		return nil, err
	}
	if keys, err = applyAnswer(st, keys, cd.RemoteSDP()); err != nil {
		c.log.Warn("answer refused: hanging up the leg", "err", err)
		hctx, done := context.WithTimeout(context.Background(), 5*time.Second)
		_ = cd.Hangup(hctx)
		done()
		return nil, &sip.StatusError{Code: 488, Reason: "Not Acceptable Here", Err: err}
	}
	if st == c.stream() {
		c.mu.Lock()
		c.srtp = keys
		c.mu.Unlock()
	}
	if keys.on {
		c.log.Info("media encrypted", "srtp", keys.ours.Suite)
	}
	return cd, nil
}

// progress handles a provisional answer to one of c's INVITEs.
func (c *Call) progress(st *stream.Stream, keys srtpKeys, p sip.Progress) {
	if p.Code != 180 && p.Code != 183 {
		return
	}
	if len(p.SDP) > 0 {
		_, _ = applyAnswer(st, keys, p.SDP) // early media: we listen; a bad one waits for the 2xx
	}
	c.mu.Lock()
	first := !c.ringing && st == c.st
	if st == c.st {
		c.ringing = true
	}
	c.mu.Unlock()
	if first {
		c.publish(event.Event{Kind: event.CallRinging})
	}
}

// applyAnswer points st at the media an SDP answer describes, with the
// SRTP keys it gives under keys' policy (returned, with the answer's).
func applyAnswer(st *stream.Stream, keys srtpKeys, body []byte) (srtpKeys, error) {
	m, err := sdp.ParseAnswer(body)
	if err != nil {
		return keys, err
	}
	if m.Codecs[0] != uint8(stream.PCMU) && m.Codecs[0] != uint8(stream.PCMA) {
		return keys, fmt.Errorf("%w: G.711 only under dynamic payload type %d", sdp.ErrNoCodec, m.Codecs[0])
	}
	if keys, err = acceptKeys(keys.policy, keys.offered, m); err != nil {
		return keys, err
	}
	if err := st.SetCrypto(keys.streamCrypto()); err != nil {
		return keys, err
	}
	st.SetCodec(stream.Codec(m.Codecs[0]), m.DTMFPT)
	st.SetInband(m.DTMFPT == 0)
	if m.Addr.IsValid() && !m.Addr.Addr().IsUnspecified() && m.Addr.Port() != 0 {
		st.SetRemote(m.Addr)
	}
	return keys, nil
}

// attach makes an answered outbound leg the call's signalling. A call
// answered without a provisional response we saw (sipgo may pass over a 180
// that arrives just before the 200) is reported ringing first, so CallRinging
// always precedes CallAnswered.
func (c *Call) attach(cd *sip.ClientDialog) {
	m, _ := sdp.ParseAnswer(cd.RemoteSDP())
	c.mu.Lock()
	c.out, c.media, c.sipID = cd, m, cd.CallID()
	c.fromTag, c.toTag = cd.Tags()
	c.source = cd.Destination()
	c.answered = time.Now()
	st := c.st
	rang := c.ringing
	c.ringing = true
	c.mu.Unlock()
	if !rang { // answered without a 180 we saw: apps still get ringing before answered
		c.publish(event.Event{Kind: event.CallRinging})
	}
	c.audio.Store(uint32(m.Codecs[0]))
	if st != nil {
		st.SetSending(true)
	}
	c.send(msg{kind: msgLeg, leg: leg{done: cd.Done(), cause: cd.Cause}})
	cd.OnInfo(func(key byte) { c.offerKey(key, "info") })
	cd.OnReInvite(c.reInvite)
	c.publish(event.Event{Kind: event.CallAnswered})
}

// openOutMedia opens the stream of an outbound call; its remote address
// comes with the callee's answer.
func (c *Call) openOutMedia() error {
	st, err := c.m.opt.Media.Open(stream.Config{
		Local:    c.m.bindIP(),
		Codec:    stream.PCMU,
		DTMFPT:   sdp.OfferDTMFPT,
		OnDigit:  c.offerKey,
		LearnAny: c.m.opt.Config().System.RTPLearnAny,
	})
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	c.mu.Lock()
	c.st = st
	c.mu.Unlock()
	return nil
}

// trunkTarget is how to reach dial through trunk t.
func (m *Manager) trunkTarget(t config.Trunk, dial string) target {
	tg := target{uri: "sip:" + dial + "@" + t.Addr(), from: t.CallerUser(), authUser: t.AuthName(),
		transport: strings.ToUpper(t.Net()), trunk: t.Name, encryption: t.Encryption()}
	if tg.from == "" {
		tg.from = "ivrbox"
	}
	if t.Type == config.TrunkRegister {
		tg.fromHost = t.Realm()
	}
	tg.password = m.secret(config.TrunkSecretKey(t.Name))
	if t.Net() == config.TransportTLS {
		tg.serverName, tg.ca = t.ServerName(), t.CAPEM
	}
	tg.dest = resolveAddr(t.Addr())
	return tg
}

// contactTransport is how to reach a registered Contact: "TLS" for a
// sips: URI or transport=tls, "TCP" for transport=tcp, else "UDP". Over TCP
// and TLS the call goes on the phone's own connection (its source).
func contactTransport(contact string) string {
	c := strings.ToLower(contact)
	switch {
	case strings.HasPrefix(strings.TrimPrefix(c, "<"), "sips:") || strings.Contains(c, ";transport=tls"):
		return "TLS"
	case strings.Contains(c, ";transport=tcp"):
		return "TCP"
	}
	return "UDP"
}

// secret returns a stored password, "" if there is none.
func (m *Manager) secret(key string) string {
	if m.opt.Secret == nil {
		return ""
	}
	s, err := m.opt.Secret(key)
	if err != nil {
		return ""
	}
	return s
}

// resolveAddr resolves host:port to an address; invalid if it cannot (the
// SIP layer then resolves the Request-URI itself and reports the error).
func resolveAddr(hostport string) netip.AddrPort {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return netip.AddrPort{}
	}
	ap, err := netip.ParseAddrPort(net.JoinHostPort(ips[0].Unmap().String(), port))
	if err != nil {
		return netip.AddrPort{}
	}
	return ap
}

// localIPFor is the address to put in SDP for a call to dest: the
// configured one, else the one this host routes to dest from.
func (m *Manager) localIPFor(dest netip.AddrPort) netip.Addr {
	if ip, ok := m.advertised(netip.Addr{}, dest.Addr()); ok {
		return ip
	}
	if m.opt.LocalIP.IsValid() && !m.opt.LocalIP.IsUnspecified() {
		return m.opt.LocalIP
	}
	if dest.IsValid() {
		if conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dest)); err == nil {
			defer conn.Close()
			if ap, err := netip.ParseAddrPort(conn.LocalAddr().String()); err == nil {
				return ap.Addr().Unmap()
			}
		}
	}
	return netip.IPv4Unspecified()
}

// trunksOf returns the named trunks that exist in cfg, in order.
func trunksOf(cfg *config.Config, names []string) []config.Trunk {
	var out []config.Trunk
	for _, n := range names {
		if t, ok := cfg.Trunk(n); ok {
			out = append(out, t)
		}
	}
	return out
}

// failover reports whether a failed dial should try the route's next
// trunk: the trunk itself failed (no answer, 5xx, 403/407 refusing us),
// not the callee (busy, declined, unknown number).
func failover(err error) bool {
	var se *sip.StatusError
	if errors.As(err, &se) {
		return se.Code >= 500 && se.Code < 600 || se.Code == 403 || se.Code == 401 || se.Code == 407 || se.Code == 408
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// failureOf maps a dial error to the call's end cause, SIP status and
// reason ("486 Busy Here").
func failureOf(ctx context.Context, err error) (cause string, status int, reason string) {
	var se *sip.StatusError
	switch {
	case errors.As(err, &se):
		status, reason = se.Code, fmt.Sprintf("%d %s", se.Code, se.Reason)
		if se.Reason == "" {
			reason = fmt.Sprintf("%d %s", se.Code, reasonPhrase(se.Code))
		}
		switch {
		case se.Code == 486 || se.Code == 600:
			cause = CauseBusy
		case se.Code == 408 || se.Code == 480 || se.Code == 487:
			cause = CauseNoAnswer
		case se.Code == 603 || se.Code >= 400 && se.Code < 500:
			cause = CauseRejected
		case se.Code >= 500:
			cause = CauseUnavail
		default:
			cause = CauseFailed
		}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		cause, status, reason = CauseNoAnswer, 408, "408 Request Timeout"
	case ctx.Err() != nil:
		cause, status, reason = "cancel", 487, "487 Request Terminated"
	case errors.Is(err, sip.ErrNoAnswer):
		cause, status, reason = CauseUnavail, 408, "408 Request Timeout"
	default:
		cause, status, reason = CauseUnavail, 503, "503 Service Unavailable"
	}
	return cause, status, reason
}
