package disk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path"
	"strings"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// Errors the disks return (wrapped with the cause).
var (
	// ErrTimeout means the server did not answer in time.
	ErrTimeout = errors.New("network disk: no answer in time")
	// ErrDown means the disk is not reachable now (the checker saw it fail).
	ErrDown = errors.New("network disk: not reachable")
	// ErrLogin means the server refused the user name or password.
	ErrLogin = errors.New("network disk: login refused")
	// ErrShare means the share does not exist or may not be used.
	ErrShare = errors.New("network disk: share not available")
	// ErrClosed means the disk was unmounted or the manager closed.
	ErrClosed = errors.New("network disk: closed")
	// ErrNoDisk means no disk has the number.
	ErrNoDisk = errors.New("no such network disk")
)

// conn is one SMB session with the share mounted.
type conn struct {
	tcp   net.Conn
	sess  *smb2.Session
	share *smb2.Share
}

// dial connects to d's server, logs in (guest when d.User is empty) and
// mounts the share, all within ctx.
func dial(ctx context.Context, d config.Disk, password string) (*conn, error) {
	var nd net.Dialer
	tcp, err := nd.DialContext(ctx, "tcp", d.Addr())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d.Addr(), err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = tcp.SetDeadline(dl) // a server that accepts but never answers
	}
	user := d.User
	if user == "" {
		user = "guest"
	}
	dl := &smb2.Dialer{Initiator: &smb2.NTLMInitiator{User: user, Password: password, Domain: d.Domain}}
	sess, err := dl.DialConn(ctx, tcp, d.Addr())
	if err != nil {
		tcp.Close()
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return nil, fmt.Errorf("%w: log in to %s: %w", ErrTimeout, d.Addr(), err)
		}
		return nil, fmt.Errorf("%w: log in to %s as %q: %w", ErrLogin, d.Addr(), user, err)
	}
	share, err := sess.WithContext(ctx).Mount(d.Share)
	if err != nil {
		tcp.Close()
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return nil, fmt.Errorf("%w: mount share %q: %w", ErrTimeout, d.Share, err)
		}
		return nil, fmt.Errorf("%w: share %q on %s: %w", ErrShare, d.Share, d.Addr(), err)
	}
	_ = tcp.SetDeadline(time.Time{})
	return &conn{tcp: tcp, sess: sess, share: share}, nil
}

// close tears the connection down at once (no logoff: the server may hang).
func (c *conn) close() { _ = c.tcp.Close() }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isNotExist says err means the file is missing (not that the disk failed).
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || os.IsNotExist(err) ||
		strings.Contains(err.Error(), "STATUS_OBJECT_NAME_NOT_FOUND") ||
		strings.Contains(err.Error(), "STATUS_OBJECT_PATH_NOT_FOUND")
}

// remote is the share path of the prompt name under folder, with
// backslashes as SMB wants them. name must be fs.ValidPath.
func remote(folder, name string) (string, error) {
	if !fs.ValidPath(name) || strings.Contains(name, `\`) {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	p := path.Join(strings.Trim(folder, "/"), name)
	if p == "." {
		p = ""
	}
	return strings.ReplaceAll(p, "/", `\`), nil
}
