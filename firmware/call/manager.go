package call

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/media/fork"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/record"
	"github.com/ivrbox/ivrbox/media/stream"
)

// Runner runs a call through the box's logic (the IVR engine): it rings
// and answers it (for a call the box places, Answer dials it) and steers it
// through ctl, the call's own control, until the call is over. Run owns the
// call until it returns.
type Runner interface {
	Has(number string) bool
	Run(ctx context.Context, ctl *Control, number string) error
}

// Options wires a Manager. Every field is required unless documented.
type Options struct {
	Media   *stream.Engine        // RTP streams
	Prompts *prompt.Cache         // prompt loading
	Bus     *event.Bus            // call events
	Config  func() *config.Config // live configuration, read-only (call limit, routes, media limits)
	Log     *slog.Logger          // nil: discard
	// Recorder records calls (record commands, IVR recordings); nil: the
	// box cannot record (CodeUnsupported).
	Recorder *record.Recorder
	// Forker sends media forks; nil: the box cannot fork (CodeUnsupported).
	Forker *fork.Forker
	// Own reports whether an address is one of the box's own, for the fork
	// target policy; nil: only loopback counts as the box's.
	Own func(netip.Addr) bool
	// LocalIP is the address put in SDP. Zero: the address this host uses to
	// reach each caller.
	LocalIP netip.Addr
	// Secret returns a stored password (trunk and account passwords, by
	// config.TrunkSecretKey); nil: calls go out without credentials.
	Secret func(key string) (string, error)
	// Serial is the box's serial number, folded into every call id so ids
	// are unique across boxes (see idGen); "" is allowed (tests).
	Serial string
	// BindIP is the address RTP sockets are bound to (the SIP listen
	// address when it names one); zero: every address.
	BindIP netip.Addr
	// Advertise, when set, gives the address to put in SDP for a peer
	// (the media address of its offer, else its signalling address): the
	// external media address for peers outside the local networks. ok
	// false: LocalIP's rule applies.
	Advertise func(peer netip.Addr) (ip netip.Addr, ok bool)
}

// Dialer places outbound SIP calls and finds registered local accounts
// (the box's SIP server).
type Dialer interface {
	Dial(ctx context.Context, opts sip.DialOptions) (*sip.ClientDialog, error)
	Location(user string) (contact string, source netip.AddrPort, ok bool)
}

// Router says where an inbound call goes: the IVR that answers it and the
// trunk it came from ("" for a local caller). ok false refuses it (404).
type Router func(source netip.AddrPort, number string) (ivr, trunk string, ok bool)

// Manager accepts calls from the SIP layer and runs them. It implements
// sip.Handler.
type Manager struct {
	opt    Options
	log    *slog.Logger
	runner Runner
	dialer Dialer
	router Router
	mover  Mover
	idGen  *idGen

	draining atomic.Bool // DialIVR refuses (bind.go)

	mu     sync.Mutex // guards calls, legs, closed and wg.Add
	calls  map[string]*Call
	legs   map[string]*Call // by leg id
	closed bool
	wg     sync.WaitGroup
	once   sync.Once
	total  atomic.Uint64
	late   lateness // the media engine's skipped frames (admission.go)

	refusedLog logLimit // bounds the log lines of refused calls
}

var _ sip.Handler = (*Manager)(nil)

// NewManager returns a Manager; SetRunner must be called before calls arrive.
func NewManager(opt Options) *Manager {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{
		opt:   opt,
		log:   log.With("component", "call"),
		calls: map[string]*Call{},
		legs:  map[string]*Call{},
	}
	m.idGen = newIDGen(opt.Serial, time.Now)
	opt.Bus.Stamp(m.stamp)
	return m
}

// SetRunner sets what runs each call (the IVR engine).
func (m *Manager) SetRunner(r Runner) { m.runner = r }

// SetDialer sets the SIP server that outbound calls and transfers use. It
// must be called before calls arrive.
func (m *Manager) SetDialer(d Dialer) { m.dialer = d }

// SetRouter sets how inbound calls are routed. Without one a call goes to
// the IVR on the dialled number, if any.
func (m *Manager) SetRouter(r Router) { m.router = r }

// ids returns a new call id and leg id, Yeastar style: Unix seconds, a dot,
// digits (see idGen).
func (m *Manager) ids() (id, leg string) { return m.idGen.next() }

