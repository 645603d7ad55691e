package disk

import (
	"io/fs"
	"testing/fstest"
)

// emptyFS is an empty built-in prompt set.
type emptyFS = fstest.MapFS

var _ fs.FS = emptyFS{}
