package box

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/certs"
	"github.com/ivrbox/ivrbox/firmware/store"
)

// HTTP modes (Options.HTTPMode): what the plain-HTTP listener does.
const (
	HTTPServe    = "serve"    // serves everything, as over HTTPS (default)
	HTTPRedirect = "redirect" // answers 308 to the same URL over HTTPS, but /healthz
	HTTPOff      = "off"      // does not listen
)

// httpReadHeaderTimeout bounds the time a client takes to send its headers.
const httpReadHeaderTimeout = 10 * time.Second

// CheckHTTPMode refuses a mode that is none of HTTPServe, HTTPRedirect,
// HTTPOff ("" means HTTPServe).
func CheckHTTPMode(mode string) error {
	switch mode {
	case "", HTTPServe, HTTPRedirect, HTTPOff:
		return nil
	}
	return fmt.Errorf("http mode %q: want serve, redirect or off", mode)
}

// openCerts loads (or makes, on first start) the box's TLS certificate.
func (b *Box) openCerts() (err error) {
	b.Certs, err = OpenCerts(b.Store, b.log.With("component", "certs"))
	return err
}

// OpenCerts opens the TLS certificate kept in st's secrets as the box does
// (named after this host and the box's serial number, the store's, or the
// board's when the store has none; made when there is none). log may be nil.
func OpenCerts(st *store.Store, log *slog.Logger) (*certs.Manager, error) {
	host, _ := os.Hostname()
	sn := st.SN()
	if sn == "" {
		sn = boardSerial()
	}
	m, err := certs.Open(certs.Options{Secrets: st, Hostname: host, Serial: sn, Log: log})
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	return m, nil
}

// boardSerial is the board's serial number from the device tree, or "".
func boardSerial() string {
	data, err := os.ReadFile("/proc/device-tree/serial-number")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(bytes.TrimRight(data, "\x00")))
}

// startHTTPS serves h over TLS (HTTP/2 and HTTP/1.1) on Options.HTTPSAddr
// with the box's certificate, unless that is "off".
func (b *Box) startHTTPS(h http.Handler) error {
	if b.opt.HTTPSAddr == "off" {
		return nil
	}
	ln, err := net.Listen("tcp", b.opt.HTTPSAddr)
	if err != nil {
		return fmt.Errorf("https: %w", err)
	}
	srv := httpServer(h)
	srv.TLSConfig = b.Certs.ServerTLS()
	// Failed handshakes and dropped connections are the clients' business.
	srv.ErrorLog = slog.NewLogLogger(b.log.With("component", "https").Handler(), slog.LevelDebug)
	ln = b.httpListener(ln)
	b.https = srv
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("https server stopped", "addr", ln.Addr(), "err", err)
		}
	}()
	info := b.Certs.Info()
	b.log.Info("https listening", "addr", ln.Addr().String(), "fingerprint", info.Fingerprint,
		"source", info.Source, "not_after", info.NotAfter)
	return nil
}

// httpsPort is the port HTTPS listens on, or "" when it is off.
func (b *Box) httpsPort() string {
	if b.opt.HTTPSAddr == "off" {
		return ""
	}
	_, port, _ := net.SplitHostPort(b.opt.HTTPSAddr)
	return port
}

// plainHTTP is what the plain-HTTP listener serves in Options.HTTPMode.
func (b *Box) plainHTTP(h http.Handler) http.Handler {
	if b.opt.HTTPMode != HTTPRedirect || b.opt.HTTPSAddr == "off" {
		return h
	}
	port := b.httpsPort()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			h.ServeHTTP(w, r)
			return
		}
		host := r.Host
		if hh, _, err := net.SplitHostPort(r.Host); err == nil {
			host = hh
		}
		if host == "" {
			host = "localhost"
		}
		if port != "443" {
			host = net.JoinHostPort(strings.Trim(host, "[]"), port)
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
