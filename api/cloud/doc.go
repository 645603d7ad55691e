// Package cloud is the cloud IVR API of ivrbox, in the style of the
// WellCloud cloud IVR integration that seed 000 describes: an application
// server (a speech recogniser, a bot) subscribes to the box's IVR events,
// hears IvrStartedEvent when a caller enters an IVR whose control is
// "cloud", asks for the call's audio as RTP (monitor-call: the caller's
// side to c-rtp, the box's to a-rtp), and steers the caller with
// playMedia, stopMedia and stopAndPlayMedia until IvrEndedEvent.
//
// docs/API-CLOUD.md documents every endpoint, event and error code. The
// package reaches calls only through the call-control surface
// (firmware/call): it never touches SIP or RTP.
package cloud
