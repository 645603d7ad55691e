package admin

import "fmt"

// msgCode is the stable code of one message format and the names of its
// arguments, in order.
type msgCode struct {
	code   string
	params []string
}

// messageCodes maps each format httpErr is given to its code; the page
// translates the code and fills in the params (docs/API-ADMIN.md, "Message
// codes"). A test checks that every format in the package is listed.
var messageCodes = map[string]msgCode{
	"%s": {"text", []string{"detail"}},

	// bodies and uploads
	"malformed JSON: data after the JSON value":                  {"body.trailing_data", nil},
	"malformed JSON: the body is empty":                          {"body.empty", nil},
	"want a multipart/form-data body with the file in %q":        {"upload.not_multipart", []string{"field"}},
	"a file in the form field %q: put it in %q":                  {"upload.wrong_field", []string{"got", "field"}},
	"no file in the form field %q":                               {"upload.no_file", []string{"field"}},
	"file too large: the limit is %s":                            {"upload.too_large", []string{"max"}},
	"form field %q is longer than %d bytes":                      {"upload.field_too_long", []string{"field", "max"}},
	"too many form fields (the limit is %d)":                     {"upload.too_many_fields", []string{"max"}},
	"%s=%q: want 1 or 0":                                         {"query.not_bool", []string{"param", "value"}},
	"%s=%q: want a whole number from %d to %d":                   {"query.not_int", []string{"param", "value", "min", "max"}},
	"before=%q: want an RFC 3339 time like 2025-03-01T09:00:00Z": {"query.not_time", []string{"value"}},
	"%s=%q: want an RFC 3339 time or a date like 2025-03-01":     {"query.not_time_or_date", []string{"param", "value"}},
	"no such endpoint: %s %s":                                    {"endpoint.unknown", []string{"method", "path"}},
	"no such endpoint: want disks/%d/files/<path>/audio":         {"endpoint.unknown_disk_file", []string{"number"}},
	"%s: %d is not 0 to %d milliseconds":                         {"command.ms_range", []string{"field", "value", "max"}},
	"tag: at most %d bytes":                                      {"command.tag_too_long", []string{"max"}},
	"kind %q: conferences are not joined through the admin API":  {"command.join_refused", []string{"kind"}},
	"kind %q: want play, collect, record, wait or digits":        {"command.kind_unknown", []string{"kind"}},
	"format=%q: want json or csv":                                {"query.format", []string{"value"}},
	"format=%q: want json or text":                               {"query.format", []string{"value"}},
	"level=%q: want debug, info, warn or error":                  {"query.level", []string{"value"}},

	// sessions and tokens
	"Authorization: want Bearer <token>":                            {"auth.bad_header", nil},
	"invalid or revoked token":                                      {"auth.bad_token", nil},
	"not logged in":                                                 {"auth.not_logged_in", nil},
	"the session has ended: log in again":                           {"auth.session_ended", nil},
	"no admin password is set yet: set one first (setup)":           {"auth.no_password", nil},
	"setup is already done: log in instead":                         {"auth.setup_done", nil},
	"the current password is wrong":                                 {"auth.current_wrong", nil},
	"wrong password":                                                {"auth.wrong_password", nil},
	"too many wrong passwords from this address: try again in %d s": {"auth.throttled", []string{"seconds"}},
	"the first-run setup is only over HTTPS: open %s":               {"auth.setup_https", []string{"url"}},
	"no token with id %q":                                           {"token.missing", []string{"id"}},
	"cross-origin request refused":                                  {"http.cross_origin", nil},
	"internal error":                                                {"http.500", nil},

	// config objects
	"an IVR with number %q exists already":                               {"ivr.number_taken", []string{"number"}},
	"no IVR with number %q":                                              {"ivr.missing", []string{"number"}},
	"a trunk named %q exists already":                                    {"trunk.name_taken", []string{"name"}},
	"no trunk named %q":                                                  {"trunk.missing", []string{"name"}},
	"account %q exists already":                                          {"account.ext_taken", []string{"ext"}},
	"no account %q":                                                      {"account.missing", []string{"ext"}},
	"network disk %d exists already":                                     {"disk.number_taken", []string{"number"}},
	"no network disk %d":                                                 {"disk.missing", []string{"number"}},
	"no network disk %q: numbers are 1 to %d":                            {"disk.bad_number", []string{"number", "max"}},
	"network disk %d is not mounted":                                     {"disk.not_mounted", []string{"number"}},
	"the body's number %d is not the disk's number %d":                   {"disk.number_mismatch", []string{"body", "path"}},
	"no audio file %q on network disk %d":                                {"disk.file_missing", []string{"path", "number"}},
	"namespace %q: the box's namespace is %s":                            {"cloud.namespace_mismatch", []string{"namespace", "want"}},
	"no cloud API token with id %q":                                      {"cloud.token_missing", []string{"id"}},
	"there are %d cloud API tokens already, the limit: revoke one first": {"cloud.tokens_full", []string{"max"}},

	// prompts and recordings
	"no prompt %q":               {"prompt.missing", []string{"name"}},
	"prompt name %q refused: %s": {"prompt.bad_name", []string{"name", "detail"}},
	"%q is a built-in prompt: it cannot be deleted (upload a file of that name to replace it)":  {"prompt.builtin", []string{"name"}},
	"%q is not audio: upload a WAV or MP3 file (or raw .ulaw, .alaw, .sln with that extension)": {"prompt.not_audio", []string{"file"}},
	"recording path %s refused: %s": {"recording.bad_path", []string{"path", "detail"}},

	// live calls
	"no live call with id %q":                 {"call.missing", []string{"id"}},
	"call %s has no fork %q":                  {"call.fork_missing", []string{"call", "fork"}},
	"call %s has no recording %q in progress": {"call.recording_missing", []string{"call", "recording"}},
	"command %d did not end in time":          {"command.timeout", []string{"id"}},
	"no control %q of call %q: it was released, taken over, lost or the call ended": {"control.missing", []string{"lease", "call"}},
	"too many call controls held (%d): release some first":                          {"control.too_many", []string{"max"}},
	"no trace of call %q (the box keeps the last %d calls)":                         {"trace.missing", []string{"id", "max"}},

	// the box
	"the box is restarting":                        {"box.restarting", nil},
	"too many event streams open (%d): close one":  {"events.too_many", []string{"max"}},
	"no button %q on this board":                   {"hal.button_missing", []string{"name"}},
	"the cloud IVR API is not running on this box": {"box.no_cloud", nil},
	"this box cannot keep passwords":               {"box.no_secrets", nil},
	"this box cannot restart itself":               {"box.no_restart", nil},
	"this box does not record calls":               {"box.no_recordings", nil},
	"this box has no TLS certificate":              {"box.no_cert", nil},
	"this box has no network-disk support":         {"box.no_disks", nil},
	"this box runs no conferences":                 {"box.no_conferences", nil},
	"this box keeps no log":                        {"box.no_log", nil},
	"this box keeps no call traces":                {"box.no_traces", nil},
	"this box keeps no metrics":                    {"box.no_metrics", nil},
	"this box takes no registrations":              {"box.no_registrations", nil},

	// SIP blocks (blocks.go)
	"this box has no SIP guard": {"box.no_guard", nil},
	"%q is not an IP address":   {"blocks.bad_address", []string{"value"}},
	"%s is not blocked":         {"blocks.not_blocked", []string{"source"}},
	"account %q is not banned":  {"blocks.not_banned", []string{"user"}},

	"this box cannot drain": {"box.no_drain", nil},

	// fleet bundles (fleet.go)
	"not a fleet bundle (a gzipped tar): %v":               {"fleet.not_bundle", []string{"detail"}},
	"not a fleet bundle: it must start with %s":            {"fleet.no_config", []string{"file"}},
	"fleet bundle unreadable: %v":                          {"fleet.unreadable", []string{"detail"}},
	"fleet bundle: unexpected entry %.80q":                 {"fleet.unexpected_entry", []string{"name"}},
	"fleet bundle: more than %d prompt files":              {"fleet.too_many_files", []string{"max"}},
	"fleet bundle: %.80q is not a prompt file name":        {"fleet.bad_name", []string{"name"}},
	"fleet bundle: %.80q is not audio ivrbox can play: %v": {"fleet.not_audio", []string{"name", "detail"}},
	"fleet bundle: %.80q is %d bytes, the limit is %d":     {"fleet.entry_too_large", []string{"name", "size", "max"}},
	"fleet bundle: %.80q unreadable: %v":                   {"fleet.entry_unreadable", []string{"name", "detail"}},
}

// messageCode returns the code and params of format with args; "" when
// format is not listed (writeError then answers "http.<status>").
func messageCode(format string, args []any) (string, map[string]any) {
	mc, ok := messageCodes[format]
	if !ok {
		return "", nil
	}
	if len(mc.params) == 0 {
		return mc.code, nil
	}
	params := make(map[string]any, len(mc.params))
	for n, name := range mc.params {
		if n < len(args) {
			params[name] = paramValue(args[n])
		}
	}
	return mc.code, params
}

// paramValue is an argument as a param: numbers and strings as they are,
// anything else as its text.
func paramValue(v any) any {
	switch x := v.(type) {
	case int, int64, uint, uint64, float64, string:
		return x
	case error:
		return x.Error()
	}
	return fmt.Sprint(v)
}
