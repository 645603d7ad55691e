package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/ivrbox/ivrbox/firmware/netlimit"
)

// autoHangupTimeout bounds the BYE the package sends by itself (handler
// returned, panic, ACK timeout, shutdown).
const autoHangupTimeout = 5 * time.Second

// Options configures a Server. The zero value listens on :5060.
type Options struct {
	// Addr is the host:port to listen on, UDP and TCP both; empty means
	// ":5060". Port 0 picks a free port (the same for both); see Server.Addr.
	Addr string
	// UserAgent is sent in User-Agent and Server headers, e.g.
	// "ivrbox/1.2.0"; empty means "ivrbox".
	UserAgent string
	// Log receives the package's and sipgo's logs; nil discards them.
	Log *slog.Logger
	// Realm is the digest realm of the registrar (SetRegistrar); empty
	// means "ivrbox".
	Realm string
	// TLSAddr is the host:port to listen on for SIP over TLS, with the
	// certificate TLS serves; empty (or TLS nil) means no TLS listener.
	// Port 0 picks a free port; see Server.TLSAddr.
	TLSAddr string
	// TLS is the server side of the TLS listener (its certificate, usually
	// GetCertificate so a new one applies without a restart).
	TLS *tls.Config
	// TLSRoots verifies the servers the box dials over TLS when the dial or
	// registration names no CA of its own; nil means the system's roots.
	TLSRoots *x509.CertPool
	// MaxConns caps the connections the TCP and TLS listeners hold
	// together (more are closed at once); 0 means DefaultMaxConns.
	MaxConns int
	// IdleTimeout closes an accepted TCP or TLS connection that carried
	// nothing for so long (CRLF keep-alives count); 0 means
	// DefaultIdleTimeout, negative means never.
	IdleTimeout time.Duration
	// HandshakeTimeout bounds an accepted connection's TLS handshake; 0
	// means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// Guard limits and blocks abusive sources (guard.go); nil serves all.
	Guard Guard
	// MaxConnsPerAddr caps the TCP and TLS connections of one source
	// address; 0 means an eighth of MaxConns (at least 4).
	MaxConnsPerAddr int
	// FirstMessageTimeout closes an accepted TCP or TLS connection that sent
	// no message (not even a keep-alive) for so long after it opened; 0
	// means DefaultFirstMessageTimeout.
	FirstMessageTimeout time.Duration
	// Advertise, when set, gives the address to name in Via and Contact
	// for a peer (an external signalling address for peers outside the
	// local networks); ok false: the address the peer reaches us on.
	Advertise func(peer netip.Addr) (ip netip.Addr, ok bool)
}

// Handler takes calls.
type Handler interface {
	// HandleInvite runs on its own goroutine for each new INVITE (not for
	// re-INVITEs), panic-recovered and logged by this package: a panic
	// answers 500 if the call was not answered yet and hangs up if it was.
	// It owns the dialog until it returns; when it returns and the dialog is
	// still up, the package hangs up (BYE if answered, else 480, or 503 when
	// the server is shutting down). ctx is cancelled when the dialog ends or
	// the server closes.
	HandleInvite(ctx context.Context, d *Dialog)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, d *Dialog)

var _ Handler = HandlerFunc(nil)

// HandleInvite calls f(ctx, d).
func (f HandlerFunc) HandleInvite(ctx context.Context, d *Dialog) { f(ctx, d) }

// Server is a SIP user agent server. Create it with NewServer, start it with
// Run, stop it with Close or by cancelling Run's context.
type Server struct {
	opts   Options
	h      Handler
	log    *slog.Logger
	ua     *sipgo.UserAgent
	sg     *sipgo.Server
	client *sipgo.Client
	trust  *trustStore // the roots each TLS server name is verified with

	late     lateUDP  // the listener's datagram sipgo parses now (lateparse.go)
	lateOK   bool     // the listener forgets it before each read: set by Run
	udpLocal net.Addr // the listener's address, as sipgo's read filter gets it

	slotsOnce   sync.Once
	conns       *netlimit.Limits // the TCP and TLS listeners' connection slots
	refusedN    atomic.Int64     // connections refused since the last log line
	refusedAt   atomic.Int64     // when that line was logged (Unix ns)
	acceptErrAt atomic.Int64     // when an accept error was last logged (Unix ns)
	badInput    rateLog          // logs refused messages

	drainRetry atomic.Int64 // Retry-After seconds while draining, 0 when not (drain.go)

	ready      chan struct{} // closed when both listeners are up
	closing    chan struct{} // closed when Close starts
	base       context.Context
	cancelBase context.CancelFunc
	closeOnce  sync.Once

	invites sync.WaitGroup // HandleInvite goroutines; Add only while !shutdown
	dials   sync.WaitGroup // Dial calls and their CANCELs; Add only while !shutdown
	regs    sync.WaitGroup // Registration loops; Add only while !shutdown
	reqs    sync.WaitGroup // other request callbacks; Add only while !stopped
	serving sync.WaitGroup // the two listener loops

	mu       sync.Mutex // guards the fields below
	running  bool
	shutdown bool // no new calls
	stopped  bool // no new requests at all
	udp      net.PacketConn
	tcp      net.Listener
	tlsL     net.Listener // nil without Options.TLSAddr
	addr     netip.AddrPort
	tlsAddr  netip.AddrPort
	dialogs  map[string]*Dialog
	clients  map[string]*ClientDialog // outbound calls, keyed like dialogs
	regList  map[*Registration]struct{}
	reg      *registrar // nil until SetRegistrar
}

