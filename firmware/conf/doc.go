// Package conf keeps the box's conference rooms: it makes them (an 8-digit
// id, a member limit, join and leave tones), lets calls join them (a Room is
// a call.Room: a KindJoin command hands the call's media over), mutes,
// kicks and plays prompts into them, and deletes them when they end, when
// nobody joins within the idle time or when they empty. Every change is
// published on the event bus (the Conf* kinds), in the order it happened.
//
// The audio itself is media/mix's: a room here is a mix.Room, a member a
// mix.Member attached to the call's stream as a sink (what the caller says)
// and as its source (what the caller hears). The package never touches the
// RTP path: it attaches and detaches members, and watches who talks on its
// own goroutine (never on the mixer's tick).
//
// A room is recorded (Manager.Record) by the call recorder, media/record,
// whose tap is a sink of the mix room: one mono file of the room's mix,
// finalised when the recording is stopped or the room ends, told by the
// RecordingStarted and RecordingFinished events with the room in their
// Conf payload.
package conf
