package box

import (
	"context"
	"fmt"
	"strings"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/ivr"
	"github.com/ivrbox/ivrbox/media/mix"
)

// ConfPrefix makes a runner number of a conference room: a call the box
// places with call.Manager.DialIVR(ctx, ConfPrefix+id, number, fromExt)
// joins room id once answered and hangs up when the room lets it go (a
// REST invite).
const ConfPrefix = "conf:"

// openConf starts the conference mixer and the rooms over it; rooms are
// recorded by the call recorder (call after openMediaServices).
func (b *Box) openConf() {
	b.Mix = mix.New(mix.Options{Log: b.log.With("component", "mix")})
	var rules config.Conference
	if b.Store != nil {
		rules = b.Store.Current().System.Conference
	}
	opts := conf.Options{Bus: b.Bus, Mix: b.Mix, Prompts: b.Prompts, Log: b.log.With("component", "conf"),
		IdleTimeout: rules.Idle(), EmptyTimeout: rules.Empty()}
	if b.Rec != nil {
		opts.Recorder = b.Rec
	}
	b.Conf = conf.New(opts)
}

// closeConf ends the rooms, then stops the mixer (after the calls, so no
// member is left in a room).
func (b *Box) closeConf() {
	if b.Conf != nil {
		_ = b.Conf.Close()
	}
	if b.Mix != nil {
		_ = b.Mix.Close()
	}
}

// confRooms is what the runner needs of the conference rooms.
type confRooms interface {
	Room(id string) (call.Room, bool)
}

// confCall is what joining a room needs of a call's own control.
type confCall interface {
	Answer(ctx context.Context) error
	Do(ctx context.Context, cmd call.Command) (call.Result, error)
	Hangup(ctx context.Context, cause string) error
}

// confNumber returns the room id of a runner number ConfPrefix+id, and
// whether number is one.
func confNumber(number string) (id string, ok bool) {
	return strings.CutPrefix(number, ConfPrefix)
}

// hasConf reports whether room id exists.
func hasConf(rooms confRooms, id string) bool {
	if rooms == nil || id == "" {
		return false
	}
	_, ok := rooms.Room(id)
	return ok
}

// runConf runs a call placed into room id: Answer dials it, then it stays
// in the room (a join command) until the room lets it go or the call ends,
// and is hung up. Only calls the box places get in: a caller who dialled
// the number is turned away (cause no-ivr), as when the room is gone.
func runConf(ctx context.Context, c confCall, outbound bool, rooms confRooms, id string) error {
	var room call.Room
	ok := false
	if rooms != nil && outbound {
		room, ok = rooms.Room(id)
	}
	if !ok {
		_ = c.Hangup(ctx, ivr.CauseNoIVR)
		return fmt.Errorf("conf: room %q: %w", id, conf.ErrNoRoom)
	}
	if err := c.Answer(ctx); err != nil {
		return fmt.Errorf("conf: room %q: answer: %w", id, err)
	}
	res, err := c.Do(ctx, call.Command{Kind: call.KindJoin, Tag: ConfPrefix + id, Room: room})
	_ = c.Hangup(ctx, ivr.CauseNormal)
	switch {
	case err != nil:
		return fmt.Errorf("conf: room %q: join: %w", id, err)
	case res.Status == call.StatusFailed:
		return fmt.Errorf("conf: room %q: join: %s", id, res.Reason)
	}
	return nil
}

// isOutbound reports whether ctl's call is one the box placed.
func isOutbound(ctl *call.Control) bool { return ctl.Call().Info().Dir == event.Outbound }
