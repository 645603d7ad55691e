package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Registration timing.
const (
	defaultRegExpiry = time.Hour
	defaultRegRetry  = 2 * time.Second
	maxRegRetry      = 5 * time.Minute
	regTimeout       = 32 * time.Second // one REGISTER attempt, challenge included
)

// RegisterOptions says where and as whom Register registers.
type RegisterOptions struct {
	// Registrar is the registrar's host:port (port 5060 if absent).
	Registrar string
	// Transport is "UDP" (the default), "TCP" or "TLS" (port 5061 when
	// Registrar has none).
	Transport string
	// ServerName is, over TLS, the name the registrar's certificate must
	// carry (sent as SNI); empty means the Registrar's host.
	ServerName string
	// CA, over TLS, is the PEM of the CA(s) that verify the registrar's
	// certificate; empty means the system's roots (Options.TLSRoots).
	CA string
	// User is the user part of the address of record and of our Contact.
	User string
	// AuthUser is the digest user name; empty means User.
	AuthUser string
	// Password answers digest challenges.
	Password string
	// Domain is the host part of the address of record (To and From) and the
	// Request-URI; empty means the Registrar's host.
	Domain string
	// Expiry is the registration lifetime asked for; zero means one hour.
	// The registration is refreshed at 85% of what the registrar grants.
	Expiry time.Duration
	// Retry is the first back-off after a failure, doubled after each
	// further failure up to five minutes; zero means two seconds.
	Retry time.Duration
}

// RegStatus is where a Registration stands.
type RegStatus int

// Registration states.
const (
	RegRegistering   RegStatus = iota // the first REGISTER is on its way
	RegRegistered                     // the registrar accepted us
	RegFailed                         // the last attempt failed; a retry is scheduled
	RegUnregistering                  // Close is removing the binding
	RegClosed                         // closed; the binding is gone (or expires by itself)
)

// String returns the state's name.
func (st RegStatus) String() string {
	switch st {
	case RegRegistering:
		return "registering"
	case RegRegistered:
		return "registered"
	case RegFailed:
		return "failed"
	case RegUnregistering:
		return "unregistering"
	case RegClosed:
		return "closed"
	}
	return "unknown"
}

// RegState is a Registration's state.
type RegState struct {
	Status RegStatus
	// Code is the last final status from the registrar, 0 if none came
	// (timeout, network error).
	Code int
	// Cause says why the registration failed (RegFailed), nil otherwise.
	Cause error
	// Expires is when the binding lapses (RegRegistered).
	Expires time.Time
	// Retry is when the next attempt goes out (RegFailed).
	Retry time.Time
}

// Registration keeps one binding at a registrar alive. Its methods are safe
// for concurrent use.
type Registration struct {
	srv       *Server
	opts      RegisterOptions
	transport string
	log       *slog.Logger
	callID    string
	fromTag   string
	cseq      uint32 // used by the loop goroutine only

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex // guards the fields below
	state    RegState
	onChange func(RegState)
}

// Register starts keeping a registration alive at opts.Registrar: it
// registers at once, refreshes before the binding expires and retries with
// exponential back-off after a failure. It runs until Close, ctx's end or
// the Server's Close, each of which removes the binding (Expires: 0).
func (s *Server) Register(ctx context.Context, opts RegisterOptions) *Registration {
	if opts.Expiry <= 0 {
		opts.Expiry = defaultRegExpiry
	}
	if opts.Retry <= 0 {
		opts.Retry = defaultRegRetry
	}
	if opts.AuthUser == "" {
		opts.AuthUser = opts.User
	}
	r := &Registration{srv: s, opts: opts, callID: sipmsg.GenerateTagN(24), fromTag: sipmsg.GenerateTagN(12),
		done: make(chan struct{}), log: s.log.With("registrar", opts.Registrar, "user", opts.User)}
	var err error
	r.transport, err = transportOf(opts.Transport)
	loopCtx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	if err != nil || !s.addRegistration(r) {
		cancel()
		if err == nil {
			err = ErrClosed
		}
		r.state = RegState{Status: RegClosed, Cause: err}
		close(r.done)
		return r
	}
	go r.run(loopCtx)
	return r
}

// State returns the registration's current state.
func (r *Registration) State() RegState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// OnChange sets a function called with each new state, on the
// registration's goroutine; it must not block for long.
func (r *Registration) OnChange(f func(RegState)) {
	r.mu.Lock()
	r.onChange = f
	r.mu.Unlock()
}

// Close stops refreshing, removes the binding (REGISTER with Expires: 0,
// waiting up to 32 s for the answer) and waits for the goroutine to end. It
// is idempotent.
func (r *Registration) Close() error {
	r.closeOnce.Do(r.cancel)
	<-r.done
	return nil
}

// Done is closed when the registration has stopped.
func (r *Registration) Done() <-chan struct{} { return r.done }