// stamp gives an event about a live call published by someone else (the
// IVR engine) the call's snapshot, following the IVR the call is in first.
// It runs inside Bus.Publish.
func (m *Manager) stamp(e *event.Event) {
	if e.Call != nil || e.CallID == "" {
		return
	}
	c := m.Call(e.CallID)
	if c == nil {
		return
	}
	c.mu.Lock()
	switch {
	case e.Kind == event.IVREntered:
		c.ivr = e.IVR
	case e.Kind == event.IVRLeft && c.ivr == e.IVR:
		c.ivr = ""
	}
	in := c.infoLocked()
	c.mu.Unlock()
	e.Call = &in
}

// Calls returns a snapshot of the live calls.
func (m *Manager) Calls() []Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Info, 0, len(m.calls))
	for _, c := range m.calls {
		out = append(out, c.Info())
	}
	return out
}

// Call returns the live call with id (a call id or a leg id), or nil.
func (m *Manager) Call(id string) *Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.calls[id]; c != nil {
		return c
	}
	return m.legs[id]
}

// Lookup returns a snapshot of the live call with id (a call id or a leg id).
func (m *Manager) Lookup(id string) (Info, bool) {
	c := m.Call(id)
	if c == nil {
		return Info{}, false
	}
	return c.Info(), true
}

// Hangup ends the live call with id (a call id or a leg id), with cause
// ("" means CauseAPI). Error: CodeUnknownCall.
func (m *Manager) Hangup(ctx context.Context, id, cause string) error {
	c := m.Call(id)
	if c == nil {
		return fail(CodeUnknownCall, "hangup", nil, "%q", id)
	}
	if cause == "" {
		cause = CauseAPI
	}
	return c.Hangup(ctx, cause)
}

// Close hangs up every call and waits for them to end. It is idempotent.
func (m *Manager) Close() error {
	m.once.Do(func() {
		m.mu.Lock()
		m.closed = true
		calls := make([]*Call, 0, len(m.calls))
		for _, c := range m.calls {
			calls = append(calls, c)
		}
		m.mu.Unlock()
		for _, c := range calls {
			c.setCause("shutdown")
			c.cancel(errEnded)
		}
		m.wg.Wait()
	})
	return nil
}

// HandleInvite takes a new inbound call: checks the number and the call limit,
// negotiates media, and runs the call until it ends.
func (m *Manager) HandleInvite(ctx context.Context, d *sip.Dialog) {
	m.mu.Lock()
	log := m.log.With("call", d.CallID(), "from", d.From(), "to", d.To())
	if m.closed {
		m.mu.Unlock()
		m.refuse(d, "", refusal{status: 503, cause: RefusedShutdown, reason: "the box is shutting down"}, log)
		return
	}
	m.wg.Add(1)
	m.mu.Unlock()
	defer m.wg.Done()
	ivr, trunk, ok := m.route(d)
	if !ok {
		m.refuse(d, trunk, m.noRoute(d.To(), ivr, trunk), log)
		return
	}
	c, status, err := m.newInbound(d, trunk, log)
	if err != nil {
		m.refuse(d, trunk, admitRefusal(status, err), log)
		return
	}
	defer m.finish(c)
	c.log.Info("inbound call", "ivr", ivr, "trunk", trunk, "leg", c.leg)
	if err := m.runner.Run(c.ctx, c.base, ivr); err != nil && !errors.Is(err, context.Canceled) {
		c.log.Info("call run ended", "err", err)
	}
}

// route finds the IVR for an inbound call: through the Router, or the IVR
// on the dialled number.
func (m *Manager) route(d *sip.Dialog) (ivr, trunk string, ok bool) {
	if m.runner == nil {
		return "", "", false
	}
	if m.router != nil {
		ivr, trunk, ok = m.router(d.Source(), d.To())
	} else {
		ivr, ok = d.To(), true
	}
	return ivr, trunk, ok && m.runner.Has(ivr)
}

