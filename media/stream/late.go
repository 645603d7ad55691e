package stream

// SkippedFrames is the number of 20 ms frames the shards skipped since the
// engine started because they fell behind the clock: audio lost to
// overload. Admission control watches it to stop taking calls before
// every call degrades.
func (e *Engine) SkippedFrames() uint64 {
	var n uint64
	for _, sh := range e.shards {
		n += sh.skipped.Load()
	}
	return n
}
