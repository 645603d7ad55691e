package box

import (
	"context"
	"sync"

	"github.com/ivrbox/ivrbox/firmware/outbox"
)

// openTelephony builds the event outbox that the PBX API delivers through.
func (b *Box) openTelephony() error {
	var err error
	b.outbox, err = outbox.New(b.Store.DB(), outbox.Options{
		URL:    func() string { return b.Store.Config().API.AppURL },
		Secret: func() string { return b.Store.Config().API.Secret },
		Log:    b.log.With("component", "outbox"),
	})
	return err
}

// runTelephony starts the outbox's delivery; the returned func stops it
// and waits.
func (b *Box) runTelephony() func() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := b.outbox.Run(ctx); err != nil && ctx.Err() == nil {
			b.log.Error("event outbox stopped", "err", err)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// closeTelephony closes the outbox.
func (b *Box) closeTelephony() {
	if b.outbox != nil {
		_ = b.outbox.Close()
	}
}
