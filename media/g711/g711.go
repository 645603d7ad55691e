package g711

import zaf "github.com/zaf/g711"

// Silence bytes: the code words for linear 0, used to fill frames when
// nothing is playing.
const (
	// SilenceULaw is µ-law silence (positive zero).
	SilenceULaw byte = 0xFF
	// SilenceALaw is A-law silence (the even-bit-inverted zero code).
	SilenceALaw byte = 0xD5
)

// The encoders depend only on the top 14 (µ-law) or 12 (A-law) bits of a
// sample, so the encode tables are indexed by the sample shifted right
// (arithmetically) by 2 or 4 and biased to be non-negative.
const (
	ulawShift = 2
	alawShift = 4
	ulawSize  = 1 << (16 - ulawShift)
	alawSize  = 1 << (16 - alawShift)
)

var (
	ulawToLinear [256]int16
	alawToLinear [256]int16
	linearToULaw [ulawSize]byte
	linearToALaw [alawSize]byte
	ulawToALaw   [256]byte
	alawToULaw   [256]byte
)

func init() {
	for i := range 256 {
		b := byte(i)
		ulawToLinear[i] = zaf.DecodeUlawFrame(b)
		alawToLinear[i] = zaf.DecodeAlawFrame(b)
		ulawToALaw[i] = zaf.Ulaw2AlawFrame(b)
		alawToULaw[i] = zaf.Alaw2UlawFrame(b)
	}
	for i := range ulawSize {
		linearToULaw[i] = zaf.EncodeUlawFrame(int16(i-ulawSize/2) << ulawShift)
	}
	for i := range alawSize {
		linearToALaw[i] = zaf.EncodeAlawFrame(int16(i-alawSize/2) << alawShift)
	}
}

// ULawByte returns the µ-law code word for the linear sample s.
func ULawByte(s int16) byte {
	return linearToULaw[int(s>>ulawShift)+ulawSize/2]
}

// ALawByte returns the A-law code word for the linear sample s.
func ALawByte(s int16) byte {
	return linearToALaw[int(s>>alawShift)+alawSize/2]
}

// ULawSample returns the linear sample that the µ-law code word b stands for.
func ULawSample(b byte) int16 { return ulawToLinear[b] }

// ALawSample returns the linear sample that the A-law code word b stands for.
func ALawSample(b byte) int16 { return alawToLinear[b] }

// EncodeULaw encodes linear samples from src into µ-law bytes in dst and
// returns the number of samples encoded: min(len(dst), len(src)).
func EncodeULaw(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = linearToULaw[int(s>>ulawShift)+ulawSize/2]
	}
	return n
}

// DecodeULaw decodes µ-law bytes from src into linear samples in dst and
// returns the number of samples decoded: min(len(dst), len(src)).
func DecodeULaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = ulawToLinear[b]
	}
	return n
}

// EncodeALaw encodes linear samples from src into A-law bytes in dst and
// returns the number of samples encoded: min(len(dst), len(src)).
func EncodeALaw(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = linearToALaw[int(s>>alawShift)+alawSize/2]
	}
	return n
}

// DecodeALaw decodes A-law bytes from src into linear samples in dst and
// returns the number of samples decoded: min(len(dst), len(src)).
func DecodeALaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = alawToLinear[b]
	}
	return n
}

// ULawToALaw transcodes µ-law bytes from src into A-law bytes in dst with the
// G.711 direct conversion table and returns min(len(dst), len(src)).
// dst and src may be the same slice.
func ULawToALaw(dst, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = ulawToALaw[b]
	}
	return n
}

// ALawToULaw transcodes A-law bytes from src into µ-law bytes in dst with the
// G.711 direct conversion table and returns min(len(dst), len(src)).
// dst and src may be the same slice.
func ALawToULaw(dst, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = alawToULaw[b]
	}
	return n
}
