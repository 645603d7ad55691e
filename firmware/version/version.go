// Package version holds the build's version string, stamped by build.sh with
// -ldflags -X. It must never import anything from the rest of ivrbox.
package version

// Version is the firmware version; "dev" for unstamped builds.
var Version = "dev"