func (r *Registration) setState(st RegState) {
	r.mu.Lock()
	r.state = st
	f := r.onChange
	r.mu.Unlock()
	r.log.Info("registration", "state", st.Status.String(), "code", st.Code, "cause", st.Cause)
	if f == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			r.srv.log.Error("OnChange panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	f(st)
}

// run is the registration loop.
func (r *Registration) run(ctx context.Context) {
	defer close(r.done)
	defer r.srv.regs.Done()
	defer r.srv.removeRegistration(r)
	r.setState(RegState{Status: RegRegistering})
	backoff := r.opts.Retry
	registered := false
	for {
		granted, code, err := r.attempt(ctx, r.opts.Expiry)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			r.unregister(registered)
			return
		case err == nil:
			registered, backoff = true, r.opts.Retry
			wait = granted * 85 / 100
			r.setState(RegState{Status: RegRegistered, Code: code, Expires: time.Now().Add(granted)})
		default:
			registered = false
			wait, backoff = backoff, min(2*backoff, maxRegRetry)
			r.setState(RegState{Status: RegFailed, Code: code, Cause: err, Retry: time.Now().Add(wait)})
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			r.unregister(registered)
			return
		}
	}
}

// unregister removes our binding if there may be one.
func (r *Registration) unregister(registered bool) {
	if registered {
		r.setState(RegState{Status: RegUnregistering})
		ctx, cancel := context.WithTimeout(context.Background(), regTimeout)
		_, code, err := r.attempt(ctx, 0)
		cancel()
		if err != nil {
			r.setState(RegState{Status: RegClosed, Code: code, Cause: err})
			return
		}
	}
	r.setState(RegState{Status: RegClosed})
}

// errRegister reports a REGISTER the registrar refused.
var errRegister = errors.New("registration refused")

// attempt sends one REGISTER asking for expiry (answering one challenge)
// and returns what the registrar granted and its final status.
func (r *Registration) attempt(ctx context.Context, expiry time.Duration) (time.Duration, int, error) {
	ctx, cancel := context.WithTimeout(ctx, regTimeout)
	defer cancel()
	dest, err := resolve(ctx, defaultPort(r.opts.Registrar, r.transport))
	if err != nil {
		return 0, 0, err
	}
	req := r.newRegister(dest, expiry)
	if r.transport == "TLS" {
		host, _, err := net.SplitHostPort(defaultPort(r.opts.Registrar, r.transport))
		if err != nil {
			host = r.opts.Registrar
		}
		if err := r.srv.tlsTarget(req, sipmsg.Uri{Host: host}, dest, false, r.opts.ServerName, r.opts.CA); err != nil {
			return 0, 0, err
		}
	}
	res, err := r.srv.doOut(ctx, req)
	for tries := 0; err == nil && (res.StatusCode == 401 || res.StatusCode == 407) && tries < 1; tries++ {
		if err = authorize(req, res, r.opts.AuthUser, r.opts.Password); err != nil {
			return 0, res.StatusCode, err
		}
		r.cseq++
		renew(req)
		res, err = r.srv.doOut(ctx, req)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("sip: REGISTER: %w", err)
	}
	if !res.IsSuccess() {
		return 0, res.StatusCode, &StatusError{Code: res.StatusCode, Reason: res.Reason, Err: errRegister}
	}
	return grantedExpiry(res, expiry), res.StatusCode, nil
}

// newRegister builds a REGISTER for our address of record.
func (r *Registration) newRegister(dest netip.AddrPort, expiry time.Duration) *sipmsg.Request {
	domain := r.opts.Domain
	if domain == "" {
		domain = r.opts.Registrar
		if h, _, err := net.SplitHostPort(domain); err == nil {
			domain = h
		}
	}
	ruri := sipmsg.Uri{Scheme: "sip", Host: domain}
	if r.opts.Domain == "" && dest.Port() != 5060 {
		ruri.Port = int(dest.Port())
	}
	req, local := r.srv.outRequest(sipmsg.REGISTER, ruri, r.transport, dest)
	aor := sipmsg.Uri{Scheme: "sip", User: r.opts.User, Host: domain}
	from := &sipmsg.FromHeader{Address: aor, Params: sipmsg.NewParams()}
	from.Params.Add("tag", r.fromTag)
	to := &sipmsg.ToHeader{Address: aor, Params: sipmsg.NewParams()}
	cid := sipmsg.CallIDHeader(r.callID)
	r.cseq++
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: r.cseq, MethodName: sipmsg.REGISTER})
	req.AppendHeader(&sipmsg.ContactHeader{Address: contactURI(r.opts.User, r.transport, local, false)})
	req.AppendHeader(sipmsg.NewHeader("Expires", strconv.Itoa(int(expiry/time.Second))))
	req.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	req.SetBody(nil)
	return req
}

// grantedExpiry reads the lifetime the registrar granted: our Contact's
// expires parameter, else the Expires header, else what we asked for.
func grantedExpiry(res *sipmsg.Response, asked time.Duration) time.Duration {
	secs := -1
	for _, h := range res.GetHeaders("Contact") {
		if c, ok := h.(*sipmsg.ContactHeader); ok {
			if v, ok := c.Params.Get("expires"); ok {
				if n, err := strconv.Atoi(v); err == nil {
					secs = n
					break
				}
			}
		}
	}
	if secs < 0 {
		if h := res.GetHeader("Expires"); h != nil {
			if n, err := strconv.Atoi(h.Value()); err == nil {
				secs = n
			}
		}
	}
	if secs <= 0 {
		return asked
	}
	return time.Duration(secs) * time.Second
}

// doOut sends an out-of-dialog request in a client transaction and returns
// its final response.
func (s *Server) doOut(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, error) {
	return s.transact(ctx, req.Clone())
}
