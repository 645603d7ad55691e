// Package mix is the conference mixer: it mixes the audio of the members of
// rooms in 16-bit linear PCM, on one 20 ms tick for all rooms, and gives
// every member the mix of the others (mix-minus), in the codec its stream
// asks for.
//
// An Engine owns one goroutine, its ticker; there is no goroutine per room
// or per member. A Member is both a stream.Sink (what it says: its stream's
// shard hands it every received frame, which it decodes into a small ring)
// and a stream.Source (what it hears: its stream's shard reads one mixed
// frame per frame of its clock from a second small ring). Each tick the
// engine takes one frame from every member's input ring, sums a room in
// int32 (plus what Room.Play queued, which everyone hears), and writes each
// member the sum less its own contribution, saturated to int16, so a loud
// pair clips instead of wrapping around. A muted member, or one whose
// stream sent nothing in time, contributes nothing and still hears. µ-law
// and A-law members share a room: input is decoded with the frame's codec,
// output encoded in the codec last asked for. The rings (four frames each)
// absorb the phase difference and jitter between the shards' ticks and the
// mixer's; a ring that stays more than a frame ahead sheds one, so the
// delay a room adds stays within one to three frames.
//
// A room can be tapped (Room.AddSink, RemoveSink: a *Room is a
// media/record.Attacher): every tick hands each of its sinks one
// stream.Frame whose In is the whole room's mix, as a member who says
// nothing hears it, in µ-law; recording a room is a recorder's tap on it.
//
// The rules of the media path hold here: WriteFrame and ReadFrame run on
// the shards' goroutines and take no lock, never block and never allocate;
// the tick allocates nothing either and takes no lock that slow work
// holds. Room and member lists are copy-on-write (atomic pointers), so
// rooms and members come and go while the tick runs: a tick under way
// finishes with the lists it loaded.
//
// The package knows nothing about calls, SIP or conferences as a service
// (ids, limits, events, prompts by name): firmware/conf builds those on it.
package mix
