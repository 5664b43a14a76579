// gocache.go: a long-lived cache in Go, profiled by tests/agent/test_go.py.
// Usage: gocache N [--wait]. Inserts N entries into a map that lives as long as the process:
// each a key string (makeKey, GO_SITE_KEY) and an Entry (newEntry, GO_SITE_ENTRY) with a
// 256-byte value (newValue, GO_SITE_VALUE), and a Meta from stamp (GO_SITE_META), a function the
// compiler inlines into put (GO_CALL_STAMP); the oldest quarter is evicted whenever the cache
// holds 4096 entries. It prints the objects it allocated and a checksum of what it kept.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

type Entry struct {
	key   string
	value []byte
	seq   int64
	meta  *Meta
}

type Meta struct {
	seq int64
	hot bool
}

var keys, entries, values, metas int64

// stamp is small enough to be inlined: its allocation is an inlined frame of put.
func stamp(seq int64) *Meta {
	metas++
	return &Meta{seq: seq, hot: seq%2 == 0} // GO_SITE_META
}

//go:noinline
func makeKey(i int64) string {
	var b [24]byte
	n := len(strconv.AppendInt(b[:0], i*7919, 16))
	keys++
	return string(b[:n]) // GO_SITE_KEY
}

//go:noinline
func newValue(i int64) []byte {
	values++
	v := make([]byte, 256) // GO_SITE_VALUE
	v[0] = byte(i)
	return v
}

//go:noinline
func newEntry(key string, i int64) *Entry {
	entries++
	return &Entry{key: key, value: newValue(i), seq: i} // GO_SITE_ENTRY
}

type Cache struct {
	m      map[string]*Entry
	order  []string
	oldest int
}

func (c *Cache) put(i int64) {
	k := makeKey(i)
	e := newEntry(k, i)
	e.meta = stamp(i) // GO_CALL_STAMP
	c.m[k] = e
	c.order = append(c.order, k)
	if len(c.m) >= 4096 {
		for j := 0; j < 1024; j++ {
			delete(c.m, c.order[c.oldest])
			c.oldest++
		}
	}
}

func waitGo() {
	if len(os.Args) < 2 || os.Args[len(os.Args)-1] != "--wait" {
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	fmt.Println("ready")
	<-c
	signal.Stop(c)
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	waitGo()
	c := &Cache{m: make(map[string]*Entry)}
	for i := int64(0); i < int64(n); i++ {
		c.put(i)
	}
	var checksum int64
	for k, e := range c.m {
		checksum += int64(len(k)) + e.seq + int64(e.value[0]) + e.meta.seq
	}
	fmt.Printf("n=%d keys=%d entries=%d values=%d metas=%d kept=%d checksum=%d\n", n, keys,
		entries, values, metas, len(c.m), checksum)
}
