package box

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/api/admin"
	"github.com/ivrbox/ivrbox/board"
	"github.com/ivrbox/ivrbox/firmware/disk"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/status"
	"github.com/ivrbox/ivrbox/hal/sim"
)

// openBoard opens the board's LEDs and buttons and starts the status display
// (showing "booting"). A short press arms the service number; a long hold
// resets to factory settings and restarts.
func (b *Box) openBoard() error {
	hw, err := board.Open(b.Board, board.Options{Pins: b.Store.Config().System.Pins, Log: b.log.With("component", "board")})
	if err != nil {
		return err
	}
	b.hw = hw
	b.Status = status.New(status.Options{
		Groups:  hw.Groups,
		Buttons: hw.Buttons,
		Log:     b.log.With("component", "status"),
		OnShortPress: func(context.Context, status.State) {
			b.service.Arm()
			b.log.Info("service number armed: a call to it hears the address and state",
				"number", b.Store.Config().System.Service(), "for", armFor)
		},
		OnFactoryReset: func(context.Context) error {
			if err := b.Admin.FactoryReset(); err != nil {
				return err
			}
			b.log.Warn("factory reset by the button; restarting")
			b.Restart()
			return nil
		},
	})
	return nil
}

// statusHoldoff is the shortest time between two updates of the status
// display's call count: LEDs need no more, and a busy box saves a wake-up
// per call.
const statusHoldoff = 50 * time.Millisecond

// watchStatus keeps the status display's call count current from the event
// bus until ctx ends; the returned func waits for it to stop.
func (b *Box) watchStatus(ctx context.Context) (wait func()) {
	b.Status.SetReady()
	b.Status.SetCalls(b.Calls.Len())
	b.Disks.Apply(b.Store.Config().Disks)
	changed, unsubscribe := b.Store.Subscribe()
	// Calls starting and ending only mark the count stale: the goroutine
	// wakes once for many of them (at most every statusHoldoff), not for
	// every event of every call.
	calls := make(chan struct{}, 1)
	b.Bus.Hook(func(e event.Event) {
		if e.Kind == event.CallStarted || e.Kind == event.CallEnded {
			select {
			case calls <- struct{}{}:
			default:
			}
		}
	})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-changed:
				if !ok {
					changed = nil
					continue
				}
				cfg := b.Store.Config()
				b.Disks.Apply(cfg.Disks) // a restore or PUT config may change them
				b.Trunks.Apply(cfg)
				b.applyGuard(cfg)
			case <-calls:
				b.Status.SetCalls(b.Calls.Len())
				t := time.NewTimer(statusHoldoff)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}
	})
	return wg.Wait
}

// diskChanged shows a network-disk fault on the status display while any
// mounted disk is unreachable.
func (b *Box) diskChanged(in disk.Info) {
	if b.Status != nil && b.Disks != nil {
		b.Status.SetDiskFault(b.Disks.Faulty())
	}
}

// closeBoard stops the status display, then releases the hardware.
func (b *Box) closeBoard() {
	if b.Status != nil {
		_ = b.Status.Close()
	}
	if b.hw != nil {
		_ = b.hw.Close()
	}
}

// boardHAL shows the board to the admin API: the LEDs as the status display
// drives them, and the sim board's buttons (a real button can't be pressed
// from the network).
type boardHAL struct {
	st  *status.Status
	sim *sim.Board
}

var _ admin.HAL = boardHAL{}

func (h boardHAL) LEDs() []admin.LED {
	var out []admin.LED
	for _, l := range h.st.LEDs() {
		out = append(out, admin.LED(l))
	}
	return out
}

func (h boardHAL) Buttons() []string {
	if h.sim == nil {
		return nil
	}
	return h.sim.Buttons()
}

func (h boardHAL) Press(name string, d time.Duration) error {
	if h.sim == nil {
		return errors.ErrUnsupported
	}
	return h.sim.Press(name, d)
}
