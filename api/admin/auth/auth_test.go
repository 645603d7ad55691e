package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/store"
)

// fastParams keep the tests quick; one test uses DefaultParams.
var fastParams = Params{Memory: 64, Time: 1, Threads: 1}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

// openDB opens a real store file; it is closed when the test ends.
func openDB(t *testing.T) (*bbolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ivrbox.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st.DB(), path
}

func newStore(t *testing.T, c *clock) *Store {
	db, _ := openDB(t)
	return New(db, Options{Params: fastParams, Now: c.now})
}

func TestSetupVerifyChange(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	s := New(db, Options{}) // real argon2id parameters
	if has, err := s.HasPassword(); has || err != nil {
		t.Fatalf("HasPassword on a new box = %v, %v", has, err)
	}
	if err := s.Verify(ctx, "anything1"); !errors.Is(err, ErrNoPassword) {
		t.Errorf("Verify before setup = %v", err)
	}
	if err := s.Setup(ctx, "short"); !errors.Is(err, ErrWeakPassword) || !strings.Contains(err.Error(), "at least 8") {
		t.Errorf("Setup short = %v", err)
	}
	if err := s.Setup(ctx, "        "); !errors.Is(err, ErrWeakPassword) || !strings.Contains(err.Error(), "only spaces") {
		t.Errorf("Setup with eight spaces = %v", err)
	}
	if err := s.Setup(ctx, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx, "another one"); !errors.Is(err, ErrSetupDone) {
		t.Errorf("second Setup = %v", err)
	}
	if err := s.Verify(ctx, "correct horse"); err != nil {
		t.Errorf("Verify right = %v", err)
	}
	if err := s.Verify(ctx, "correct horsE"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("Verify wrong = %v", err)
	}
	if err := s.ChangePassword(ctx, "wrong one", "new password", ""); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("ChangePassword with a wrong old = %v", err)
	}
	if err := s.ChangePassword(ctx, "correct horse", "new password", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, "new password"); err != nil {
		t.Errorf("Verify after change = %v", err)
	}
	// The hash is argon2id with the documented parameters; the password is nowhere in the file.
	var stored []byte
	_ = db.View(func(tx *bbolt.Tx) error {
		stored = bytes.Clone(tx.Bucket(bucket).Get(keyPassword))
		return nil
	})
	for _, want := range []string{`"alg":"argon2id"`, `"m":19456`, `"t":2`, `"p":1`} {
		if !bytes.Contains(stored, []byte(want)) {
			t.Errorf("stored hash %s lacks %s", stored, want)
		}
	}
	_ = db.Close()
	raw := readAll(t, path)
	if bytes.Contains(raw, []byte("new password")) || bytes.Contains(raw, []byte("correct horse")) {
		t.Error("a password is stored in the clear")
	}
}

