package sdnotify_test

import (
	"context"
	"sync"

	"github.com/ivrbox/ivrbox/firmware/sdnotify"
)

// A service tells systemd it is ready once its listeners are up, keeps the
// watchdog fed while it runs, and says it is stopping before it drains.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	n := sdnotify.New(sdnotify.Options{}) // a no-op outside systemd

	// ... open the listeners ...
	_ = n.Ready()
	_ = n.Status("serving")
	var wg sync.WaitGroup
	wg.Go(func() { n.Watchdog(ctx) })

	// ... serve until asked to stop ...
	_ = n.Stopping()
	cancel()
	wg.Wait()
	// Output:
}
