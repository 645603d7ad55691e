// Package xmlivr runs XML IVR applications in the style of the Ronglian
// (yuntongxun) cloud-communications platform's IVR: the box POSTs an XML
// notice about a call to the application's URL (call started, digits
// collected, conference created / joined / left / deleted, call ended) and
// runs the <Response> verbs it answers with — Get, Play, PlayMix,
// Redirect, Hangup, CreateConf, JoinConf and CmdNone (docs/API-XML.md).
//
// Parse is the strict parser of those answers (size, verb count, nesting,
// no DTD or entities). An Engine runs one session per call as that call's
// controller, through the few call methods it declares (Call) and a small
// interface to the conference rooms (Rooms). An application that is down,
// slow, answers an HTTP error, malformed XML or an unknown verb gets the
// configured fallback URL tried once, then the fallback prompt and a
// hang-up: a call never waits in silence forever.
//
// The package never touches SIP, RTP or audio itself, never lets one
// call's slow application delay another call (each call's requests run on
// that call's goroutine, through a shared client with a bounded
// transport), and never lets a panic in a session escape Run.
package xmlivr