func TestSessions(t *testing.T) {
	c := newClock()
	s := newStore(t, c)
	id, se, err := s.NewSession()
	if err != nil || len(id) != 43 || !se.Created.Equal(c.now()) {
		t.Fatalf("NewSession = %q, %+v, %v", id, se, err)
	}
	other, _, _ := s.NewSession()
	if _, err := s.Session(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session("nope"); !errors.Is(err, ErrNoSession) {
		t.Errorf("unknown session = %v", err)
	}
	// Used every 7 h it lives until 24 h after login.
	for range 3 {
		c.add(7 * time.Hour)
		if _, err := s.Session(id); err != nil {
			t.Fatalf("session after %v: %v", c.now().Sub(se.Created), err)
		}
	}
	if _, err := s.Session(other); !errors.Is(err, ErrNoSession) {
		t.Errorf("session idle 21 h = %v, want ErrNoSession", err)
	}
	c.add(3 * time.Hour)
	if _, err := s.Session(id); !errors.Is(err, ErrNoSession) {
		t.Errorf("session 24 h old = %v, want ErrNoSession", err)
	}
	if !s.Expires(se).Equal(se.Created.Add(24 * time.Hour)) {
		t.Errorf("Expires = %v", s.Expires(se))
	}

	a, _, _ := s.NewSession()
	b, _, _ := s.NewSession()
	if err := s.EndSession(a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(a); !errors.Is(err, ErrNoSession) {
		t.Errorf("ended session = %v", err)
	}
	c2, _, _ := s.NewSession()
	if err := s.EndSessions(b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(b); err != nil {
		t.Errorf("kept session = %v", err)
	}
	if _, err := s.Session(c2); !errors.Is(err, ErrNoSession) {
		t.Errorf("other session = %v", err)
	}
}

func TestSessionLimit(t *testing.T) {
	c := newClock()
	s := newStore(t, c)
	first, _, _ := s.NewSession()
	for range MaxSessions {
		c.add(time.Second)
		if _, _, err := s.NewSession(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Session(first); !errors.Is(err, ErrNoSession) {
		t.Errorf("least recently used session survived the limit: %v", err)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	s := newStore(t, c)
	if err := s.Setup(ctx, "password1"); err != nil {
		t.Fatal(err)
	}
	mine, _, _ := s.NewSession()
	theirs, _, _ := s.NewSession()
	tok, secret, _ := s.CreateToken("script")
	if err := s.ChangePassword(ctx, "password1", "password2", mine); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(mine); err != nil {
		t.Errorf("own session ended: %v", err)
	}
	if _, err := s.Session(theirs); !errors.Is(err, ErrNoSession) {
		t.Errorf("other session = %v", err)
	}
	if got, err := s.CheckToken(secret); err != nil || got.ID != tok.ID {
		t.Errorf("token after password change = %+v, %v", got, err)
	}
	if err := s.SetPassword(ctx, "password3"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(mine); !errors.Is(err, ErrNoSession) {
		t.Errorf("SetPassword kept a session: %v", err)
	}
}

func TestTokens(t *testing.T) {
	c := newClock()
	s := newStore(t, c)
	for _, bad := range []string{"", "  ", "a\nb", strings.Repeat("x", 65), "\xff"} {
		if _, _, err := s.CreateToken(bad); !errors.Is(err, ErrBadName) {
			t.Errorf("CreateToken(%q) = %v", bad, err)
		}
	}
	t1, sec1, err := s.CreateToken("backup script")
	if err != nil || !strings.HasPrefix(sec1, "ivb_") || len(sec1) != 47 || t1.LastUsed != nil {
		t.Fatalf("CreateToken = %+v, %q, %v", t1, sec1, err)
	}
	c.add(time.Second)
	t2, sec2, _ := s.CreateToken("monitor")
	if got, err := s.CheckToken(sec1); err != nil || got.ID != t1.ID || got.LastUsed == nil {
		t.Errorf("CheckToken = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "ivb_", sec1 + "x", strings.TrimPrefix(sec1, "ivb_"), t1.ID} {
		if _, err := s.CheckToken(bad); !errors.Is(err, ErrNoToken) {
			t.Errorf("CheckToken(%q) = %v", bad, err)
		}
	}
	list, _ := s.Tokens()
	if len(list) != 2 || list[0].ID != t1.ID || list[0].LastUsed == nil || list[1].Name != "monitor" {
		t.Errorf("Tokens = %+v", list)
	}
	if err := s.RevokeToken(t1.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(t1.ID); !errors.Is(err, ErrNoToken) {
		t.Errorf("second revoke = %v", err)
	}
	if _, err := s.CheckToken(sec1); !errors.Is(err, ErrNoToken) {
		t.Errorf("revoked token = %v", err)
	}
	if _, err := s.CheckToken(sec2); err != nil || t2.ID == t1.ID {
		t.Errorf("other token = %v", err)
	}
}

func TestTokenLimit(t *testing.T) {
	s := newStore(t, newClock())
	for range MaxTokens {
		if _, _, err := s.CreateToken("t"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.CreateToken("one more"); !errors.Is(err, ErrTooMany) {
		t.Errorf("token past the limit = %v", err)
	}
}

func TestReset(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, newClock())
	_ = s.Setup(ctx, "password1")
	id, _, _ := s.NewSession()
	_, sec, _ := s.CreateToken("x")
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if has, _ := s.HasPassword(); has {
		t.Error("password survived Reset")
	}
	if _, err := s.Session(id); !errors.Is(err, ErrNoSession) {
		t.Error("session survived Reset")
	}
	if _, err := s.CheckToken(sec); !errors.Is(err, ErrNoToken) {
		t.Error("token survived Reset")
	}
	if err := s.Setup(ctx, "password2"); err != nil {
		t.Errorf("Setup after Reset = %v", err)
	}
}

func TestClosedDatabase(t *testing.T) {
	db, _ := openDB(t)
	s := New(db, Options{Params: fastParams})
	_ = db.Close()
	if _, err := s.HasPassword(); !errors.Is(err, ErrClosed) {
		t.Errorf("HasPassword = %v", err)
	}
	if _, _, err := s.NewSession(); !errors.Is(err, ErrClosed) {
		t.Errorf("NewSession = %v", err)
	}
}

func TestBrokenRandom(t *testing.T) {
	db, _ := openDB(t)
	s := New(db, Options{Params: fastParams, Rand: bytes.NewReader(nil)})
	if _, _, err := s.NewSession(); err == nil {
		t.Error("NewSession with no randomness succeeded")
	}
	if err := s.Setup(context.Background(), "password1"); err == nil {
		t.Error("Setup with no randomness succeeded")
	}
}

func TestThrottle(t *testing.T) {
	c := newClock()
	th := NewThrottle(c.now)
	addr := "192.0.2.7"
	for n := 1; n < DefaultLimit; n++ {
		if th.Fail(addr) || th.Blocked(addr) != 0 {
			t.Fatalf("blocked after %d failures", n)
		}
		c.add(30 * time.Second)
	}
	if !th.Fail(addr) {
		t.Fatal("5th failure did not block")
	}
	if got := th.Blocked(addr); got != DefaultBlock {
		t.Errorf("Blocked = %v, want %v", got, DefaultBlock)
	}
	if th.Blocked("192.0.2.8") != 0 {
		t.Error("another address is blocked")
	}
	c.add(DefaultBlock - time.Second)
	th.Succeed(addr) // cannot lift a block
	if th.Blocked(addr) != time.Second {
		t.Errorf("Blocked = %v", th.Blocked(addr))
	}
	c.add(time.Second)
	if th.Blocked(addr) != 0 {
		t.Error("still blocked after the block time")
	}
	// Failures spread wider than the window never block.
	for range 10 {
		if th.Fail(addr) {
			t.Fatal("blocked by failures outside the window")
		}
		c.add(DefaultWindow/4 + time.Second)
	}
	// IPv6 counts per /64.
	for n := range DefaultLimit {
		th.Fail("2001:db8:1:2::" + string(rune('a'+n)))
	}
	if th.Blocked("2001:db8:1:2:ffff::1") == 0 || th.Blocked("2001:db8:1:3::1") != 0 {
		t.Error("IPv6 /64 grouping")
	}
	if group("[::ffff:192.0.2.7]:5000") != "192.0.2.7" || group("junk") != "junk" {
		t.Errorf("group = %q, %q", group("[::ffff:192.0.2.7]:5000"), group("junk"))
	}
}

func TestThrottleBounded(t *testing.T) {
	c := newClock()
	th := NewThrottle(c.now)
	for n := range maxTracked + 100 {
		th.Fail(netipString(n))
		if n%1000 == 0 {
			c.add(DefaultWindow)
		}
	}
	if len(th.addrs) > maxTracked {
		t.Errorf("%d addresses tracked", len(th.addrs))
	}
}

func netipString(n int) string {
	return fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
