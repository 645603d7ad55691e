package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRegisterBruteForce: 200 wrong guesses as fast as they go, all on one
// nonce with rising nonce counts, from 127.0.0.4: after 10 failures the
// source is blocked (the rest dropped unread, the right password too) and
// the account banned (the right password from 127.0.0.5 gets 403, while
// the phone registered from 127.0.0.7 before the attack still refreshes);
// the log has a few refusal lines, not 200. Lifting both bans through the admin API
// lets the right password in, and a replay of its nonce count is refused.
func TestRegisterBruteForce(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{config: fmt.Sprintf(guardConfig, "")})
	adm := admin(t, b)
	adm.must("POST", "accounts", account("1000"), http.StatusCreated, nil)
	attacker, other := newRegClient(t, b, "127.0.0.4"), newRegClient(t, b, "127.0.0.5")
	phone := newRegClient(t, b, "127.0.0.7")
	if code := phone.do(t, phone.register(phone.challenge(t), "acct-1000", 1), 5*time.Second); code != 200 {
		t.Fatalf("the phone's registration: %d", code)
	}

	chal := attacker.challenge(t)
	for nc := 1; nc <= 200; nc++ {
		attacker.send(t, attacker.register(chal, "guess-"+fmt.Sprint(nc), nc))
	}
	// The box handles requests in parallel: a guess overtaken by a later
	// count is a replay (401); both count as failures.
	answered := attacker.drain()
	t.Logf("200 guesses: %d answered, the rest dropped unread", answered)
	if answered < 10 || answered > 40 {
		t.Errorf("%d guesses answered, want 10 and those in flight when the ban came", answered)
	}
	if code := attacker.do(t, attacker.register(chal, "acct-1000", 201), time.Second); code != 0 {
		t.Errorf("the right password from the blocked source: %d, want no answer", code)
	}
	if code := other.do(t, other.register(chal, "acct-1000", 500), 5*time.Second); code != 403 {
		t.Errorf("the right password for the banned account from another source: %d, want 403", code)
	}
	if code := phone.do(t, phone.register(phone.challenge(t), "acct-1000", 1), 5*time.Second); code != 200 {
		t.Errorf("the registered phone's refresh during the ban: %d, want 200", code)
	}
	if n := strings.Count(b.logs(), `level=INFO msg="REGISTER refused"`); n > 6 {
		t.Errorf("%d INFO lines for the refused REGISTERs, want a few", n)
	}

	var blocks struct {
		Blocks []struct {
			Source, User, Reason string
		} `json:"blocks"`
	}
	adm.must("GET", "blocks", nil, http.StatusOK, &blocks)
	if len(blocks.Blocks) != 2 || blocks.Blocks[0].Reason != "auth failures" {
		t.Fatalf("blocks %+v, want 127.0.0.4 and account 1000 for auth failures", blocks.Blocks)
	}
	adm.must("DELETE", "blocks/users/1000", nil, http.StatusNoContent, nil)
	adm.must("DELETE", "blocks/sources/127.0.0.4", nil, http.StatusNoContent, nil)
	chal = attacker.challenge(t)
	ok := attacker.register(chal, "acct-1000", 1)
	if code := attacker.do(t, ok, 5*time.Second); code != 200 {
		t.Fatalf("the right password after the lift: %d, want 200", code)
	}
	// The same credentials in a new transaction: the nonce count is used.
	if code := attacker.do(t, ok, 5*time.Second); code != 401 {
		t.Errorf("a replayed nonce count: %d, want 401", code)
	}
	if code := attacker.do(t, attacker.register(chal, "acct-1000", 2), 5*time.Second); code != 200 {
		t.Errorf("the next nonce count: %d, want 200", code)
	}
}

// regClient sends REGISTERs for account 1000 from one address.
type regClient struct {
	conn  *net.UDPConn
	box   *net.UDPAddr
	local *net.UDPAddr
	seq   int
}

func newRegClient(t *testing.T, b *box, src string) *regClient {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(src)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &regClient{conn: conn, box: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: b.sipPort},
		local: conn.LocalAddr().(*net.UDPAddr)}
}

// regAttempt is one REGISTER's Authorization ("" for none).
type regAttempt struct{ auth string }

// register builds the credentials for password on challenge nonce with
// count nc.
func (c *regClient) register(nonce, password string, nc int) regAttempt {
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	uri := fmt.Sprintf("sip:%s", c.box)
	cnonce, ncs := "c0ffee", fmt.Sprintf("%08x", nc)
	resp := h(h("1000:ivrbox:"+password) + ":" + nonce + ":" + ncs + ":" + cnonce + ":auth:" + h("REGISTER:"+uri))
	return regAttempt{auth: fmt.Sprintf(`Digest username="1000", realm="ivrbox", nonce="%s", uri="%s", `+
		`response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"`, nonce, uri, resp, ncs, cnonce)}
}

// message is a new REGISTER transaction carrying a.
func (c *regClient) message(a regAttempt) string {
	c.seq++
	auth := ""
	if a.auth != "" {
		auth = "Authorization: " + a.auth + "\r\n"
	}
	return fmt.Sprintf("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-reg-%d-%d;rport\r\n"+
		"From: <sip:1000@%s>;tag=r%d\r\nTo: <sip:1000@%s>\r\nCall-ID: reg-%d@%s\r\nCSeq: %d REGISTER\r\n"+
		"Contact: <sip:1000@%s>\r\nExpires: 600\r\nMax-Forwards: 70\r\n%sContent-Length: 0\r\n\r\n",
		c.box, c.local, c.local.Port, c.seq, c.box.IP, c.local.Port, c.box.IP, c.local.Port, c.local.IP, c.seq, c.local, auth)
}

func (c *regClient) send(t *testing.T, a regAttempt) {
	t.Helper()
	if _, err := c.conn.WriteTo([]byte(c.message(a)), c.box); err != nil {
		t.Fatal(err)
	}
}

// do sends a and returns the final status (0: none within d).
func (c *regClient) do(t *testing.T, a regAttempt, d time.Duration) int {
	t.Helper()
	return exchange(t, c.conn, c.box, c.message(a), d)
}

// challenge gets a fresh nonce.
func (c *regClient) challenge(t *testing.T) string {
	t.Helper()
	if _, err := c.conn.WriteTo([]byte(c.message(regAttempt{})), c.box); err != nil {
		t.Fatal(err)
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 8192)
	for {
		n, _, err := c.conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no challenge: %v", err)
		}
		msg := string(buf[:n])
		if _, rest, ok := strings.Cut(msg, `nonce="`); ok && strings.HasPrefix(msg, "SIP/2.0 401") {
			nonce, _, _ := strings.Cut(rest, `"`)
			return nonce
		}
	}
}

// drain counts the final answers that arrive until the box has been quiet
// for a second.
func (c *regClient) drain() int {
	buf := make([]byte, 8192)
	n := 0
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(time.Second))
		m, _, err := c.conn.ReadFrom(buf)
		if err != nil {
			return n
		}
		if strings.HasPrefix(string(buf[:m]), "SIP/2.0 4") {
			n++
		}
	}
}
