// Package conf is the box's REST conference management API
// (docs/API-CONF.md), in the style of the vendor whose XML IVR the box
// speaks (Ronglian/yuntongxun "Rest 会议管理"): an application server
// creates conference rooms, lists them and their members, invites a number
// into a room (an outbound call through a route, which joins the room when
// answered), mutes, unmutes and kicks members, plays prompts into a room and
// ends it.
//
// Requests are served by Handler under Prefix (/conf/v1/), authenticated by
// an API token that opens config.APIConf (Authorization: Bearer <token> or
// X-Auth-Token). Bodies are JSON objects of at most MaxBody bytes; unknown
// fields are refused. Every answer is JSON with the vendor's statusCode
// ("000000" on success) and, on errors, statusMsg; the codes are the Code
// constants.
//
// The package reaches rooms only through the Rooms interface (a
// *firmware/conf.Manager) and calls only through the Calls interface (a
// *firmware/call.Manager): it never touches SIP, RTP or the mixer, and starts
// no goroutine.
package conf
