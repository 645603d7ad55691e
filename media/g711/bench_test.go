package g711

import "testing"

// The benchmarks convert one 20 ms frame (160 samples), the unit of the RTP
// path; -benchmem must report 0 allocs/op.

func benchPCM() []int16 {
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = int16(i*397 - 30000)
	}
	return pcm
}

func BenchmarkEncodeULaw(b *testing.B) {
	src, dst := benchPCM(), make([]byte, 160)
	b.SetBytes(int64(len(src) * 2))
	b.ReportAllocs()
	for b.Loop() {
		EncodeULaw(dst, src)
	}
}

func BenchmarkDecodeULaw(b *testing.B) {
	src, dst := make([]byte, 160), make([]int16, 160)
	EncodeULaw(src, benchPCM())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		DecodeULaw(dst, src)
	}
}

func BenchmarkEncodeALaw(b *testing.B) {
	src, dst := benchPCM(), make([]byte, 160)
	b.SetBytes(int64(len(src) * 2))
	b.ReportAllocs()
	for b.Loop() {
		EncodeALaw(dst, src)
	}
}

func BenchmarkDecodeALaw(b *testing.B) {
	src, dst := make([]byte, 160), make([]int16, 160)
	EncodeALaw(src, benchPCM())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		DecodeALaw(dst, src)
	}
}

func BenchmarkULawToALaw(b *testing.B) {
	src, dst := make([]byte, 160), make([]byte, 160)
	EncodeULaw(src, benchPCM())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		ULawToALaw(dst, src)
	}
}
