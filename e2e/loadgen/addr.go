package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// errTaken refuses an address something else listens on: the bench would
// measure that instead of the box it starts.
var errTaken = errors.New("in use: refusing to measure whatever listens there")

// freeAddr returns a 127.0.0.1 address whose port is free for both UDP and
// TCP (the box's SIP listens on both).
func freeAddr() (string, error) {
	for range 50 {
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return "", err
		}
		a := u.LocalAddr().String()
		l, err := net.Listen("tcp", a)
		u.Close()
		if err == nil {
			l.Close()
			return a, nil
		}
	}
	return "", errors.New("no free port on 127.0.0.1")
}

// pickAddr checks the address of flag name: "" picks a free one; an
// address given must be on loopback and free for UDP and TCP.
func pickAddr(name, addr string) (string, error) {
	if addr == "" {
		return freeAddr()
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return "", fmt.Errorf("-%s %q: %w", name, addr, err)
	}
	if !ap.Addr().IsLoopback() {
		return "", fmt.Errorf("-%s %s: not a loopback address (the bench stays on this machine)", name, addr)
	}
	u, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return "", fmt.Errorf("-%s %s: %w (%v)", name, addr, errTaken, err)
	}
	defer u.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("-%s %s: %w (%v)", name, addr, errTaken, err)
	}
	l.Close()
	return addr, nil
}
