#!/usr/bin/env bash
# gen.sh makes the built-in prompts embedded in the ivrbox binary.
#
# Usage: go generate ./media/prompt/builtin   (or: bash gen.sh, in this folder)
# Needs: espeak-ng (English voice) and sox.
#
# Speech is spoken by espeak-ng (voice en-us), band-limited to the telephone
# band, normalised to -3 dBFS, trimmed of leading silence and given a short
# tail, then stored as 8 kHz mono G.711 µ-law WAV files (what a call plays
# without transcoding; about 8 kB per second). The hold music is a 10-second
# I-vi-IV-V plucked arpeggio over a soft sine bass, synthesised by sox. sox
# runs without dither (-D) so the output is the same on every run.
#
# The prompt names follow the PBX demo flow: notice, confirm, password,
# holdon, ok, password1, music, and digits/0 … digits/9 for say-digits;
# ipaddress, dot, state-ready and state-fault speak the service announcement.
set -euo pipefail

cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# to_ulaw IN OUT [EFFECT...]: convert to 8 kHz mono µ-law WAV.
to_ulaw() {
	local in=$1 out=$2
	shift 2
	sox -D "$in" -r 8000 -c 1 -e u-law -b 8 "$out" "$@"
}

# speak NAME TEXT: speak TEXT into NAME.wav.
speak() {
	local name=$1 text=$2
	mkdir -p "$(dirname "$name")"
	espeak-ng -v en-us -s 150 -p 45 -w "$tmp/speech.wav" "$text"
	to_ulaw "$tmp/speech.wav" "$name.wav" \
		gain -6 highpass 200 lowpass 3400 silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse \
		norm -3 pad 0 0.25
	echo "$name.wav: $text"
}

speak notice "Hello, this is the driving test booking service."
speak confirm "To confirm your exam booking, press 1."
speak password "Please enter the verification code from your text message, then press the pound key."
speak holdon "Please hold on."
speak ok "Your booking is confirmed. Goodbye."
speak password1 "The code was wrong. Please enter the verification code from your text message, then press the pound key."

# The service announcement (a short press on the board's button, then a
# call to the service number): the address, digit by digit, and the state.
speak ipaddress "The I P address is"
speak dot "dot"
speak state-ready "The box is ready."

# beep: the tone before a record step (1 kHz, 250 ms, 10 ms fades), 16-bit PCM.
sox -D -n -r 8000 -c 1 -b 16 beep.wav synth 0.25 sine 1000 vol 0.4 fade 0.01 0.25 0.01
echo "beep.wav: record beep"
speak state-fault "The box reports a fault. Please check the web page."

words=(zero one two three four five six seven eight nine)
for d in "${!words[@]}"; do
	speak "digits/$d" "${words[$d]}"
done

# Hold music. Notes are semitones from A4 (sox synth's %N). Each chord gets
# one bar of eight plucked eighth notes (0.3125 s) and a sine bass note.
chords=(
	"-9 -5 -2 3 7 3 -2 -5 -21"        # C major
	"-12 -9 -5 0 3 0 -5 -9 -24"       # A minor
	"-16 -12 -9 -4 0 -4 -9 -12 -28"   # F major
	"-14 -10 -7 -2 2 -2 -7 -10 -26"   # G major
)
notes=()
basses=()
for chord in "${chords[@]}"; do
	read -ra n <<<"$chord"
	for i in 0 1 2 3 4 5 6 7; do
		f="$tmp/note${#notes[@]}.wav"
		sox -D -n -r 8000 -c 1 -b 16 "$f" synth 0.3125 pluck "%${n[$i]}" fade 0 0.3125 0.05
		notes+=("$f")
	done
	f="$tmp/bass${#basses[@]}.wav"
	sox -D -n -r 8000 -c 1 -b 16 "$f" synth 2.5 sine "%${n[8]}" fade 0.2 2.5 0.6
	basses+=("$f")
done
sox -D "${notes[@]}" "$tmp/melody.wav"
sox -D "${basses[@]}" "$tmp/bass.wav"
sox -D -m -v 0.8 "$tmp/melody.wav" -v 0.35 "$tmp/bass.wav" "$tmp/music.wav"
to_ulaw "$tmp/music.wav" music.wav norm -6 fade 0.05 10 0.3
echo "music.wav: hold music"
