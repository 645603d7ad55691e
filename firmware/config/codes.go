package config

import "fmt"

// Message codes: every ValidationError carries a stable Code and the
// Params its text is made of, so a page can say it in the user's own words
// and language without parsing English. The codes are listed in
// docs/API-ADMIN.md ("Message codes").

// CodeInvalid is the code of a problem whose text comes from elsewhere
// (a parser's error): its Params hold it as "detail".
const CodeInvalid = "field.invalid"

// problemCode is the code of one message and the names of its arguments,
// in order.
type problemCode struct {
	code   string
	params []string
}

// problemCodes maps each message format Validate uses to its code. A test
// checks that every format in the package is listed.
var problemCodes = map[string]problemCode{
	"%s":     {CodeInvalid, []string{"detail"}},
	"%q: %s": {CodeInvalid, []string{"value", "detail"}},

	"is required":                          {"field.required", nil},
	"is required when control is xml":      {"field.required_for_xml", nil},
	"is required when after_media is hold": {"field.required_for_hold", nil},
	"is required for type transfer":        {"action.target_required", nil},
	"is required for type ivr":             {"action.target_required", nil},
	"is required for type register":        {"trunk.required_for_register", nil},
	"is required (register or peer)":       {"trunk.type_required", nil},
	"is needed when a password is set":     {"api.user_required", nil},
	"needs at least one trunk":             {"route.trunk_required", nil},
	"needs at least one pattern":           {"route.pattern_required", nil},

	"is only for types api and record":                {"action.next_misplaced", nil},
	"is only for type record":                         {"action.record_misplaced", nil},
	"is only for type api":                            {"action.api_misplaced", nil},
	"is only for transport tls":                       {"trunk.ca_misplaced", nil},
	"must be empty when type is empty":                {"action.target_without_type", nil},
	"must be empty for type %s":                       {"action.target_not_allowed", []string{"type"}},
	"must be 0 for type peer (peers do not register)": {"trunk.peer_no_register", nil},

	"no IVR has number %q":                     {"ref.ivr_missing", []string{"number"}},
	"no trunk is named %q":                     {"ref.trunk_missing", []string{"name"}},
	"no %s is named %q":                        {"ref.missing", []string{"kind", "name"}},
	"unknown trunk type %q (register or peer)": {"trunk.type_unknown", []string{"value"}},
	"unknown action type %q (one of ivr, transfer, hangup, api, repeat, record)": {"action.type_unknown", []string{"value"}},
	"%q is not an API (one of cloud, ws, conf)":                                  {"cloud.api_unknown", []string{"value"}},

	"nests more than %d steps (through next and api.fallback)": {"action.too_deep", []string{"max"}},
	"must be at most %d printable characters":                  {"text.too_long", []string{"max"}},
	"must be at most %d bytes of printable characters":         {"text.too_long", []string{"max"}},
	"must be at most %d bytes of UTF-8 text":                   {"text.too_long", []string{"max"}},
	"is %d bytes long, the limit is 256":                       {"text.too_long_is", []string{"length"}},
	"is %d bytes long, the limit is %d":                        {"text.too_long_is", []string{"length", "max"}},
	"is %d bytes long, the limit is %d digits":                 {"digits.too_long", []string{"length", "max"}},
	"is not valid UTF-8":                                       {"text.not_utf8", nil},
	"contains a control character":                             {"text.control_char", nil},

	"must be 64 lower-case hex digits":                           {"text.hex64", nil},
	"must be 32 lower-case hex digits (the MD5 of the password)": {"api.md5", nil},
	"key must be one of 0-9, *, #":                               {"ivr.key_invalid", nil},
	"%q must be one of #, *, 0-9":                                {"ivr.terminator_invalid", []string{"value"}},
	"%q is also a key in keys":                                   {"ivr.terminator_is_key", []string{"value"}},
	"%q must be keys 0-9, *, #":                                  {"record.finish_keys_invalid", []string{"value"}},
	"%q must be mixed, stereo or split (or empty: no recording)": {"ivr.record_invalid", []string{"value"}},
	"%q must be in, mixed, stereo or split":                      {"record.format_invalid", []string{"value"}},
	"%q must be hold or next (or empty: silence)":                {"cloud.after_media_invalid", []string{"value"}},
	"%q must be cloud or xml (or empty: the IVR's own keys)":     {"ivr.control_invalid", []string{"value"}},
	"%q must be cloud (or empty: the IVR's own keys)":            {"ivr.control_invalid", []string{"value"}},
	"%q must be udp, tcp or tls":                                 {"trunk.transport_invalid", []string{"value"}},
	"%q must be off, optional or required":                       {"media.encryption_invalid", []string{"value"}},

	"%q must be digits":         {"digits.invalid", []string{"value"}},
	"%q must be 1 to %d digits": {"digits.invalid_len", []string{"value", "max"}},
	"%q must be digits, *, # with an optional leading +, at most %d":                        {"number.invalid", []string{"value", "max"}},
	"%q is not a number (digits, *, #, a leading +; at most %d)":                            {"number.invalid", []string{"value", "max"}},
	"%q must be an http:// or https:// URL":                                                 {"url.invalid", []string{"value"}},
	"%q must be an http:// or https:// URL (at most %d bytes)":                              {"url.invalid", []string{"value", "max"}},
	"%q must be a host name or IP address, without a port":                                  {"host.invalid", []string{"value"}},
	"%q must be a domain name (letters, digits, dots, dashes)":                              {"domain.invalid", []string{"value"}},
	"%q must be 1-64 letters, digits, - or _":                                               {"name.invalid", []string{"value"}},
	"%q must be 1 to 64 letters, digits, or _ - . @":                                        {"user.invalid", []string{"value"}},
	"%q must be 1 to %d letters, digits, - or _":                                            {"name.invalid_len", []string{"value", "max"}},
	"%q must be 1 to %d letters, digits, - _ or . (not first)":                              {"name.invalid_dot", []string{"value", "max"}},
	"%q must be at most 64 printable ASCII characters, without spaces or @ : < > \" \\ ; ?": {"sip_user.invalid", []string{"value"}},
	"%q must be at most 64 characters, without control characters, \\ / : or @":             {"smb_user.invalid", []string{"value"}},

	"%q is used twice":   {"dup.value", []string{"value"}},
	"%q is listed twice": {"dup.value", []string{"value"}},
	"%q is the service number; set system.service_number to another one": {"ivr.number_is_service", []string{"number"}},
	"%q is the service number":           {"number.is_service", []string{"number"}},
	"%q is also the number of ivrs[%d]":  {"dup.ivr_number", []string{"number", "index"}},
	"%q is also the name of %s[%d]":      {"dup.name", []string{"name", "list", "index"}},
	"%q is also the ext of accounts[%d]": {"dup.account_ext", []string{"ext", "index"}},
	"%q is also %s[%d]":                  {"dup.entry", []string{"value", "list", "index"}},
	"%d is also the number of disks[%d]": {"dup.disk_number", []string{"number", "index"}},

	"%d trunks, the limit is %d":                                        {"list.too_many", []string{"count", "max"}},
	"%d tokens; at most %d":                                             {"list.too_many", []string{"count", "max"}},
	"%d routes, the limit is %d":                                        {"list.too_many", []string{"count", "max"}},
	"%d prompts, the limit is %d":                                       {"list.too_many", []string{"count", "max"}},
	"%d patterns, the limit is %d":                                      {"list.too_many", []string{"count", "max"}},
	"%d disks, the limit is %d":                                         {"list.too_many", []string{"count", "max"}},
	"%d accounts, the limit is %d":                                      {"list.too_many", []string{"count", "max"}},
	"%d IVRs, the limit is %d":                                          {"list.too_many", []string{"count", "max"}},
	"%d names, the limit is %d":                                         {"list.too_many", []string{"count", "max"}},
	"has %d entries, the limit is %d":                                   {"list.too_many", []string{"count", "max"}},
	"%q is not an IP address or network (e.g. 192.0.2.7 or 10.0.0.0/8)": {"ip.invalid", []string{"value"}},
	"%d must be between 0 (no limit) and %d":                            {"range.between0_nolimit", []string{"value", "max"}},
	"%d must be between 0 (off) and %d":                                 {"range.between0_off", []string{"value", "max"}},
	"%d must be between 0 (%d s) and %d":                                {"range.between0_seconds", []string{"value", "default", "max"}},
	"%q is not a host name (letters, digits, hyphens and dots; \"*.\" first for every name below)": {"host.name_invalid", []string{"value"}},

	"%d must be -1 (no wait), 0 (%d seconds) or up to %d":                        {"range.drain", []string{"value", "default", "max"}},
	"%.64q is not an IP address (host names are not resolved)":                   {"ip.invalid", []string{"value"}},
	"%s must be a unicast address":                                               {"ip.not_unicast", []string{"value"}},
	"has %d networks, the limit is %d":                                           {"net.too_many", []string{"count", "max"}},
	"%.64q is not a network in CIDR form (like 192.168.1.0/24)":                  {"net.invalid", []string{"value"}},
	"%d must not be negative":                                                    {"range.negative", []string{"value"}},
	"%d must not be negative (0 means no limit)":                                 {"range.negative", []string{"value"}},
	"%d must not be negative (0 means %d)":                                       {"range.negative", []string{"value", "default"}},
	"%d must be between 1 and 3600 seconds (0 means the default)":                {"range.seconds", []string{"value"}},
	"%d must be between 1 and %d seconds (0 means %d)":                           {"range.seconds", []string{"value", "max", "default"}},
	"%d must be between 1 and %d (0: derived from the IVR's number and the key)": {"range.between", []string{"value", "max"}},
	"%d must be between 1 and %d (0 means the default)":                          {"range.between", []string{"value", "max"}},
	"%d must be between 1 and %d (0 means 1)":                                    {"range.between", []string{"value", "max"}},
	"%d must be between 1 and %d (0 means %d)":                                   {"range.between", []string{"value", "max", "default"}},
	"%d must be between 0 and max_seconds":                                       {"record.silence_range", []string{"value"}},
	"%d must be between 0 and %d (0 means the default)":                          {"range.between0", []string{"value", "max"}},
	"%d must be 1 to %d":                                                         {"range.between", []string{"value", "max"}},
	"%d must be 0 to %d":                                                         {"range.between0", []string{"value", "max"}},
	"%d must be -1 (never), 0 (at once) or up to %d":                             {"conf.empty_range", []string{"value", "max"}},
	"%d must be -1 (never), 0 (10 minutes) or up to %d":                          {"conf.idle_range", []string{"value", "max"}},
	"%d must be %d to %d seconds (0 means %d)":                                   {"range.seconds_from", []string{"value", "min", "max", "default"}},
	"%d is not %d, the version this firmware writes":                             {"config.version", []string{"value", "want"}},
	"%d is more than the limit %d":                                               {"range.too_big", []string{"value", "max"}},
	"%d is more than max_len %d":                                                 {"collect.min_over_max", []string{"value", "max"}},
	"%d is more than %d seconds":                                                 {"range.seconds_max", []string{"value", "max"}},
	"%d more problems not shown":                                                 {"config.more", []string{"count"}},
}

// newProblem builds the ValidationError of one message: its text, and the
// code and params of its format (CodeInvalid with the text as "detail"
// for a format not listed).
func newProblem(field, format string, args ...any) *ValidationError {
	e := &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
	pc, ok := problemCodes[format]
	if !ok {
		e.Code, e.Params = CodeInvalid, map[string]any{"detail": e.Problem}
		return e
	}
	e.Code = pc.code
	if len(pc.params) > 0 {
		e.Params = make(map[string]any, len(pc.params))
		for n, name := range pc.params {
			if n < len(args) {
				e.Params[name] = paramValue(args[n])
			}
		}
	}
	return e
}

// paramValue is an argument as a param: numbers stay numbers, anything
// else is its text.
func paramValue(v any) any {
	switch x := v.(type) {
	case int, int64, uint, uint64, float64, string:
		return x
	case error:
		return x.Error()
	}
	return fmt.Sprint(v)
}
