//go:build linux

package fork

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ivrbox/ivrbox/media/stream"
)

// step is one scripted sendmmsg result: send the first sent messages for
// real, then return sent, or fail with errno.
type step struct {
	sent  int
	errno unix.Errno
}

// TestBatchRefusals: what the kernel refuses in a batch is counted to its
// packet, the rest is sent; a full buffer fails the rest of the batch.
func TestBatchRefusals(t *testing.T) {
	const frames = 10
	tests := []struct {
		name   string
		script []step
		sent   []int // the packets that reach the target
	}{
		{"all at once", []step{{sent: frames}}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"one refused, then a full buffer", []step{
			{sent: 3}, {errno: unix.EACCES}, {errno: unix.EINTR}, {sent: 2}, {errno: unix.EAGAIN},
		}, []int{0, 1, 2, 4, 5}},
		{"first refused, no buffer", []step{{errno: unix.ENETUNREACH}, {sent: 4}, {errno: unix.ENOBUFS}}, []int{1, 2, 3, 4}},
		{"short without an error", []step{{sent: 5}, {}, {sent: 4}}, []int{0, 1, 2, 3, 4, 6, 7, 8, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fk, clk := newTestForker(t, Options{})
			calls := 0
			fk.sock.sendmmsg = func(fd uintptr, h []unix.Mmsghdr) (int, unix.Errno) {
				if calls >= len(tt.script) {
					t.Errorf("sendmmsg call %d: not in the script", calls+1)
					return 0, unix.EIO
				}
				st := tt.script[calls]
				calls++
				if st.errno != 0 {
					return -1, st.errno
				}
				if st.sent == 0 {
					return 0, 0
				}
				if n, e := sendmmsg(fd, h[:st.sent]); n != st.sent || e != 0 {
					t.Fatalf("real sendmmsg: %d, %v", n, e)
				}
				return st.sent, 0
			}
			in := listen(t, "udp4", "127.0.0.1:0")
			src := &fakeStream{}
			f, err := fk.Start(src, Spec{In: in.addr})
			if err != nil {
				t.Fatal(err)
			}
			for i := range frames {
				src.write(frame(uint64(i), stream.PCMU, 1, 2))
			}
			clk.tick(t)
			ps := in.readN(len(tt.sent))
			if !in.empty() {
				t.Error("more packets than sent")
			}
			for i, p := range ps {
				if d := int(p.SequenceNumber - ps[0].SequenceNumber); d != tt.sent[i]-tt.sent[0] {
					t.Errorf("packet %d: seq +%d, want +%d", i, d, tt.sent[i]-tt.sent[0])
				}
			}
			if calls != len(tt.script) {
				t.Errorf("%d sendmmsg calls, want %d", calls, len(tt.script))
			}
			n := uint64(len(tt.sent))
			if st := f.Stats(); st.In.Packets != n || st.In.Errors != frames-n || st.In.Bytes != n*maxPacket {
				t.Errorf("stats %+v, want %d sent, %d errors", st.In, n, frames-n)
			}
		})
	}
}

// TestSocketAddresses: the sendmmsg address of each kind of target.
func TestSocketAddresses(t *testing.T) {
	tests := []struct {
		is6  bool
		to   string
		fam  uint16
		port [2]byte
		addr []byte
	}{
		{false, "192.0.2.1:4000", unix.AF_INET, [2]byte{0x0f, 0xa0}, []byte{192, 0, 2, 1}},
		{true, "192.0.2.1:4000", unix.AF_INET6, [2]byte{0x0f, 0xa0},
			[]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}},
		{true, "[2001:db8::1]:5004", unix.AF_INET6, [2]byte{0x13, 0x8c},
			[]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		// The kernel refuses an IPv6 address on an IPv4 socket.
		{false, "[2001:db8::1]:5004", unix.AF_INET6, [2]byte{0x13, 0x8c},
			[]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
	}
	for _, tt := range tests {
		s := &sock{is6: tt.is6, v4: true}
		var sa unix.RawSockaddrInet6
		n := s.name(&sa, netip.MustParseAddrPort(tt.to))
		port := *(*[2]byte)(unsafe.Pointer(&sa.Port))
		var addr []byte
		switch n {
		case unix.SizeofSockaddrInet4:
			sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa))
			addr = sa4.Addr[:]
		case unix.SizeofSockaddrInet6:
			addr = sa.Addr[:]
		}
		if sa.Family != tt.fam || port != tt.port || !bytes.Equal(addr, tt.addr) {
			t.Errorf("is6 %v, %s: family %d port %x addr %x (%d bytes)", tt.is6, tt.to, sa.Family, port, addr, n)
		}
	}
}

// TestSendClosedSocket: a batch on a closed socket fails every packet.
func TestSendClosedSocket(t *testing.T) {
	fk, _ := newTestForker(t, Options{})
	f := &Fork{fk: fk}
	f.in.init(netip.MustParseAddrPort("127.0.0.1:9"), 0, 0)
	if err := fk.sock.close(); err != nil {
		t.Fatal(err)
	}
	b := &fk.senders[0].batch
	for range 3 {
		b.queue(f, &f.in, 12)
	}
	fk.sock.send(b, b.n)
	for i := range 3 {
		if err := b.slot[i].err; !errors.Is(err, net.ErrClosed) {
			t.Errorf("packet %d: %v, want net.ErrClosed", i, err)
		}
	}
}
