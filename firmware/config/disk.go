package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// MaxDisks is the number of network disks a box can have (numbers 1..MaxDisks).
const MaxDisks = 8

// Disk is one SMB network disk. It shows up in prompt names as
// /tmp/media/networkdiskN (MountPrefix). The password is not part of the
// config: it lives in the store's secrets (never exported or shown).
type Disk struct {
	// Number is N in networkdiskN, 1..MaxDisks, unique.
	Number int `json:"number"`
	// Name is a label for people; default "networkdiskN".
	Name string `json:"name,omitempty"`
	// Server is the SMB server: host or host:port (port default 445).
	Server string `json:"server"`
	// Share is the share name on the server (no slashes).
	Share string `json:"share"`
	// Folder is a folder inside the share that holds the prompts ("" the
	// share's top). Slash-separated, no "..".
	Folder string `json:"folder,omitempty"`
	// User is the login name; empty logs in as guest.
	User string `json:"user,omitempty"`
	// Domain is the login's domain or workgroup (usually empty).
	Domain string `json:"domain,omitempty"`
	// Disabled keeps the disk configured but unmounted.
	Disabled bool `json:"disabled,omitempty"`
}

// MountPrefix is the absolute prompt-name prefix of disk n: /tmp/media/networkdiskN.
func MountPrefix(n int) string { return "/tmp/media/networkdisk" + strconv.Itoa(n) }

// DisplayName is the disk's label: Name, or "networkdiskN".
func (d Disk) DisplayName() string {
	if d.Name != "" {
		return d.Name
	}
	return "networkdisk" + strconv.Itoa(d.Number)
}

// Addr is the server's host:port (445 when no port is given).
func (d Disk) Addr() string {
	if _, _, err := net.SplitHostPort(d.Server); err == nil {
		return d.Server
	}
	return net.JoinHostPort(strings.Trim(d.Server, "[]"), "445")
}

// Disk returns the disk numbered n.
func (c *Config) Disk(n int) (Disk, bool) {
	for _, d := range c.Disks {
		if d.Number == n {
			return d, true
		}
	}
	return Disk{}, false
}

// disks checks the network disks.
func (v *validator) disks(disks []Disk) {
	if len(disks) > MaxDisks {
		v.add("disks", "%d disks, the limit is %d", len(disks), MaxDisks)
	}
	seen := map[int]int{}
	for i, d := range disks {
		p := fmt.Sprintf("disks[%d]", i)
		if d.Number < 1 || d.Number > MaxDisks {
			v.add(p+".number", "%d must be 1 to %d", d.Number, MaxDisks)
		} else if j, dup := seen[d.Number]; dup {
			v.add(p+".number", "%d is also the number of disks[%d]", d.Number, j)
		} else {
			seen[d.Number] = i
		}
		v.label(p+".name", d.Name)
		if msg := ServerProblem(d.Server); msg != "" {
			v.add(p+".server", "%s", msg)
		}
		if msg := ShareProblem(d.Share); msg != "" {
			v.add(p+".share", "%s", msg)
		}
		if msg := FolderProblem(d.Folder); msg != "" {
			v.add(p+".folder", "%s", msg)
		}
		if len(d.User) > 64 || strings.ContainsFunc(d.User, badLoginRune) {
			v.add(p+".user", "%q must be at most 64 characters, without control characters, \\ / : or @", d.User)
		}
		if len(d.Domain) > 64 || strings.ContainsFunc(d.Domain, badLoginRune) {
			v.add(p+".domain", "%q must be at most 64 characters, without control characters, \\ / : or @", d.Domain)
		}
	}
}

func badLoginRune(r rune) bool {
	return r < 0x20 || r == 0x7f || strings.ContainsRune(`\/:@`, r)
}

// ServerProblem says what is wrong with an SMB server address ("" if nothing).
func ServerProblem(s string) string {
	if s == "" {
		return "is required (host or host:port)"
	}
	if len(s) > 255 || strings.ContainsAny(s, "/\\@ \t") || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Sprintf("%q must be a host name or IP address, optionally with :port", s)
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.Count(s, ":") == 1 || strings.HasPrefix(s, "[") {
		return fmt.Sprintf("%q: %v", s, err)
	}
	if host == "" {
		return fmt.Sprintf("%q has no host", s)
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("port %q must be 1 to 65535", port)
		}
	}
	return ""
}

// ShareProblem says what is wrong with an SMB share name ("" if nothing).
func ShareProblem(s string) string {
	switch {
	case s == "":
		return "is required"
	case len(s) > 80 || strings.ContainsAny(s, `/\:*?"<>|`) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Sprintf("%q must be a share name (at most 80 characters, no slashes or / \\ : * ? \" < > |)", s)
	}
	return ""
}

// FolderProblem says what is wrong with a folder inside a share ("" if nothing).
func FolderProblem(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 255 || strings.Contains(s, "\\") || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Sprintf("%q must be a slash-separated folder of at most 255 characters", s)
	}
	for el := range strings.SplitSeq(strings.Trim(s, "/"), "/") {
		if el == ".." || el == "." {
			return fmt.Sprintf("%q must stay inside the share (no . or .. elements)", s)
		}
	}
	return ""
}
