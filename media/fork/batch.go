package fork

import "net/netip"

// sendBatch is the most packets the forker hands its socket at once: one
// sendmmsg system call on Linux. A tick queues every packet it builds and
// sends them a batch at a time, the last, shorter batch at the tick's end.
const sendBatch = 64

// A tick's packets leave as a burst, up to two per fork, faster than a
// network card sends them: the socket's send buffer must hold the burst,
// or its tail fails with EAGAIN. The kernel counts about sndPerPacket
// bytes of buffer per small datagram; New raises the buffer to hold the
// burst of MaxForks forks when that is more than minSndBuf, the Linux
// default (net.core.wmem_default; the system caps it at net.core.wmem_max).
const (
	sndPerPacket = 1024
	minSndBuf    = 212992
)

// sendBuffer is the send buffer New asks for, 0 to keep the default.
func sendBuffer(maxForks int) int {
	if want := 2 * maxForks * sndPerPacket; want > minSndBuf {
		return want
	}
	return 0
}

// batch is the packets queued for one send: their bytes, and for each its
// target and the fork and leg its outcome is counted to. Its arrays are
// allocated once, with its sender, which owns it.
type batch struct {
	n    int // packets queued: pkt[:n] and slot[:n]
	pkt  [sendBatch][maxPacket]byte
	slot [sendBatch]slot
	sys  sysBatch // the platform's system call arrays (sock_*.go)
}

// slot is one queued packet.
type slot struct {
	f   *Fork
	l   *leg
	to  netip.AddrPort
	len int   // bytes of pkt[i]
	err error // set by sock.send: nil means sent
}

// full reports whether no packet can be queued before a flush.
func (b *batch) full() bool { return b.n == len(b.slot) }

// next returns the buffer of the next packet (maxPacket long).
func (b *batch) next() []byte { return b.pkt[b.n][:] }

// queue adds the packet of n bytes written into next's buffer.
func (b *batch) queue(f *Fork, l *leg, n int) {
	b.slot[b.n] = slot{f: f, l: l, to: l.to, len: n}
	b.n++
}
