// Command mediabench uploads a photo-like JPEG (12 megapixels by default)
// to a running Vetted server several times and prints the upload time
// percentiles. Peak memory is the server's to report (VmHWM in
// /proc/<pid>/status); see docs/media.md.
//
//	go run ./tools/mediabench -url http://127.0.0.1:8080 -email writer@vetted.local -password … -n 9
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server")
	email := flag.String("email", "writer@vetted.local", "a writer or editor")
	password := flag.String("password", "vetted-demo-password", "their password")
	n := flag.Int("n", 9, "uploads")
	w := flag.Int("w", 4000, "width")
	h := flag.Int("h", 3000, "height")
	flag.Parse()

	photo := photoJPEG(*w, *h)
	fmt.Printf("image: %d×%d (%.1f MP), %.2f MB JPEG\n", *w, *h, float64(*w**h)/1e6, float64(len(photo))/(1<<20))
	token, err := login(*base, *email, *password)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var times []time.Duration
	for i := 0; i < *n; i++ {
		// A different last byte after EOI: a new hash, a full upload each time.
		data := append(append([]byte{}, photo...), byte(i))
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("alt", "A benchmark photograph")
		fw, _ := mw.CreateFormFile("file", "bench.jpg")
		_, _ = fw.Write(data)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, *base+"/api/admin/media", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		d := time.Since(start)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			fmt.Fprintf(os.Stderr, "upload %d: status %d\n", i, res.StatusCode)
			os.Exit(1)
		}
		times = append(times, d)
		fmt.Printf("upload %d: %s\n", i+1, d.Round(time.Millisecond))
	}
	slices.Sort(times)
	fmt.Printf("p50 %s  min %s  max %s  (n=%d)\n", times[len(times)/2].Round(time.Millisecond), times[0].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), len(times))
}

func login(base, email, password string) (string, error) {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := http.Post(base+"/api/admin/session", "application/json", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("sign in as %s: status %d", email, res.StatusCode)
	}
	return out.Token, nil
}

// photoJPEG draws smooth gradients with sensor-like noise, so the JPEG is
// about as large as a camera's (a flat image would compress to nothing).
func photoJPEG(w, h int) []byte {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 60 + 120*x/w + 40*y/h + r.IntN(24)
			m.Y[m.YOffset(x, y)] = uint8(min(v, 255))
		}
	}
	for i := range m.Cb {
		m.Cb[i] = uint8(110 + r.IntN(12))
		m.Cr[i] = uint8(140 + r.IntN(12))
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 92})
	return buf.Bytes()
}
