//go:build !linux || 386 || portablerecv

package stream

import (
	"errors"
	"time"
)

// errNoPoller reports that this build has no readiness polling: its shards
// read every socket on the tick.
var errNoPoller = errors.New("stream: no socket readiness polling in this build")

// poller is the readiness poller of Linux; here there is none, and newPoller
// fails, so the shards poll their sockets on the tick.
type poller struct{}

func newPoller() (*poller, error)                         { return nil, errNoPoller }
func (*poller) add(*sock, uint64) error                   { return errNoPoller }
func (*poller) remove(*sock) error                        { return nil }
func (*poller) wait(time.Duration, []uint64) (int, error) { return 0, errNoPoller }
func (*poller) wake()                                     {}
func (*poller) close() error                              { return nil }
