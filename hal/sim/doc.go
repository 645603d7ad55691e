// Package sim is the hal driver for a simulated board: LEDs that only
// remember their level and pattern, and buttons pressed by calling
// [Board.Press]. The admin API and the web page's dashboard show its LEDs
// and press its buttons, which is how a box running on a laptop, and the
// end-to-end tests, see and drive the hardware.
//
// It registers itself as "sim" from init. It never touches real hardware
// or the filesystem.
package sim
