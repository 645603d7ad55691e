//go:build !linux

package main

import "os"

// noEcho cannot turn echo off here: the password shows as it is typed.
func noEcho(*os.File) func() { return func() {} }
