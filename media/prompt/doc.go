// Package prompt turns prompt names into ready-to-play audio: it resolves a
// name like Asterisk does (notice → notice.wav, digits/5, /tmp/media/networkdisk1/notice),
// expands ${VAR} variables, decodes WAV (8/16/24/32-bit PCM, float, µ-law,
// A-law, extensible; any rate and channel count), raw G.711 and signed-linear
// files and MP3 to 8 kHz mono linear PCM, encodes µ-law and A-law once, and
// keeps the result in a memory-bounded Cache.
//
// A relative name is looked up in the local prompt folder (Options.Dir, through
// os.Root so that no name or link can leave it), then in the built-in prompts
// embedded in the binary (package builtin). An absolute name goes to the
// Source mounted at its longest matching prefix (the network disks). A name
// without a known extension tries Extensions() in order: .wav, .ulaw, .alaw,
// .pcmu, .pcma, .sln, .sln16, .mp3.
//
// A name that is an http:// or https:// URL (scheme in any case) is fetched
// when Options.HTTP is set, and refused with ErrURLDisabled otherwise. The
// vendor APIs name prompts this way (playMedia urls, file_upload_temp, the XML
// app's Play). A URL is checked first (ErrBadURL, which wraps ErrBadName: no
// user info, fragment, control character, backslash, non-ASCII host or other
// scheme). A fetch is bounded by HTTPOptions.Timeout (ErrTimeout) and
// MaxBytes (ErrTooLong, by Content-Length and while reading), follows at most
// MaxRedirects redirects and never one to another scheme or from https to
// http (ErrRedirect). 404 and 410 wrap ErrNotFound and drop every copy; other
// statuses give a *StatusError. The decoder is picked by the extension of the
// URL's path (or of the URL redirected to), else by a RIFF or ID3 header,
// else by Content-Type (audio/wav, audio/mpeg, audio/basic as µ-law, A-law
// types), else by an MPEG frame sync; anything else is not audio
// (ErrUnsupported).
//
// A response is fresh for its Cache-Control max-age (less Age), else until
// its Expires, else DefaultHTTPMaxAge (60 s); no-cache makes it stale at
// once and no-store keeps it off the disk and asks again on every Get. While
// a URL is fresh Get makes no request. Once stale, Get asks again, with
// If-None-Match and If-Modified-Since when the response had an ETag or
// Last-Modified: a 304 keeps the same decoded *Audio, a 200 is decoded unless
// its bytes are those already decoded. Concurrent Gets of a URL make one
// request. Options.Revalidate does not apply to URLs; Expire makes them all
// stale. With HTTPOptions.CacheDir each body is kept on disk (one file per URL
// named by its hash, the validators in a header line, within MaxDiskBytes),
// so after a restart the first Get is a conditional request and a prompt
// plays even if its server is down. When the server is unreachable, too slow
// or answers 5xx and a copy is at hand (on disk or decoded in memory), that
// copy plays (must-revalidate notwithstanding: late beats silent), the
// failure is logged once, and the server is asked again after 10 s. The
// server's freshness is never trusted across a restart (the board may have no
// clock until NTP answers). A fetch runs in the Get that needs it: there is
// no background refresh, so a Get may wait up to Timeout.
// URLs appear in errors, logs and Audio.Name shortened to scheme, host and
// path (at most 80 bytes), never with their query string or user info.
//
// MP3 decoding uses github.com/hajimehoshi/go-mp3, which handles MPEG-1 and
// MPEG-2 Layer III; MPEG-2 streams with padded frames (22.05 kHz) are
// repacked first to work around a frame-size bug in it (mp3lsf.go), and
// MPEG-2.5 (8–12 kHz) gives ErrUnsupported.
//
// Everything here runs on the control path: Get may stat, read and decode
// files. It must never be called on the 20 ms RTP path; the player takes the
// *Audio that Get returned and only slices its PCM, ULaw or ALaw. Audio values
// are shared between calls and must never be modified. Nothing in this package
// panics on bad input: every corrupt, truncated or unsupported file gives an
// error that says which file, which chunk and which format code.
package prompt
