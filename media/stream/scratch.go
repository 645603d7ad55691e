package stream

// scratch is the packet work space of one shard: the datagram being read,
// the packet being sent and the decoded audio of a received packet. A shard
// serves one stream at a time on one goroutine and nothing keeps a slice of
// these past the packet, so its streams share them (8 KB a call less).
type scratch struct {
	in  [maxPacket]byte
	out [maxPacket]byte
	pcm [maxPacket]int16
}

// buffers returns the shard's scratch buffers, made on first use (shards
// made by tests without newShard get theirs too).
func (sh *shard) buffers() (in, out []byte, pcm []int16) {
	sh.mu.Lock()
	if sh.scratch == nil {
		sh.scratch = new(scratch)
	}
	b := sh.scratch
	sh.mu.Unlock()
	return b.in[:], b.out[:], b.pcm[:]
}