// NewServer returns a server that hands new calls to h.
func NewServer(opts Options, h Handler) (*Server, error) {
	if h == nil {
		return nil, errors.New("sip: nil Handler")
	}
	if opts.Addr == "" {
		opts.Addr = ":5060"
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "ivrbox"
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "sip")
	s := &Server{opts: opts, h: h, log: log, ready: make(chan struct{}), closing: make(chan struct{}),
		dialogs: make(map[string]*Dialog), clients: make(map[string]*ClientDialog),
		regList: make(map[*Registration]struct{})}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.trust = &trustStore{roots: opts.TLSRoots}
	lib := slog.New(newLibLog(log.Handler())) // sipgo's logs (liblog.go)
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(opts.UserAgent),
		sipgo.WithUserAgenTLSConfig(clientTLS(s.trust)),
		sipgo.WithUserAgentTransactionLayerOptions(
			sipmsg.WithTransactionLayerLogger(lib),
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(r *sipmsg.Response) {
				log.Debug("unmatched response", "status", r.StatusCode, "call_id", callID(r))
			}),
		),
		sipgo.WithUserAgentTransportLayerOptions(
			sipmsg.WithTransportLayerLogger(slog.New(&lateLog{libLog: newLibLog(log.Handler()), s: s})),
			sipmsg.WithTransportLayerReadFilter(s.filterRead)),
	)
	if err != nil {
		return nil, fmt.Errorf("sip: user agent: %w", err)
	}
	s.ua = ua
	if s.sg, err = sipgo.NewServer(ua, sipgo.WithServerLogger(lib)); err == nil {
		s.client, err = sipgo.NewClient(ua, sipgo.WithClientLogger(lib))
	}
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("sip: %w", err)
	}
	s.route()
	return s, nil
}

// Ready is closed when both listeners are up.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr returns the address both listeners are bound to; valid after Ready.
func (s *Server) Addr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Run listens on UDP and TCP at Options.Addr and serves until ctx is done or
// Close is called, then shuts down like Close. A listen failure (port in use)
// is returned at once. Run may be called once.
func (s *Server) Run(ctx context.Context) error {
	udp, tcp, err := listen(s.opts.Addr)
	if err != nil {
		return err
	}
	udp = quietPacketConn(udp)
	s.lateOK = beforeRead(udp, s.late.forget)
	tlsL, err := s.listenTLS()
	if err != nil {
		udp.Close()
		tcp.Close()
		return err
	}
	tcp = s.bound(tcp, nil, "TCP")
	s.mu.Lock()
	if s.running || s.shutdown {
		s.mu.Unlock()
		udp.Close()
		tcp.Close()
		if tlsL != nil {
			tlsL.Close()
		}
		if s.shutdown {
			return ErrClosed
		}
		return errors.New("sip: Run called twice")
	}
	s.running, s.udp, s.tcp, s.tlsL, s.udpLocal = true, udp, tcp, tlsL, udp.LocalAddr()
	s.addr = udp.LocalAddr().(*net.UDPAddr).AddrPort()
	if tlsL != nil {
		s.tlsAddr = tlsL.Addr().(*net.TCPAddr).AddrPort()
	}
	s.mu.Unlock()

	errc := make(chan error, 3)
	s.serving.Add(2)
	go func() { defer s.serving.Done(); errc <- s.sg.ServeUDP(udp) }()
	go func() { defer s.serving.Done(); errc <- s.sg.ServeTCP(tcp) }()
	if tlsL != nil {
		s.serving.Add(1)
		go func() { defer s.serving.Done(); errc <- s.sg.ServeTLS(tlsL) }()
	}
	s.awaitUDPListener(udp)
	close(s.ready)
	s.log.Info("listening", "addr", s.addr.String())
	if tlsL != nil {
		s.log.Info("listening", "transport", "tls", "addr", s.tlsAddr.String())
	}

	var runErr error
	select {
	case <-ctx.Done():
	case <-s.closing:
	case err := <-errc:
		select {
		case <-s.closing:
		default:
			runErr = fmt.Errorf("sip: serve: %w", err)
		}
	}
	s.Close()
	return runErr
}

