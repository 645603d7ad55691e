// Package sip is the SIP user agent of ivrbox: it listens on UDP and TCP
// (and TLS with Options.TLSAddr),
// accepts calls (the UAS side of INVITE, ACK, BYE, CANCEL, re-INVITE, INFO,
// OPTIONS, REFER) and hands each new call to a Handler as a Dialog, which the
// call engine answers, rejects, transfers or hangs up. It also places calls
// (Dial, a ClientDialog), keeps registrations at register-type trunks alive
// (Register) and is the registrar of the box's local accounts
// (SetRegistrar, Location), with digest authentication both ways.
//
// It is built on github.com/emiago/sipgo for parsing, transports and
// transactions, and keeps its own dialog state: 2xx retransmission until the
// ACK, CSeq ordering, remote target and route set, and symmetric signalling
// (responses go back where the request came from, rport per RFC 3581;
// in-dialog requests over UDP leave from the listening socket, over TCP on the
// caller's connection).
//
// Over TLS (listen.go, tls.go) the listener serves the certificate of
// Options.TLS; dials and registrations send the server's name as SNI and
// verify its certificate and name against the CA they give, else the
// system's roots. Contacts are sips: when the Request-URI is, else sip: with
// transport=tls, and Vias say TLS. Bounded: the connections the TCP and TLS
// listeners hold (MaxConns, shared; more are closed at once), an accepted
// connection's idle time (IdleTimeout) and its TLS handshake
// (HandshakeTimeout). Not bounded here: connections the box opens itself
// (to trunks and phones; one per address, reused) and per-address counts.
//
// It must never let one call harm another or the process: every Handler runs
// panic-recovered on the goroutine sipgo gives the INVITE, and there is no
// other per-call goroutine, so thousands of dialogs stay cheap. It never
// touches media (see package sdp for the bodies) and never blocks sipgo's
// transport loops.
package sip
