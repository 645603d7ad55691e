// Package siptest runs SIP servers of the sip package for the tests of the
// packages built on it (calls, trunks).
package siptest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip"
)

// Start runs a sip.Server on 127.0.0.1 (a free port) with handler h until
// the test ends; log nil discards its logs.
func Start(t testing.TB, h sip.Handler, log *slog.Logger) *sip.Server {
	t.Helper()
	s, err := sip.NewServer(sip.Options{Addr: "127.0.0.1:0", UserAgent: "ivrbox/test", Log: log}, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-s.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("SIP server: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("SIP server not ready")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("SIP server: %v", err)
		}
	})
	return s
}