// awaitUDPListener waits (briefly) until sipgo has registered the UDP
// listener, so requests we originate can leave from it (Request.Laddr).
func (s *Server) awaitUDPListener(udp net.PacketConn) {
	addr := udp.LocalAddr().String()
	for range 1000 {
		if c, err := s.ua.TransportLayer().GetConnection("udp", addr); err == nil {
			c.TryClose() // GetConnection took a reference
			return
		}
		time.Sleep(time.Millisecond)
	}
	s.log.Warn("UDP listener not registered in time", "addr", addr)
}

// Close stops taking calls (new INVITEs get 503), cancels every handler's
// context, hangs up every call (BYE, or 503 if unanswered), waits for the
// handlers to return, then closes the listeners and sipgo's transports and
// waits for every callback. It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.shutdown = true
		close(s.closing)
		regs := make([]*Registration, 0, len(s.regList))
		for r := range s.regList {
			regs = append(regs, r)
		}
		s.mu.Unlock()
		for _, r := range regs {
			r.closeOnce.Do(r.cancel)
		}
		s.cancelBase()
		s.hangupAll()
		s.invites.Wait()
		s.dials.Wait()
		s.regs.Wait()
		s.hangupAll() // calls answered while Dial was being cancelled

		s.mu.Lock()
		s.stopped = true
		udp, tcp, tlsL := s.udp, s.tcp, s.tlsL
		s.mu.Unlock()
		if udp != nil {
			udp.Close()
			tcp.Close()
		}
		if tlsL != nil {
			tlsL.Close()
		}
		s.serving.Wait()
		s.ua.Close()
		s.reqs.Wait()
		// Requests read just before the listeners closed may have made sipgo
		// open a socket to answer them; drop any such.
		s.ua.TransportLayer().Close()
		s.log.Info("closed")
	})
	return nil
}

// hangupAll ends every dialog in parallel, waiting at most autoHangupTimeout.
func (s *Server) hangupAll() {
	s.mu.Lock()
	ds := make([]*Dialog, 0, len(s.dialogs))
	for _, d := range s.dialogs {
		ds = append(ds, d)
	}
	cds := make([]*ClientDialog, 0, len(s.clients))
	for _, cd := range s.clients {
		cds = append(cds, cd)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), autoHangupTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() { d.terminate(ctx, 503, CauseHangup) })
	}
	for _, cd := range cds {
		wg.Go(func() { cd.Hangup(ctx) })
	}
	wg.Wait()
}

// enterInvite registers a HandleInvite goroutine; false once shutting down.
func (s *Server) enterInvite() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.invites.Add(1)
	return true
}

// enterDial registers a Dial call; false once shutting down.
func (s *Server) enterDial() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.dials.Add(1)
	return true
}

// addRegistration registers a Registration loop; false once shutting down.
func (s *Server) addRegistration(r *Registration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.regList[r] = struct{}{}
	s.regs.Add(1)
	return true
}

func (s *Server) removeRegistration(r *Registration) {
	s.mu.Lock()
	delete(s.regList, r)
	s.mu.Unlock()
}

// enterRequest registers a request callback; false once stopped.
func (s *Server) enterRequest() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.reqs.Add(1)
	return true
}

func (s *Server) isShuttingDown() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// udpLaddr is the listening socket's address, used to send in-dialog UDP
// requests from it.
func (s *Server) udpLaddr() sipmsg.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.udp == nil {
		return sipmsg.Addr{}
	}
	a := s.udp.LocalAddr().(*net.UDPAddr)
	return sipmsg.Addr{IP: a.IP, Port: a.Port}
}

// Dialog registry, keyed by Call-ID and both tags.

func dialogKey(callID, localTag, remoteTag string) string {
	return callID + "\x00" + localTag + "\x00" + remoteTag
}

func (s *Server) register(d *Dialog) {
	s.mu.Lock()
	s.dialogs[d.key] = d
	s.mu.Unlock()
}

func (s *Server) forget(d *Dialog) {
	s.mu.Lock()
	if s.dialogs[d.key] == d {
		delete(s.dialogs, d.key)
	}
	s.mu.Unlock()
}

// lookup finds the dialog an in-dialog request belongs to (we are the UAS:
// the To tag is ours, the From tag theirs).
func (s *Server) lookup(req *sipmsg.Request) *Dialog {
	to, from, cid := req.To(), req.From(), req.CallID()
	if to == nil || from == nil || cid == nil {
		return nil
	}
	localTag, _ := to.Params.Get("tag")
	remoteTag, _ := from.Params.Get("tag")
	if localTag == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dialogs[dialogKey(cid.Value(), localTag, remoteTag)]
}

// Dialogs returns the number of dialogs in progress, inbound and outbound.
func (s *Server) Dialogs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.dialogs) + len(s.clients)
}

func callID(m sipmsg.Message) string {
	if h := m.CallID(); h != nil {
		return h.Value()
	}
	return ""
}
