// Package mediatest makes the images the media tests upload: hostile
// files, photos with Exif location, decompression bombs. Nothing is
// downloaded; everything is built here.
package mediatest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// Picture is w×h with a red block in its top-left quarter and blue
// elsewhere, so orientation can be checked after rotation.
func Picture(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x < w/2 && y < h/2 {
				c = color.RGBA{255, 0, 0, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// JPEG encodes m at quality 90.
func JPEG(m image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// PNG encodes m.
func PNG(m image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// SecretMake and the GPS latitude stand for what a phone writes into a
// photo; none of it may survive an upload.
const SecretMake = "SecretCam-9000"

// ExifBlock is an APP1 Exif payload (big-endian TIFF) with the given
// orientation, a camera make and a GPS IFD with a latitude.
func ExifBlock(orientation uint16) []byte {
	var t bytes.Buffer
	be := binary.BigEndian
	w16 := func(v uint16) { _ = binary.Write(&t, be, v) }
	w32 := func(v uint32) { _ = binary.Write(&t, be, v) }
	t.WriteString("MM")
	w16(42)
	w32(8)
	// IFD0 at 8: 3 entries (12 bytes each) + next-IFD offset.
	makeOff := uint32(8 + 2 + 3*12 + 4)
	gpsOff := makeOff + uint32(len(SecretMake)+1)
	w16(3)
	w16(0x010F) // Make, ASCII
	w16(2)
	w32(uint32(len(SecretMake) + 1))
	w32(makeOff)
	w16(0x0112) // Orientation, SHORT
	w16(3)
	w32(1)
	w16(orientation)
	w16(0)
	w16(0x8825) // GPS IFD pointer
	w16(4)
	w32(1)
	w32(gpsOff)
	w32(0)
	t.WriteString(SecretMake + "\x00")
	// GPS IFD: latitude ref "N" and latitude 45/1, 30/1, 15/1.
	latOff := gpsOff + 2 + 2*12 + 4
	w16(2)
	w16(0x0001)
	w16(2)
	w32(2)
	t.Write([]byte{'N', 0, 0, 0})
	w16(0x0002)
	w16(5)
	w32(3)
	w32(latOff)
	w32(0)
	for _, v := range []uint32{45, 1, 30, 1, 15, 1} {
		w32(v)
	}
	return append([]byte("Exif\x00\x00"), t.Bytes()...)
}

// WithExif inserts an APP1 segment right after a JPEG's SOI.
func WithExif(j []byte, payload []byte) []byte {
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, j[2:]...)
}

func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	_ = binary.Write(&b, binary.BigEndian, crc.Sum32())
	return b.Bytes()
}

// PNGBomb is a valid w×h one-bit greyscale PNG of zeros: a few tens of
// kilobytes that would decode to w·h bytes (400 MB at 20000×20000).
func PNGBomb(w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 1, 0 // bit depth 1, greyscale
	out.Write(pngChunk("IHDR", ihdr))
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, 1+(w+7)/8)
	for y := 0; y < h; y++ {
		_, _ = zw.Write(row)
	}
	_ = zw.Close()
	out.Write(pngChunk("IDAT", z.Bytes()))
	out.Write(pngChunk("IEND", nil))
	return out.Bytes()
}

// WebPSolid is a lossless (VP8L) WebP of one colour: five one-symbol
// prefix codes, so every pixel takes no bits.
func WebPSolid(w, h int, c color.NRGBA) []byte {
	var bits []bool
	put := func(v uint32, n int) {
		for i := 0; i < n; i++ {
			bits = append(bits, v>>i&1 == 1)
		}
	}
	put(uint32(w-1), 14)
	put(uint32(h-1), 14)
	put(1, 1) // alpha used
	put(0, 3) // version
	put(0, 1) // no transform
	put(0, 1) // no colour cache
	put(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} {
		put(1, 1) // simple code
		put(0, 1) // one symbol
		put(1, 1) // eight-bit symbol
		put(uint32(sym), 8)
	}
	data := []byte{0x2f}
	for i := 0; i < len(bits); i += 8 {
		var b byte
		for j := 0; j < 8 && i+j < len(bits); j++ {
			if bits[i+j] {
				b |= 1 << j
			}
		}
		data = append(data, b)
	}
	n := len(data)
	if n%2 == 1 {
		data = append(data, 0)
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	_ = binary.Write(&out, binary.LittleEndian, uint32(4+8+len(data)))
	out.WriteString("WEBPVP8L")
	_ = binary.Write(&out, binary.LittleEndian, uint32(n))
	out.Write(data)
	return out.Bytes()
}
