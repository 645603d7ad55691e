// Package trunk keeps the box's SIP trunks working: it registers the
// register-type trunks of the config at their providers (one
// sip.Registration each, restarted when a trunk's settings or password
// change), reports each trunk's state for the admin API, the web page and
// the status LED, and tells which trunk an inbound INVITE comes from by its
// source address (Identify). Accounts adapts the config's local SIP
// accounts to the SIP server's registrar.
//
// A Manager is built with New, fed each new config with Apply and stopped
// with Close. Host names are resolved when a config is applied and again
// periodically by the Manager's own goroutine, never on the call path.
package trunk
