package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Bucket is the bbolt bucket holding pending events. It is the store's
// reserved outbox bucket (store.BucketOutbox).
const Bucket = "outbox"

// recordVersion is the first byte of every stored value.
const recordVersion = 1

// MaxBody is the largest body Enqueue accepts.
const MaxBody = 64 << 10

var errCorrupt = errors.New("outbox: corrupt record")

// record is one pending event as stored: key = id as 8 big-endian bytes,
// value = version byte, uvarint length of callID, callID, body.
type record struct {
	callID string
	body   []byte
}

// key returns the bbolt key of id; keys sort in id order.
func key(id uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id)
}

// idOf returns the id of a bbolt key.
func idOf(k []byte) (uint64, error) {
	if len(k) != 8 {
		return 0, fmt.Errorf("%w: key %x is not 8 bytes", errCorrupt, k)
	}
	return binary.BigEndian.Uint64(k), nil
}

// encode returns the stored value of callID and body.
func encode(callID string, body []byte) []byte {
	v := make([]byte, 0, 1+binary.MaxVarintLen64+len(callID)+len(body))
	v = append(v, recordVersion)
	v = binary.AppendUvarint(v, uint64(len(callID)))
	v = append(v, callID...)
	return append(v, body...)
}

// decode parses a stored value. The body aliases v: copy it if v belongs to
// a bbolt transaction that ends.
func decode(v []byte) (record, error) {
	if len(v) == 0 || v[0] != recordVersion {
		return record{}, fmt.Errorf("%w: unknown version", errCorrupt)
	}
	n, size := binary.Uvarint(v[1:])
	if size <= 0 || n > uint64(len(v)-1-size) {
		return record{}, fmt.Errorf("%w: bad call id length", errCorrupt)
	}
	start := 1 + size
	end := start + int(n)
	return record{callID: string(v[start:end]), body: v[end:]}, nil
}