// newInbound admits the call and opens its media. On failure it returns the
// SIP status to answer with.
func (m *Manager) newInbound(d *sip.Dialog, trunk string, log *slog.Logger) (*Call, int, error) {
	var media sdp.Media
	keys := srtpKeys{policy: m.opt.Config().System.Encryption()}
	if offer := d.Offer(); offer != nil {
		var err error
		media, err = negotiate(offer)
		if err == nil {
			keys, err = answerKeys(keys.policy, media, srtpKeys{})
		}
		if err != nil {
			return nil, sdpStatus(err), fmt.Errorf("offer: %w", err)
		}
	}
	c := newInboundCall(m, d, media, trunk, log)
	c.srtp = keys
	if err := m.admit(c); err != nil {
		c.cancel(errEnded)
		if errors.Is(err, errShed) {
			return nil, 503, err
		}
		return nil, 486, err
	}
	if err := c.openMedia(m.localIP(d, media.Addr.Addr())); err != nil {
		m.remove(c)
		c.cancel(errEnded)
		if errors.Is(err, stream.ErrNoPorts) { // over capacity too: say when to retry
			err = fmt.Errorf("%w: %w", errShed, err)
		}
		return nil, 503, err
	}
	m.total.Add(1)
	go c.run(leg{done: d.Done(), cause: d.Cause})
	c.publish(event.Event{Kind: event.CallStarted})
	return c, 0, nil
}

// admit adds c to the live calls unless the call limit or the capacity is
// reached (ErrBusy; wrapping errShed for the capacity) or the manager is
// closed.
func (m *Manager) admit(c *Call) error {
	sys := m.opt.Config().System
	limit := sys.CallLimit()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fail(CodeShutdown, "", nil, "the box is shutting down")
	}
	if len(m.calls) >= limit {
		return fail(CodeBusy, "", nil, "call limit %d reached", limit)
	}
	if err := m.shed(sys.Capacity, len(m.calls)); err != nil {
		return err
	}
	m.calls[c.id] = c
	m.legs[c.leg] = c
	return nil
}

func (m *Manager) remove(c *Call) {
	m.mu.Lock()
	delete(m.calls, c.id)
	delete(m.legs, c.leg)
	m.mu.Unlock()
}

// finish ends a call whose runner returned: BYE if still up, every command
// ended, recordings finalised, forks stopped, media closed, CallEnded
// published last.
func (m *Manager) finish(c *Call) {
	if r := recover(); r != nil {
		c.log.Error("call panicked", "panic", r, "stack", string(debug.Stack()))
		c.setCause("error")
	}
	_ = c.Hangup(context.Background(), "normal")
	c.cancel(errEnded)
	<-c.exited
	c.endOfferOnHangup()
	c.stopRecordings("hangup")
	c.stopForks("hangup")
	c.closeMedia()
	m.remove(c)
	rtp := c.RTP()
	c.mu.Lock()
	c.ended = true
	ev := event.Event{Kind: event.CallEnded, IVR: c.ivr, Cause: c.cause, Status: c.status, Reason: c.reason, RTP: &rtp}
	in := c.infoLocked()
	c.mu.Unlock()
	ev.Call = &in
	c.publish(ev)
}

// localIP is the address to advertise in SDP for the dialog: the configured
// one, else the address the caller reached us on.
func (m *Manager) localIP(d *sip.Dialog, offer netip.Addr) netip.Addr {
	if ip, ok := m.advertised(offer, d.Source().Addr()); ok {
		return ip
	}
	if m.opt.LocalIP.IsValid() && !m.opt.LocalIP.IsUnspecified() {
		return m.opt.LocalIP
	}
	return d.LocalAddr().Addr().Unmap()
}

var supportedCodecs = []uint8{uint8(stream.PCMU), uint8(stream.PCMA)}

// negotiate answers an offer. G.711 offered only under a dynamic payload type
// is refused (ErrNoCodec): the media path sends the static types.
func negotiate(offer []byte) (sdp.Media, error) {
	m, err := sdp.Negotiate(offer, supportedCodecs)
	if err != nil {
		return m, err
	}
	if pt := m.Codecs[0]; pt != uint8(stream.PCMU) && pt != uint8(stream.PCMA) {
		return m, fmt.Errorf("%w: G.711 only under dynamic payload type %d", sdp.ErrNoCodec, pt)
	}
	return m, nil
}

// sdpStatus maps an SDP error to the SIP status to answer with.
func sdpStatus(err error) int {
	if errors.Is(err, sdp.ErrNoCodec) || errors.Is(err, sdp.ErrNoAudio) || errors.Is(err, sdp.ErrCrypto) {
		return 488
	}
	return 400
}

// reasonPhrase is the standard reason phrase for the statuses this package sends.
func reasonPhrase(status int) string {
	switch status {
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 480:
		return "Temporarily Unavailable"
	case 486:
		return "Busy Here"
	case 488:
		return "Not Acceptable Here"
	case 503:
		return "Service Unavailable"
	}
	return "Error"
}
