// Package smbtest runs a private Samba server (smbd) on 127.0.0.1 for tests:
// a guest share and a password share in temporary folders, on a free high
// port, with its own smb.conf and state. It is test support only: nothing in
// the firmware may import it, and it never touches the machine's own Samba
// configuration.
package smbtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// User and Password log in to the password share ("secure").
const (
	User     = "ivrboxtest"
	Password = "s3cret-Pass"
)

// Share names.
const (
	GuestShare  = "public"
	SecureShare = "secure"
)

// Server is a running smbd.
type Server struct {
	Addr      string // 127.0.0.1:port
	GuestDir  string // the guest share's folder
	SecureDir string // the password share's folder

	t    testing.TB
	conf string
	port int
	logf string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts smbd, or skips the test when Samba is not installed or the
// test user cannot be created (it needs root). The server stops when the
// test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	for _, bin := range []string{"smbd", "smbpasswd"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("smbtest: %s not installed (apt-get install samba): %v", bin, err)
		}
	}
	ensureUser(t)
	dir := t.TempDir()
	s := &Server{t: t, GuestDir: filepath.Join(dir, "public"), SecureDir: filepath.Join(dir, "secure"),
		conf: filepath.Join(dir, "smb.conf"), logf: filepath.Join(dir, "log.smbd")}
	for _, d := range []string{s.GuestDir, s.SecureDir, filepath.Join(dir, "state"), filepath.Join(dir, "private")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.port = freePort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	if err := os.WriteFile(s.conf, []byte(conf(dir, s)), 0o644); err != nil {
		t.Fatal(err)
	}
	pw := exec.Command("smbpasswd", "-c", s.conf, "-s", "-a", User)
	pw.Stdin = bytes.NewBufferString(Password + "\n" + Password + "\n")
	if out, err := pw.CombinedOutput(); err != nil {
		t.Fatalf("smbtest: smbpasswd: %v\n%s", err, out)
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

func conf(dir string, s *Server) string {
	st := filepath.Join(dir, "state")
	return fmt.Sprintf(`[global]
	server role = standalone server
	workgroup = WORKGROUP
	interfaces = 127.0.0.1
	bind interfaces only = yes
	smb ports = %d
	disable netbios = yes
	passdb backend = tdbsam:%s/passdb.tdb
	private dir = %s/private
	lock directory = %s
	state directory = %s
	cache directory = %s
	pid directory = %s
	ncalrpc dir = %s/ncalrpc
	log file = %s
	max log size = 1000
	map to guest = Bad User
	guest account = nobody
	load printers = no
	printcap name = /dev/null
	disable spoolss = yes
	server min protocol = SMB2_02
	deadtime = 0

[%s]
	path = %s
	guest ok = yes
	read only = no
	force user = root

[%s]
	path = %s
	valid users = %s
	read only = no
	force user = root
`, s.port, dir, dir, st, st, st, st, st, s.logf, GuestShare, s.GuestDir, SecureShare, s.SecureDir, User)
}

// ensureUser makes sure the Unix user Samba's password database needs
// exists, creating a system user when running as root.
func ensureUser(t testing.TB) {
	if _, err := user.Lookup(User); err == nil {
		return
	}
	if os.Geteuid() != 0 {
		t.Skipf("smbtest: Unix user %s is missing and creating it needs root", User)
	}
	out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", User).CombinedOutput()
	if err != nil {
		if _, lerr := user.Lookup(User); lerr == nil { // created concurrently
			return
		}
		t.Skipf("smbtest: cannot create Unix user %s: %v %s", User, err, out)
	}
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start (re)starts smbd on the same port and waits until it accepts
// connections.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command("smbd", "--foreground", "--no-process-group", "--configfile="+s.conf, "--debug-stdout", "-d", "1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group: Freeze stops the children too
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("smbtest: start smbd: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.killLocked()
			s.t.Fatalf("smbtest: smbd did not listen on %s: %v\n%s", s.Addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills smbd and every connection process it forked. Idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	pg := -s.cmd.Process.Pid
	_ = syscall.Kill(pg, syscall.SIGCONT)
	_ = syscall.Kill(pg, syscall.SIGKILL)
	_ = s.cmd.Wait()
	// connection children may outlive the parent for a moment
	for range 100 {
		if err := syscall.Kill(pg, 0); errors.Is(err, syscall.ESRCH) {
			break
		}
		_ = syscall.Kill(pg, syscall.SIGKILL)
		time.Sleep(20 * time.Millisecond)
	}
	s.cmd = nil
}

// Freeze stops smbd and its connection processes with SIGSTOP: connections
// stay open but nothing answers (a hung server).
func (s *Server) Freeze() { s.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen smbd (SIGCONT).
func (s *Server) Thaw() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, sig)
	}
}

// WriteGuest writes a file into the guest share.
func (s *Server) WriteGuest(name string, data []byte) {
	s.t.Helper()
	write(s.t, filepath.Join(s.GuestDir, name), data)
}

// WriteSecure writes a file into the password share.
func (s *Server) WriteSecure(name string, data []byte) {
	s.t.Helper()
	write(s.t, filepath.Join(s.SecureDir, name), data)
}

func write(t testing.TB, path string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
