// goburst.go: an idle-burst-idle Go target whose allocation count is known, for the default
// mode's count estimates (tests/agent/test_windows.py, issue #16). Usage: goburst IDLE_S COUNT
// IDLE_S [--wait]. It sleeps IDLE_S, then makes COUNT heap allocations at one site (newItem's
// marked line) as fast as it can, then sleeps IDLE_S again. It prints "burst=COUNT".
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

type item struct {
	next  *item
	value int64
	pad   [2]int64
}

var sink *item

//go:noinline
func newItem(value int64) *item {
	return &item{value: value} // GO_SITE_BURST
}

func waitGo() {
	if os.Args[len(os.Args)-1] != "--wait" {
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	fmt.Println("ready")
	<-c
	signal.Stop(c)
}

func seconds(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Second))
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: goburst IDLE_S COUNT IDLE_S [--wait]")
		os.Exit(2)
	}
	count, _ := strconv.ParseInt(os.Args[2], 10, 64)
	waitGo()
	time.Sleep(seconds(os.Args[1]))
	var sum int64
	for i := int64(0); i < count; i++ {
		it := newItem(i)
		sum += it.value
		if i&1023 == 0 {
			sink = it // keeps the allocation on the heap and its result used
		}
	}
	time.Sleep(seconds(os.Args[3]))
	fmt.Printf("burst=%d sum=%d\n", count, sum)
}
