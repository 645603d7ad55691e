package outbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestSignGolden(t *testing.T) {
	// The same value as docs/EVENTS.md's openssl one-liner gives.
	tests := []struct {
		secret string
		ts     int64
		id     uint64
		body   string
		want   string
	}{
		{"s3cret", 1700000000, 42, `{"action": "DTMF", "infos": "56789"}`,
			"sha256=52ebac656d7458390c0925b49495cb6f6feb9a6d963a993ca004aa78b7b659a4"},
	}
	for _, tt := range tests {
		if got := Sign(tt.secret, tt.ts, tt.id, []byte(tt.body)); got != tt.want {
			t.Errorf("Sign = %s, want %s", got, tt.want)
		}
	}
}

// verify is the check docs/EVENTS.md shows app server authors.
func verify(secret string, h http.Header, body []byte, now time.Time) bool {
	ts, err := strconv.ParseInt(h.Get("X-Ivrbox-Timestamp"), 10, 64)
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(h.Get("X-Ivrbox-Timestamp") + "." + h.Get("X-Ivrbox-Event-Id") + "."))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(h.Get("X-Ivrbox-Signature")))
}

func TestSignatureVerifiable(t *testing.T) {
	now := time.Unix(1700000000, 0)
	app := &appServer{}
	srv := serve(t, app)
	opts := testOptions(srv.URL)
	opts.Secret = func() string { return "s3cret" }
	opts.Now = func() time.Time { return now }
	o := newT(t, tempDB(t), opts)
	body := `{"action": "ALERT", "callid": "1552976047.56", "call": [{"outbound": {"from": "6500", "to": "10086", "trunk": "192.168.9.121", "outboundid": "1552976047.58"}}], "sn": "368182384620"}`
	enqueue(t, o, "1552976047.56", body)
	enqueue(t, o, "1552976047.56", `{"action": "DTMF", "infos": "56789"}`)
	start(t, o)
	eventually(t, "delivered", func() bool { return idle(o) })
	_, accepted := app.hits()
	if len(accepted) != 2 {
		t.Fatalf("%d events accepted, want 2", len(accepted))
	}
	for _, h := range accepted {
		if h.header.Get(HeaderTimestamp) != "1700000000" {
			t.Errorf("timestamp %q", h.header.Get(HeaderTimestamp))
		}
		if !verify("s3cret", h.header, []byte(h.body), now) {
			t.Errorf("signature %q does not verify for id %d", h.header.Get(HeaderSignature), h.id)
		}
		if verify("other", h.header, []byte(h.body), now) || verify("s3cret", h.header, []byte(h.body+" "), now) {
			t.Error("a wrong secret or body verifies")
		}
		if verify("s3cret", h.header, []byte(h.body), now.Add(time.Hour)) {
			t.Error("a stale timestamp verifies")
		}
	}
}

func TestBackoff(t *testing.T) {
	const base, limit = 500 * time.Millisecond, 60 * time.Second
	highest := func(n int64) int64 { return n - 1 }
	lowest := func(int64) int64 { return 0 }
	tests := []struct {
		attempt int
		rnd     func(int64) int64
		want    time.Duration
	}{
		{1, highest, 500 * time.Millisecond},
		{2, highest, time.Second},
		{3, highest, 2 * time.Second},
		{7, highest, 32 * time.Second},
		{8, highest, 60 * time.Second},
		{1000, highest, 60 * time.Second},
		{1, lowest, 0},
		{1000, lowest, 0},
	}
	for _, tt := range tests {
		if got := backoff(tt.attempt, base, limit, tt.rnd); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}
